package funding

// DonorType says what kind of body a donor is.
type DonorType string

// Donor types.
const (
	DonorGovernment            DonorType = "GOVERNMENT"
	DonorSubnationalGovernment DonorType = "SUBNATIONAL_GOVERNMENT"
	DonorMultilateral          DonorType = "MULTILATERAL"
	DonorFoundation            DonorType = "FOUNDATION"
	DonorPrivateSector         DonorType = "PRIVATE_SECTOR"
	DonorOther                 DonorType = "OTHER"
)

// Donor is a body that gives money for development cooperation, such as the Government
// of Flanders.
type Donor struct {
	Meta
	ID                  string
	Name                string
	ShortName           string
	Ref                 string // IATI organisation identifier, e.g. "XM-DAC-11-1"; may be empty
	Type                DonorType
	HomeCountryCode     string
	CooperatingSince    int // year cooperation with the counterpart began; 0 if unknown
	PartnerCountryCodes []string
	Description         string
}
