package funding

// Country is a country or territory of ISO 3166-1, identified by its alpha-2 code, with
// its UN M49 region.
type Country struct {
	Meta
	Code      string // ISO 3166-1 alpha-2, e.g. "MW"
	ISO3      string // ISO 3166-1 alpha-3, e.g. "MWI"
	Name      string
	Region    string // UN M49 region, e.g. "Africa"; empty for Antarctica
	SubRegion string // UN M49 sub-region, e.g. "Sub-Saharan Africa"
}
