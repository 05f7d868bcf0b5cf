package funding

// ExchangeRate is how many units of a currency one US dollar bought in a year (a yearly
// average), used to convert report totals. PerUSD is a decimal string, e.g. "0.8933".
type ExchangeRate struct {
	Meta
	Currency     string
	Year         int
	PerUSD       string
	Source       string
	Illustrative bool
}

// Contribution is money a donor paid into a trust fund for a year.
type Contribution struct {
	Year         int
	Amount       Money
	Illustrative bool
	Source       string
}

// Validate reports every problem of a rate under prefix (e.g. "input").
func (r *ExchangeRate) Validate(prefix string) error {
	var p Problems
	switch {
	case !ValidCurrencyCode(r.Currency):
		p.Add(prefix+".currency", "%q is not an ISO 4217 currency code", r.Currency)
	case r.Currency == "USD":
		p.Add(prefix+".currency", "rates are per US dollar: USD needs none")
	}
	if r.Year < MinYear || r.Year > MaxYear {
		p.Add(prefix+".year", "must be between %d and %d, got %d", MinYear, MaxYear, r.Year)
	}
	if v, err := ParseUnits(r.PerUSD, 10); err != nil || v <= 0 {
		p.Add(prefix+".perUSD", "must be a positive decimal with at most 10 decimals, got %q", r.PerUSD)
	}
	if len([]rune(r.Source)) == 0 || len([]rune(r.Source)) > MaxNameLen {
		p.Add(prefix+".source", "must name the source, in 1 to %d characters", MaxNameLen)
	}
	return p.Err()
}
