package funding

// TrustFundStatus is the life-cycle state of a trust fund.
type TrustFundStatus string

// Trust fund statuses.
const (
	TrustFundActive TrustFundStatus = "ACTIVE"
	TrustFundClosed TrustFundStatus = "CLOSED"
)

// TrustFund is a pooled fund, set up by a donor under one or more agreements, from which
// yearly allocations are made to projects. Allocations are in the fund's currency.
type TrustFund struct {
	Meta
	ID            string
	DonorID       string
	AgreementIDs  []string
	Name          string
	EstablishedOn Date
	StartsOn      Date
	EndsOn        Date // current end, after all extensions
	Extensions    []Extension
	Currency      string
	Status        TrustFundStatus
	Description   string
	Contributions []Contribution // the donor's payments into the fund, by year
}

// Extension records a decision to prolong a trust fund.
type Extension struct {
	DecidedOn Date // zero if not known
	EndsOn    Date // the end date the extension set
	Note      string
}
