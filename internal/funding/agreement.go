package funding

// Agreement is a framework agreement between a donor and a counterpart organisation
// (e.g. the ILO) that sets the terms under which money is given.
type Agreement struct {
	Meta
	ID          string
	DonorID     string
	Counterpart string
	Title       string
	SignedOn    Date
	StartsOn    Date
	EndsOn      Date // zero if open-ended
	Themes      []string
	Description string
	Source      string
}
