package funding

// Allocation is an amount a trust fund assigns to a project for one year.
type Allocation struct {
	Meta
	ID                 string
	TrustFundID        string
	ProjectID          string
	Year               int
	Amount             Money
	ImplementingAgency string // e.g. "ILO" or "ITCILO"
	ApprovedOn         Date
	Illustrative       bool   // true when the amount is invented for the demo, not published
	Source             string // where a published figure comes from
}
