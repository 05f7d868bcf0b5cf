package seed

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// iso3166CSV is the ISO 3166-1 list with UN M49 regions (CC BY-SA 4.0; see
// ISO3166-LICENSE.md for the attribution).
//
//go:embed iso3166.csv
var iso3166CSV string

// countries parses the embedded CSV once. The data is part of the binary and checked by
// the tests, so a parse error is a programming error and panics.
var countries = sync.OnceValue(func() []*funding.Country {
	cs, err := parseCountries(iso3166CSV)
	if err != nil {
		panic("seed: embedded iso3166.csv: " + err.Error())
	}
	return cs
})

// Countries returns all 249 countries and territories of ISO 3166-1, in the order of the
// embedded list (by English name). As in the source data, Region and SubRegion are empty
// for Antarctica (AQ) and Taiwan (TW). Each call returns a new slice; the *funding.Country
// values are shared between calls and must not be modified.
func Countries() []*funding.Country {
	return slices.Clone(countries())
}

// parseCountries reads the CSV, finding its columns by their header names.
func parseCountries(data string) ([]*funding.Country, error) {
	records, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("no header")
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	for _, name := range []string{"name", "alpha-2", "alpha-3", "region", "sub-region"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("no column %q", name)
		}
	}
	cs := make([]*funding.Country, 0, len(records)-1)
	for _, r := range records[1:] {
		cs = append(cs, &funding.Country{
			Code:      r[col["alpha-2"]],
			ISO3:      r[col["alpha-3"]],
			Name:      r[col["name"]],
			Region:    r[col["region"]],
			SubRegion: r[col["sub-region"]],
		})
	}
	return cs, nil
}
