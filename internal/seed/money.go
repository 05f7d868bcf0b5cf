package seed

import (
	"fmt"
	"math/big"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// contributions gives the donor's yearly payments into each fund: the Flanders fund
// receives EUR 900,000 every two years (public for 2018–2019 and 2020–2021, and said to
// have been the same in the years before: those are marked illustrative); the other
// funds receive each year what they allocate that year (illustrative).
func contributions(d *Dataset) {
	perYear := map[string]map[int]int64{}
	for _, a := range d.Allocations {
		if perYear[a.TrustFundID] == nil {
			perYear[a.TrustFundID] = map[int]int64{}
		}
		perYear[a.TrustFundID][a.Year] += a.Amount.Units
	}
	for _, tf := range d.TrustFunds {
		if tf.ID == "ilo-flanders-tf" {
			for y := 2002; y <= 2024; y += 2 {
				c := funding.Contribution{Year: y, Amount: funding.Money{Units: 90000000, Currency: "EUR"}, Illustrative: true}
				if y == 2018 || y == 2020 {
					c.Illustrative = false
					c.Source = fmt.Sprintf("Flanders Department of Foreign Affairs: EUR 900,000 approved for %d–%d", y, y+1)
				}
				tf.Contributions = append(tf.Contributions, c)
			}
			continue
		}
		for y := tf.StartsOn.Year(); y <= 2026; y++ {
			if u := perYear[tf.ID][y]; u > 0 {
				tf.Contributions = append(tf.Contributions, funding.Contribution{Year: y, Amount: funding.Money{Units: u, Currency: tf.Currency}, Illustrative: true})
			}
		}
	}
}

// usdPerEUR are yearly averages of the US dollar price of one euro, after the ECB's euro
// reference rates, rounded to four decimals. They were written from memory, not copied from
// the ECB's data: the rates are marked illustrative until checked against the source.
var usdPerEUR = map[int]string{
	2001: "0.8956", 2002: "0.9456", 2003: "1.1312", 2004: "1.2439", 2005: "1.2441", 2006: "1.2556",
	2007: "1.3705", 2008: "1.4708", 2009: "1.3948", 2010: "1.3257", 2011: "1.3920", 2012: "1.2848",
	2013: "1.3281", 2014: "1.3285", 2015: "1.1095", 2016: "1.1069", 2017: "1.1297", 2018: "1.1810",
	2019: "1.1195", 2020: "1.1422", 2021: "1.1827", 2022: "1.0530", 2023: "1.0813", 2024: "1.0824",
	2025: "1.1300", 2026: "1.1600",
}

// eurRates are the demo's EUR rates, as units of EUR per US dollar (6 decimals).
func eurRates() []*funding.ExchangeRate {
	var out []*funding.ExchangeRate
	for y := 2001; y <= 2026; y++ {
		usd, _ := new(big.Rat).SetString(usdPerEUR[y])
		out = append(out, &funding.ExchangeRate{Currency: "EUR", Year: y, PerUSD: new(big.Rat).Inv(usd).FloatString(6),
			Source: "ECB euro reference rates, yearly average (from memory; illustrative until checked)", Illustrative: true})
	}
	return out
}
