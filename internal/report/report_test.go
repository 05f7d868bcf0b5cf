package report_test

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/report"
)

// --- helpers -------------------------------------------------------------------------

func share(code string, s int) funding.CountryShare {
	return funding.CountryShare{CountryCode: code, Share: s}
}

func money(units int64, currency string) funding.Money {
	return funding.Money{Units: units, Currency: currency}
}

// aggregate adds the allocations and returns the report, failing the test on any error.
func aggregate(t testing.TB, f *report.Facts, o report.Options, als ...*funding.Allocation) *report.Report {
	t.Helper()
	a, err := report.New(f, o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	for _, al := range als {
		if err := a.Add(al); err != nil {
			t.Fatalf("Add(%s): %v", al.ID, err)
		}
	}
	return a.Result()
}

// rowMap maps each row's keys, joined by "|", to the row.
func rowMap(rep *report.Report) map[string]report.Row {
	m := make(map[string]report.Row, len(rep.Rows))
	for _, r := range rep.Rows {
		m[strings.Join(r.Keys, "|")] = r
	}
	return m
}

// checkRows checks that the report has exactly the rows want (joined keys → units in
// currency), each with count 1.
func checkRows(t *testing.T, rep *report.Report, currency string, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, r := range rep.Rows {
		k := strings.Join(r.Keys, "|")
		got[k] = r.Totals[currency]
		if r.Count != 1 {
			t.Errorf("row %q: Count = %d, want 1", k, r.Count)
		}
		if len(r.Totals) != 1 {
			t.Errorf("row %q: Totals = %v, want one entry in %s", k, r.Totals, currency)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

// --- splitting ------------------------------------------------------------------------

func TestSplitByCountryLargestRemainder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shares []funding.CountryShare
		units  int64
		want   map[string]int64
	}{
		// 10000 cents × 3334/10000 = 3334 exactly, and so on: nothing left over.
		{"100.00 EUR, 3334/3333/3333", []funding.CountryShare{share("MW", 3334), share("MZ", 3333), share("ZA", 3333)}, 10000,
			map[string]int64{"MW": 3334, "MZ": 3333, "ZA": 3333}},
		{"100.00 EUR, 3333/3333/3334", []funding.CountryShare{share("MW", 3333), share("MZ", 3333), share("ZA", 3334)}, 10000,
			map[string]int64{"MW": 3333, "MZ": 3333, "ZA": 3334}},
		// 100 cents: bases 33, 33, 33 (99), remainders 100·3333 mod 10000 = 3300, 3300 and
		// 100·3334 mod 10000 = 3400: the one cent left goes to ZA, the largest remainder.
		{"1.00 EUR, 3333/3333/3334", []funding.CountryShare{share("MW", 3333), share("MZ", 3333), share("ZA", 3334)}, 100,
			map[string]int64{"MW": 33, "MZ": 33, "ZA": 34}},
		// 1 cent: bases 0, remainders 3334, 3333, 3333: MW gets it.
		{"0.01 EUR, 3334/3333/3333", []funding.CountryShare{share("MW", 3334), share("MZ", 3333), share("ZA", 3333)}, 1,
			map[string]int64{"MW": 1, "MZ": 0, "ZA": 0}},
		{"0.01 EUR, 3333/3333/3334", []funding.CountryShare{share("MW", 3333), share("MZ", 3333), share("ZA", 3334)}, 1,
			map[string]int64{"MW": 0, "MZ": 0, "ZA": 1}},
		// 2 cents: remainders 6666, 6666, 6668; two cents left: ZA, then the tie between MW
		// and MZ goes to MW, first in key order.
		{"0.02 EUR, 3333/3333/3334", []funding.CountryShare{share("MZ", 3333), share("MW", 3333), share("ZA", 3334)}, 2,
			map[string]int64{"MW": 1, "MZ": 0, "ZA": 1}},
		// A tie, listed in either order: the first key wins.
		{"0.01 EUR, 5000/5000", []funding.CountryShare{share("MZ", 5000), share("MW", 5000)}, 1,
			map[string]int64{"MW": 1, "MZ": 0}},
		{"0.03 EUR, 5000/5000", []funding.CountryShare{share("MW", 5000), share("MZ", 5000)}, 3,
			map[string]int64{"MW": 2, "MZ": 1}},
		// The largest int64: exact, no overflow in U·w.
		{"MaxInt64, 3334/3333/3333", []funding.CountryShare{share("MW", 3334), share("MZ", 3333), share("ZA", 3333)}, math.MaxInt64,
			// U·3334 = 3075072237087382254·10^4 + 538 and U·3333 = 3074149899883696776·10^4 +
			// 4731: the bases add up to U − 1, and the unit left goes to the tie of largest
			// remainders MZ and ZA: to MZ, first in key order.
			map[string]int64{"MW": 3075072237087382254, "MZ": 3074149899883696777, "ZA": 3074149899883696776}},
		// A country of share zero gets no row: it has no weight in the allocation.
		{"a zero share", []funding.CountryShare{share("MW", 10000), share("MZ", 0)}, 5,
			map[string]int64{"MW": 5}},
		{"0 EUR", []funding.CountryShare{share("MW", 5000), share("MZ", 5000)}, 0,
			map[string]int64{"MW": 0, "MZ": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &report.Facts{Projects: map[string]*funding.Project{"P": {ID: "P", Countries: tc.shares}}}
			rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Country}},
				&funding.Allocation{ID: "A", TrustFundID: "F", ProjectID: "P", Year: 2019, Amount: money(tc.units, "EUR")})
			if tc.want != nil {
				checkRows(t, rep, "EUR", tc.want)
			}
			var sum int64
			for _, r := range rep.Rows {
				sum += r.Totals["EUR"]
			}
			if sum != tc.units || rep.Totals["EUR"] != tc.units || rep.Count != 1 {
				t.Errorf("rows add up to %d, Totals = %v, Count = %d; want %d, %d, 1", sum, rep.Totals, rep.Count, tc.units, tc.units)
			}
		})
	}
}

func TestSplitLargeAmountExact(t *testing.T) {
	// U = 10^15 + 1 cents over 3334/3333/3333: 10^15·w/10^4 = 10^11·w exactly, and the extra
	// cent has remainders 3334, 3333, 3333: MW gets it.
	const u = 1_000_000_000_000_001
	f := &report.Facts{Projects: map[string]*funding.Project{"P": {ID: "P", Countries: []funding.CountryShare{
		share("MW", 3334), share("MZ", 3333), share("ZA", 3333)}}}}
	rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Country}},
		&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(u, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"MW": 333_400_000_000_001, "MZ": 333_300_000_000_000, "ZA": 333_300_000_000_000})
}

func TestSplitByRegionSumsSharesFirst(t *testing.T) {
	f := &report.Facts{
		Projects: map[string]*funding.Project{
			"P": {ID: "P", Countries: []funding.CountryShare{share("MW", 3333), share("MZ", 3333), share("FR", 3334)}},
			"Q": {ID: "Q", Countries: []funding.CountryShare{share("MW", 5000), share("AQ", 5000)}},
			"G": {ID: "G"}, // global
		},
		Regions: map[string]string{"MW": "Africa", "MZ": "Africa", "FR": "Europe", "AQ": ""},
	}
	// One cent: Africa weighs 6666, Europe 3334, so Africa gets it (splitting by country
	// first would have given it to FR). Africa counts the allocation once.
	rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Region}},
		&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(1, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"Africa": 1, "Europe": 0})

	// A country without a region and a global project go to Unallocated.
	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Region}},
		&funding.Allocation{ID: "A", ProjectID: "Q", Year: 2019, Amount: money(1001, "EUR")},
		&funding.Allocation{ID: "B", ProjectID: "G", Year: 2019, Amount: money(500, "EUR")})
	m := rowMap(rep)
	if r := m[""]; r.Totals["EUR"] != 501+500 || r.Count != 2 {
		t.Errorf("Unallocated row = %+v, want 1001 EUR units from 2 allocations", r)
	}
	if r := m["Africa"]; r.Totals["EUR"] != 500 || r.Count != 1 {
		t.Errorf("Africa row = %+v, want 500 EUR units from 1 allocation", r)
	}
	if rep.Rows[0].Keys[0] != report.Unallocated {
		t.Errorf("first row %q, want Unallocated first", rep.Rows[0].Keys)
	}

	// COUNTRY and REGION together split by country.
	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Region, report.Country}},
		&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(1, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"Africa|MW": 0, "Africa|MZ": 0, "Europe|FR": 1})

	// A country missing from Facts.Regions is an error naming it.
	delete(f.Regions, "MZ")
	a, _ := report.New(f, report.Options{GroupBy: []report.Dimension{report.Region}})
	err := a.Add(&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(1, "EUR")})
	if err == nil || !strings.Contains(err.Error(), `"MZ"`) {
		t.Errorf("Add with a country missing from Regions: %v, want an error naming MZ", err)
	}
}

func TestSplitByTheme(t *testing.T) {
	f := &report.Facts{Projects: map[string]*funding.Project{
		"P": {ID: "P", Themes: []string{"skills", "gender", "employment"}, Countries: []funding.CountryShare{share("MW", 7500), share("MZ", 2500)}},
		"D": {ID: "D", Themes: []string{"skills", "skills", "gender"}}, // a repeated theme counts once
		"N": {ID: "N"},
	}}
	// 100 cents over 3 themes: 33 each, remainders 100 mod 3 = 1 each: the cent left goes to
	// the first theme in key order, "employment".
	rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Theme}},
		&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(100, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"employment": 34, "gender": 33, "skills": 33})

	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Theme}},
		&funding.Allocation{ID: "A", ProjectID: "D", Year: 2019, Amount: money(101, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"gender": 51, "skills": 50})

	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Theme}},
		&funding.Allocation{ID: "A", ProjectID: "N", Year: 2019, Amount: money(101, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{"": 101})

	// COUNTRY × THEME: weights 7500 for each MW part and 2500 for each MZ part, out of
	// 30000. 1000 cents: MW parts 1000·7500/30000 = 250 each, MZ parts 83.33 → 83 each,
	// remainders 10000 each (of 30000): the one cent left goes to the first key, MZ|employment.
	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Country, report.Theme}},
		&funding.Allocation{ID: "A", ProjectID: "P", Year: 2019, Amount: money(1000, "EUR")})
	checkRows(t, rep, "EUR", map[string]int64{
		"MW|employment": 250, "MW|gender": 250, "MW|skills": 250,
		"MZ|employment": 84, "MZ|gender": 83, "MZ|skills": 83,
	})
}

func TestAgreementInForce(t *testing.T) {
	f := &report.Facts{
		TrustFunds: map[string]*funding.TrustFund{
			"F": {ID: "F", DonorID: "D", AgreementIDs: []string{"A2016", "A1997", "A2011"}},
			"N": {ID: "N", DonorID: "D"},
		},
		Agreements: map[string]*funding.Agreement{
			"A1997": {ID: "A1997", StartsOn: funding.MustDate("1997-06-01")},
			"A2011": {ID: "A2011", StartsOn: funding.MustDate("2011-12-15")},
			"A2016": {ID: "A2016", StartsOn: funding.MustDate("2016-01-01")},
		},
	}
	var als []*funding.Allocation
	for i, y := range []int{1990, 1997, 2010, 2011, 2015, 2016, 2024} {
		als = append(als, &funding.Allocation{ID: fmt.Sprint(i), TrustFundID: "F", Year: y, Amount: money(int64(y), "EUR")})
	}
	als = append(als, &funding.Allocation{ID: "n", TrustFundID: "N", Year: 2019, Amount: money(7, "EUR")})
	rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Agreement, report.Year}}, als...)
	var got []string
	for _, r := range rep.Rows {
		got = append(got, strings.Join(r.Keys, "@"))
	}
	// Before any agreement starts (1990), the earliest; an agreement starting in December
	// 2011 is in force for 2011.
	want := []string{"@2019", "A1997@1990", "A1997@1997", "A1997@2010", "A2011@2011", "A2011@2015", "A2016@2016", "A2016@2024"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}

	// Of two agreements starting the same day, the smaller id, in force or earliest.
	f.TrustFunds["T"] = &funding.TrustFund{ID: "T", AgreementIDs: []string{"B2016", "A2016", "B1997", "A1997b"}}
	f.Agreements["B2016"] = &funding.Agreement{ID: "B2016", StartsOn: funding.MustDate("2016-01-01")}
	f.Agreements["B1997"] = &funding.Agreement{ID: "B1997", StartsOn: funding.MustDate("1997-06-01")}
	f.Agreements["A1997b"] = &funding.Agreement{ID: "A1997b", StartsOn: funding.MustDate("1997-06-01")}
	rep = aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Agreement, report.Year}},
		&funding.Allocation{ID: "t1", TrustFundID: "T", Year: 2017, Amount: money(1, "EUR")},
		&funding.Allocation{ID: "t2", TrustFundID: "T", Year: 1990, Amount: money(1, "EUR")})
	if got := [][]string{rep.Rows[0].Keys, rep.Rows[1].Keys}; fmt.Sprint(got) != "[[A1997b 1990] [A2016 2017]]" {
		t.Errorf("agreements starting the same day: %q", got)
	}

	delete(f.Agreements, "A2011")
	a, _ := report.New(f, report.Options{GroupBy: []report.Dimension{report.Agreement}})
	if err := a.Add(als[0]); err == nil || !strings.Contains(err.Error(), `"A2011"`) {
		t.Errorf("Add with an agreement missing: %v, want an error naming A2011", err)
	}
}

func TestRowOrderAndKeys(t *testing.T) {
	f := &report.Facts{
		TrustFunds: map[string]*funding.TrustFund{"F1": {ID: "F1", DonorID: "flanders"}, "F2": {ID: "F2", DonorID: "belgium"}},
		Projects:   map[string]*funding.Project{"P": {ID: "P"}},
	}
	als := []*funding.Allocation{
		{ID: "1", TrustFundID: "F1", ProjectID: "P", Year: 2019, Amount: money(1, "EUR"), ImplementingAgency: "ILO"},
		{ID: "2", TrustFundID: "F2", ProjectID: "P", Year: 999, Amount: money(2, "EUR"), ImplementingAgency: "ITCILO"},
		{ID: "3", TrustFundID: "F1", ProjectID: "P", Year: 2020, Amount: money(3, "USD"), ImplementingAgency: "ILO"},
		{ID: "4", TrustFundID: "F1", ProjectID: "P", Year: 2019, Amount: money(4, "USD"), ImplementingAgency: "ILO"},
		{ID: "5", TrustFundID: "F1", ProjectID: "P", Year: 2019, Amount: money(5, "EUR"), ImplementingAgency: "ILO"},
	}
	rep := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Year, report.Donor, report.TrustFund, report.Project, report.ImplementingAgency}}, als...)
	type row struct {
		keys   string
		totals map[string]int64
		count  int
	}
	var got []row
	for _, r := range rep.Rows {
		got = append(got, row{strings.Join(r.Keys, " "), r.Totals, r.Count})
	}
	want := []row{ // years as numbers: 999 before 2019
		{"999 belgium F2 P ITCILO", map[string]int64{"EUR": 2}, 1},
		{"2019 flanders F1 P ILO", map[string]int64{"EUR": 6, "USD": 4}, 3},
		{"2020 flanders F1 P ILO", map[string]int64{"USD": 3}, 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
	if !maps.Equal(rep.Totals, map[string]int64{"EUR": 8, "USD": 7}) || rep.Count != 5 {
		t.Errorf("Totals %v, Count %d", rep.Totals, rep.Count)
	}

	// No grouping: one row with no keys.
	rep = aggregate(t, nil, report.Options{}, als...)
	if len(rep.Rows) != 1 || len(rep.Rows[0].Keys) != 0 || rep.Rows[0].Count != 5 || !maps.Equal(rep.Rows[0].Totals, rep.Totals) {
		t.Errorf("ungrouped report %+v", rep)
	}
	// Nothing added: no rows; converting, a zero total in the currency.
	rep = aggregate(t, nil, report.Options{GroupBy: []report.Dimension{report.Year}, Currency: "USD"})
	if len(rep.Rows) != 0 || !maps.Equal(rep.Totals, map[string]int64{"USD": 0}) || rep.Count != 0 {
		t.Errorf("empty report %+v", rep)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, o := range []report.Options{
		{GroupBy: []report.Dimension{"COLOUR"}},
		{GroupBy: []report.Dimension{"country"}},
		{GroupBy: []report.Dimension{report.Country, report.Year, report.Country}},
		{Currency: "EURO"},
	} {
		if _, err := report.New(nil, o); err == nil || funding.ErrorCode(err) != funding.EINVALID {
			t.Errorf("New(%+v) = %v, want an INVALID error", o, err)
		}
	}
}

func TestMissingFacts(t *testing.T) {
	f := &report.Facts{TrustFunds: map[string]*funding.TrustFund{}, Projects: map[string]*funding.Project{"P": nil}}
	al := &funding.Allocation{ID: "A", TrustFundID: "tf-9", ProjectID: "P", Year: 2019, Amount: money(1, "EUR")}
	for _, tc := range []struct {
		dim  report.Dimension
		want string
	}{
		{report.Donor, `"tf-9"`}, {report.Agreement, `"tf-9"`},
		{report.Country, `"P"`}, {report.Region, `"P"`}, {report.Theme, `"P"`},
	} {
		a, err := report.New(f, report.Options{GroupBy: []report.Dimension{tc.dim}})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(al); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Add = %v, want an error naming %s", tc.dim, err, tc.want)
		}
		if rep := a.Result(); rep.Count != 0 || len(rep.Rows) != 0 || len(rep.Totals) != 0 {
			t.Errorf("%s: a failed Add added %+v", tc.dim, rep)
		}
	}
	// Invalid shares are refused.
	for _, cs := range [][]funding.CountryShare{{share("MW", 0)}, {share("MW", -1), share("MZ", 10001)}, {share("MW", 10001)}} {
		f := &report.Facts{Projects: map[string]*funding.Project{"P": {ID: "P", Countries: cs}}}
		a, _ := report.New(f, report.Options{GroupBy: []report.Dimension{report.Country}})
		if err := a.Add(al); err == nil {
			t.Errorf("shares %v accepted", cs)
		}
	}
	// Dimensions that need no facts need none.
	aggregate(t, nil, report.Options{GroupBy: []report.Dimension{report.TrustFund, report.Project, report.Year, report.ImplementingAgency}}, al)
}

// --- conversion -----------------------------------------------------------------------

func rates2019() map[report.RateKey]*big.Rat {
	return map[report.RateKey]*big.Rat{
		{Currency: "EUR", Year: 2019}: big.NewRat(8929, 10000), // 0.8929 EUR per USD
		{Currency: "JPY", Year: 2019}: big.NewRat(10901, 100),  // 109.01 JPY per USD
	}
}

func convert1(t *testing.T, rates map[report.RateKey]*big.Rat, m funding.Money, year int, into string) (int64, error) {
	t.Helper()
	a, err := report.New(&report.Facts{Rates: rates}, report.Options{Currency: into})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(&funding.Allocation{ID: "A", Year: year, Amount: m}); err != nil {
		return 0, err
	}
	rep := a.Result()
	if len(rep.Totals) != 1 {
		t.Errorf("Totals %v, want one entry in %s", rep.Totals, into)
	}
	return rep.Totals[into], nil
}

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		from funding.Money
		into string
		want int64
	}{
		// EUR 100.00 → USD: 10000 cents × 1/0.8929 = 11199.462… cents (0.8929 × 11199 =
		// 9999.5871, and the 0.4129 left is 0.462 of 0.8929): rounds down to 111.99 USD.
		{money(10000, "EUR"), "USD", 11199},
		// EUR 100.00 → JPY: 10000 cents × 109.01/0.8929 × 10^(0−2) = 10901/0.8929 =
		// 12208.534… yen (0.8929 × 12208 = 10900.5232, 0.4768 left = 0.534 of 0.8929): 12209 JPY.
		{money(10000, "EUR"), "JPY", 12209},
		// JPY 10000 → EUR: 10000 yen × 0.8929/109.01 × 10^(2−0) = 892900/109.01 =
		// 8190.991… cents (109.01 × 8190 = 892791.9, 108.1 left = 0.9917 of 109.01): 81.91 EUR.
		{money(10000, "JPY"), "EUR", 8191},
		// USD 111.99 → EUR: 11199 × 0.8929 = 9999.5871 cents: 100.00 EUR.
		{money(11199, "USD"), "EUR", 10000},
		// JPY 1 → USD: 1/109.01 × 100 = 0.917 cents: 0.01 USD.
		{money(1, "JPY"), "USD", 1},
		// Negative amounts round symmetrically: −111.99 USD.
		{money(-10000, "EUR"), "USD", -11199},
		{money(0, "EUR"), "USD", 0},
	} {
		got, err := convert1(t, rates2019(), tc.from, 2019, tc.into)
		if err != nil || got != tc.want {
			t.Errorf("%s %s → %s = %d, %v; want %d", tc.from.Decimal(), tc.from.Currency, tc.into, got, err, tc.want)
		}
	}
}

func TestConvertRoundsHalfToEven(t *testing.T) {
	// 2 EUR per USD in 2020: USD cents × 2 exactly, and EUR cents / 2 is an exact half for
	// odd amounts: 1 → 0.5 → 0, 3 → 1.5 → 2, 5 → 2.5 → 2, 7 → 3.5 → 4.
	rates := map[report.RateKey]*big.Rat{{Currency: "EUR", Year: 2020}: big.NewRat(2, 1)}
	for units, want := range map[int64]int64{1: 0, 3: 2, 5: 2, 7: 4, -5: -2, -7: -4, 6: 3} {
		got, err := convert1(t, rates, money(units, "EUR"), 2020, "USD")
		if err != nil || got != want {
			t.Errorf("%d EUR cents → USD = %d, %v; want %d", units, got, err, want)
		}
	}
}

func TestConvertHugeRates(t *testing.T) {
	// Rates with more digits than 64 bits hold: converted with math/big, checked against
	// the plain rational computation.
	eur, _ := new(big.Rat).SetString("0.892912345678901234567890123")
	jpy, _ := new(big.Rat).SetString("109.0123456789012345678901")
	rates := map[report.RateKey]*big.Rat{{Currency: "EUR", Year: 2019}: eur, {Currency: "JPY", Year: 2019}: jpy}
	for _, units := range []int64{1, 12345, 10000, 999_999_999_999_999, -77} {
		for _, pair := range [][2]string{{"EUR", "USD"}, {"EUR", "JPY"}, {"JPY", "EUR"}, {"USD", "JPY"}} {
			got, err := convert1(t, rates, money(units, pair[0]), 2019, pair[1])
			want := refConvert(units, pair[0], pair[1], 2019, rates)
			if err != nil || got != want {
				t.Errorf("%d %s → %s = %d, %v; want %d", units, pair[0], pair[1], got, err, want)
			}
		}
	}
}

func TestConvertOverflow(t *testing.T) {
	rates := map[report.RateKey]*big.Rat{{Currency: "JPY", Year: 2019}: big.NewRat(1_000_000, 1)}
	_, err := convert1(t, rates, money(math.MaxInt64/1000, "USD"), 2019, "JPY")
	if err == nil || !strings.Contains(err.Error(), "64 bits") {
		t.Errorf("converting beyond int64: %v, want an overflow error", err)
	}
	// Totals that would overflow are refused too, and nothing is added.
	a, _ := report.New(nil, report.Options{GroupBy: []report.Dimension{report.Year}})
	if err := a.Add(&funding.Allocation{ID: "A", Year: 2019, Amount: money(math.MaxInt64, "EUR")}); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(&funding.Allocation{ID: "B", Year: 2019, Amount: money(1, "EUR")}); err == nil {
		t.Errorf("a total beyond int64 was accepted")
	}
	if rep := a.Result(); rep.Count != 1 || rep.Totals["EUR"] != math.MaxInt64 || rep.Rows[0].Count != 1 {
		t.Errorf("after a failed Add: %+v", rep)
	}
}

func TestMissingRate(t *testing.T) {
	for _, tc := range []struct {
		from, into string
		year       int
		want       report.MissingRateError
	}{
		{"EUR", "USD", 2020, report.MissingRateError{Currency: "EUR", Year: 2020}}, // the source's
		{"USD", "GBP", 2019, report.MissingRateError{Currency: "GBP", Year: 2019}}, // the target's
		{"EUR", "GBP", 2019, report.MissingRateError{Currency: "GBP", Year: 2019}},
	} {
		_, err := convert1(t, rates2019(), money(100, tc.from), tc.year, tc.into)
		var mre *report.MissingRateError
		if !errors.As(err, &mre) || *mre != tc.want {
			t.Errorf("%s → %s in %d: %v, want %+v", tc.from, tc.into, tc.year, err, tc.want)
		}
	}
	err := error(&report.MissingRateError{Currency: "EUR", Year: 2019})
	if err.Error() != "no exchange rate for EUR in 2019" {
		t.Errorf("Error() = %q", err.Error())
	}
	// The same currency needs no rate, even with no facts at all.
	a, _ := report.New(nil, report.Options{Currency: "EUR"})
	if err := a.Add(&funding.Allocation{ID: "A", Year: 1950, Amount: money(12345, "EUR")}); err != nil {
		t.Errorf("EUR into EUR: %v", err)
	}
	if got := a.Result().Totals; !maps.Equal(got, map[string]int64{"EUR": 12345}) {
		t.Errorf("EUR into EUR: Totals %v", got)
	}
}

// refConvert converts independently of the package: the exact rational, floored, then
// rounded half to even by comparing the remainder with half the denominator.
func refConvert(units int64, src, dst string, year int, rates map[report.RateKey]*big.Rat) int64 {
	if src == dst {
		return units
	}
	rate := func(c string) *big.Rat {
		if c == "USD" {
			return big.NewRat(1, 1)
		}
		return rates[report.RateKey{Currency: c, Year: year}]
	}
	x := new(big.Rat).SetInt64(units)
	x.Mul(x, rate(dst))
	x.Quo(x, rate(src))
	for d := funding.MinorDigits(dst) - funding.MinorDigits(src); d != 0; {
		if d > 0 {
			x.Mul(x, big.NewRat(10, 1))
			d--
		} else {
			x.Quo(x, big.NewRat(10, 1))
			d++
		}
	}
	q, m := new(big.Int).DivMod(x.Num(), x.Denom(), new(big.Int)) // floor, 0 ≤ m < den
	switch c := new(big.Int).Mul(m, big.NewInt(2)).Cmp(x.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// --- random data, checked against an independent computation --------------------------

type world struct {
	facts  *report.Facts
	allocs []*funding.Allocation
}

var (
	regionOf = map[string]string{
		"MW": "Africa", "MZ": "Africa", "ZA": "Africa", "FR": "Europe", "BE": "Europe",
		"BR": "Americas", "PE": "Americas", "IN": "Asia", "VN": "Asia", "FJ": "Oceania", "AQ": "",
	}
	countryCodes = slices.Sorted(maps.Keys(regionOf))
	themePool    = []string{"skills", "social protection", "employment", "gender", "green jobs", "child labour"}
	agencies     = []string{"ILO", "ITCILO", "UNDP"}
	currencies   = []string{"EUR", "USD", "JPY"}
)

// randomWorld makes n allocations of ~50 projects (0–4 countries, 0–3 themes) from 9
// funds (EUR, USD, JPY; 0–3 agreements each) of 4 donors, with rates for 2010–2025.
func randomWorld(seed uint64, n int) *world {
	rng := rand.New(rand.NewPCG(seed, 2026))
	f := &report.Facts{
		TrustFunds: map[string]*funding.TrustFund{},
		Agreements: map[string]*funding.Agreement{},
		Projects:   map[string]*funding.Project{},
		Regions:    regionOf,
		Rates:      map[report.RateKey]*big.Rat{},
	}
	for y := 2010; y <= 2025; y++ {
		f.Rates[report.RateKey{Currency: "EUR", Year: y}] = big.NewRat(int64(8000+rng.IntN(1500)), 10000)
		f.Rates[report.RateKey{Currency: "JPY", Year: y}] = big.NewRat(int64(10000+rng.IntN(5000)), 100)
	}
	for i := range 8 {
		id := fmt.Sprintf("AG%d", i)
		f.Agreements[id] = &funding.Agreement{ID: id, StartsOn: funding.NewDate(2010+rng.IntN(13), time.Month(1+rng.IntN(12)), 1)}
	}
	var fundIDs []string
	for i := range 9 {
		id := fmt.Sprintf("TF%d", i)
		tf := &funding.TrustFund{ID: id, DonorID: fmt.Sprintf("DN%d", rng.IntN(4)), Currency: currencies[i%3]}
		for range rng.IntN(4) {
			tf.AgreementIDs = append(tf.AgreementIDs, fmt.Sprintf("AG%d", rng.IntN(8)))
		}
		f.TrustFunds[id] = tf
		fundIDs = append(fundIDs, id)
	}
	var projectIDs []string
	for i := range 50 {
		id := fmt.Sprintf("PR%02d", i)
		p := &funding.Project{ID: id}
		k := rng.IntN(5)
		codes := slices.Clone(countryCodes)
		rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		cuts := []int{0, funding.ShareScale}
		for len(cuts) < k+1 {
			if c := 1 + rng.IntN(funding.ShareScale-1); !slices.Contains(cuts, c) {
				cuts = append(cuts, c)
			}
		}
		slices.Sort(cuts)
		for j := range k {
			p.Countries = append(p.Countries, share(codes[j], cuts[j+1]-cuts[j]))
		}
		themes := slices.Clone(themePool)
		rng.Shuffle(len(themes), func(i, j int) { themes[i], themes[j] = themes[j], themes[i] })
		p.Themes = themes[:rng.IntN(4)]
		f.Projects[id] = p
		projectIDs = append(projectIDs, id)
	}
	w := &world{facts: f}
	for i := range n {
		tf := f.TrustFunds[fundIDs[rng.IntN(len(fundIDs))]]
		var units int64
		switch r := rng.IntN(10); {
		case r == 0:
			units = rng.Int64N(6) // tiny: splits into zeros
		case r <= 6:
			units = 1 + rng.Int64N(100_000_000)
		case r <= 8:
			units = 1 + rng.Int64N(1_000_000_000_000)
		default:
			units = 1 + rng.Int64N(1_000_000_000_000_000)
		}
		w.allocs = append(w.allocs, &funding.Allocation{
			ID:                 fmt.Sprintf("AL%05d", i),
			TrustFundID:        tf.ID,
			ProjectID:          projectIDs[rng.IntN(len(projectIDs))],
			Year:               2012 + rng.IntN(13),
			Amount:             money(units, tf.Currency),
			ImplementingAgency: agencies[rng.IntN(len(agencies))],
		})
	}
	return w
}

// refKey is the key of one dimension for an allocation, for the non-splitting ones.
func (w *world) refKey(d report.Dimension, al *funding.Allocation) string {
	tf := w.facts.TrustFunds[al.TrustFundID]
	switch d {
	case report.Donor:
		return tf.DonorID
	case report.TrustFund:
		return al.TrustFundID
	case report.Project:
		return al.ProjectID
	case report.Year:
		return strconv.Itoa(al.Year)
	case report.ImplementingAgency:
		return al.ImplementingAgency
	case report.Agreement:
		// The latest starting in or before the year, else the earliest; ties by id.
		var inForce, first *funding.Agreement
		for _, id := range tf.AgreementIDs {
			ag := w.facts.Agreements[id]
			s := ag.StartsOn.Time()
			if ag.StartsOn.Year() <= al.Year && (inForce == nil || s.After(inForce.StartsOn.Time()) || s.Equal(inForce.StartsOn.Time()) && ag.ID < inForce.ID) {
				inForce = ag
			}
			if first == nil || s.Before(first.StartsOn.Time()) || s.Equal(first.StartsOn.Time()) && ag.ID < first.ID {
				first = ag
			}
		}
		if inForce != nil {
			return inForce.ID
		}
		if first != nil {
			return first.ID
		}
		return ""
	}
	panic(d)
}

// refParts computes, independently of the package, the parts of an allocation's amount
// (already converted: units) for a grouping: group keys (joined by "\x00") → units. Only
// groups of nonzero weight are present.
func (w *world) refParts(dims []report.Dimension, al *funding.Allocation, units int64) map[string]int64 {
	p := w.facts.Projects[al.ProjectID]
	type atom struct {
		country string
		weight  int64
		theme   string
	}
	var atoms []atom
	countries := p.Countries
	if !slices.Contains(dims, report.Country) && !slices.Contains(dims, report.Region) || len(countries) == 0 {
		countries = []funding.CountryShare{{CountryCode: "", Share: 1}}
	}
	themes := p.Themes
	if !slices.Contains(dims, report.Theme) || len(themes) == 0 {
		themes = []string{""}
	}
	for _, c := range countries {
		for _, th := range themes {
			atoms = append(atoms, atom{c.CountryCode, int64(c.Share), th})
		}
	}
	weights := map[string]int64{}
	for _, at := range atoms {
		var keys []string
		for _, d := range dims {
			switch d {
			case report.Country:
				keys = append(keys, at.country)
			case report.Region:
				keys = append(keys, regionOf[at.country])
			case report.Theme:
				keys = append(keys, at.theme)
			default:
				keys = append(keys, w.refKey(d, al))
			}
		}
		weights[strings.Join(keys, "\x00")] += at.weight
	}
	var total int64
	for _, wt := range weights {
		total += wt
	}
	type cand struct {
		key      string
		base     int64
		rem      *big.Int
		positive bool
	}
	var cs []cand
	var given int64
	for k, wt := range weights {
		if wt == 0 {
			continue
		}
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(units), big.NewInt(wt)), big.NewInt(total), new(big.Int))
		cs = append(cs, cand{key: k, base: q.Int64(), rem: r})
		given += q.Int64()
	}
	// Within one allocation every non-splitting key is the same, so the joined keys sort
	// like the keys element by element.
	slices.SortFunc(cs, func(x, y cand) int {
		if c := y.rem.Cmp(x.rem); c != 0 {
			return c
		}
		return compareTuples(strings.Split(x.key, "\x00"), strings.Split(y.key, "\x00"))
	})
	out := map[string]int64{}
	for i, c := range cs {
		out[c.key] = c.base
		if int64(i) < units-given {
			out[c.key]++
		}
	}
	return out
}

func compareTuples(x, y []string) int {
	for i := range x {
		if c := strings.Compare(x[i], y[i]); c != 0 {
			return c
		}
	}
	return 0
}

func TestRandomAgainstReference(t *testing.T) {
	w := randomWorld(1, 2000)
	groupings := [][]report.Dimension{
		{report.Donor}, {report.Agreement}, {report.TrustFund}, {report.Project}, {report.Country},
		{report.Region}, {report.Year}, {report.Theme}, {report.ImplementingAgency},
		{report.Country, report.Year}, {report.Region, report.Donor}, {report.Theme, report.Country},
		{report.Project, report.ImplementingAgency}, {report.Region, report.Country, report.Theme},
		{report.Agreement, report.Theme, report.Year},
	}
	for _, conv := range []string{"", "USD", "JPY"} {
		for _, dims := range groupings {
			t.Run(fmt.Sprintf("%v/%q", dims, conv), func(t *testing.T) {
				rep := aggregate(t, w.facts, report.Options{GroupBy: dims, Currency: conv}, w.allocs...)

				// The reference: per allocation, its converted amount split independently.
				wantTotals := map[string]int64{}
				wantRows := map[string]map[string]int64{}
				wantCounts := map[string]int{}
				for _, al := range w.allocs {
					cur, units := al.Amount.Currency, al.Amount.Units
					if conv != "" {
						cur, units = conv, refConvert(units, cur, conv, al.Year, w.facts.Rates)
					}
					wantTotals[cur] += units
					for k, u := range w.refParts(dims, al, units) {
						if wantRows[k] == nil {
							wantRows[k] = map[string]int64{}
						}
						wantRows[k][cur] += u
						wantCounts[k]++
					}
				}
				if !maps.Equal(rep.Totals, wantTotals) || rep.Count != len(w.allocs) {
					t.Errorf("Totals %v, Count %d; want %v, %d", rep.Totals, rep.Count, wantTotals, len(w.allocs))
				}
				if conv == "" {
					// Unconverted, the totals are the plain sums of the allocations' units.
					plain := map[string]int64{}
					for _, al := range w.allocs {
						plain[al.Amount.Currency] += al.Amount.Units
					}
					if !maps.Equal(rep.Totals, plain) || len(plain) != 3 {
						t.Errorf("Totals %v, want the plain sums %v", rep.Totals, plain)
					}
				}
				sums := map[string]int64{}
				for _, r := range rep.Rows {
					k := strings.Join(r.Keys, "\x00")
					if len(r.Keys) != len(dims) {
						t.Fatalf("row keys %q for %v", r.Keys, dims)
					}
					if !maps.Equal(r.Totals, wantRows[k]) || r.Count != wantCounts[k] {
						t.Errorf("row %q: %v from %d, want %v from %d", r.Keys, r.Totals, r.Count, wantRows[k], wantCounts[k])
					}
					for c, u := range r.Totals {
						sums[c] += u
					}
				}
				if len(rep.Rows) != len(wantRows) {
					t.Errorf("%d rows, want %d", len(rep.Rows), len(wantRows))
				}
				if !maps.Equal(sums, rep.Totals) {
					t.Errorf("rows add up to %v, Totals %v", sums, rep.Totals)
				}
				if !slices.IsSortedFunc(rep.Rows, func(x, y report.Row) int { return compareTuples(x.Keys, y.Keys) }) {
					t.Errorf("rows not in key order") // years here all have 4 digits
				}
				// Where a dimension has an Unallocated group, the data reaches it.
				for i, d := range dims {
					if d == report.Agreement || d == report.Country || d == report.Region || d == report.Theme {
						if !slices.ContainsFunc(rep.Rows, func(r report.Row) bool { return r.Keys[i] == report.Unallocated }) {
							t.Errorf("no Unallocated group for %s", d)
						}
					}
				}
			})
		}
	}
}

// TestAddDoesNotAllocate checks that adding into existing groups, converting, allocates
// nothing: memory grows with the groups, not the allocations.
func TestAddDoesNotAllocate(t *testing.T) {
	w := randomWorld(2, 3000)
	a, err := report.New(w.facts, report.Options{GroupBy: []report.Dimension{report.Country, report.Theme, report.Year}, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	for _, al := range w.allocs {
		if err := a.Add(al); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		if err := a.Add(w.allocs[i%len(w.allocs)]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Add into existing groups: %v allocations per call, want 0", allocs)
	}
}

// --- Series ---------------------------------------------------------------------------

func TestSeries(t *testing.T) {
	f := &report.Facts{Projects: map[string]*funding.Project{
		"P": {ID: "P", Countries: []funding.CountryShare{share("MW", 5000), share("MZ", 5000)}},
		"G": {ID: "G"},
	}}
	als := []*funding.Allocation{
		{ID: "1", ProjectID: "P", Year: 2019, Amount: money(1000, "EUR")},
		{ID: "2", ProjectID: "G", Year: 2019, Amount: money(50, "EUR")},
		{ID: "3", ProjectID: "P", Year: 2021, Amount: money(200, "EUR")},
		{ID: "4", ProjectID: "P", Year: 2024, Amount: money(7, "EUR")}, // outside 2018–2022
		{ID: "5", ProjectID: "G", Year: 2022, Amount: money(3, "USD")},
	}
	byYear := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Year}}, als...)
	pts, err := report.Series(byYear, 2018, 2022, 1)
	if err != nil {
		t.Fatal(err)
	}
	z := func(eur, usd int64) map[string]int64 { return map[string]int64{"EUR": eur, "USD": usd} }
	want := []report.Point{
		{From: 2018, To: 2018, Totals: z(0, 0)},
		{From: 2019, To: 2019, Totals: z(1050, 0)},
		{From: 2020, To: 2020, Totals: z(0, 0)},
		{From: 2021, To: 2021, Totals: z(200, 0)},
		{From: 2022, To: 2022, Totals: z(0, 3)},
	}
	if fmt.Sprint(pts) != fmt.Sprint(want) {
		t.Errorf("yearly series\n%v\nwant\n%v", pts, want)
	}

	// Bienniums from 2018: 2018–19, 2020–21, 2022 (cut short at 2022).
	byYearCountry := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Year, report.Country}}, als...)
	pts, err = report.Series(byYearCountry, 2018, 2022, 2)
	if err != nil {
		t.Fatal(err)
	}
	want = []report.Point{
		{From: 2018, To: 2019, Totals: z(1050, 0), ByKey: map[string]map[string]int64{"": z(50, 0), "MW": z(500, 0), "MZ": z(500, 0)}},
		{From: 2020, To: 2021, Totals: z(200, 0), ByKey: map[string]map[string]int64{"": z(0, 0), "MW": z(100, 0), "MZ": z(100, 0)}},
		{From: 2022, To: 2022, Totals: z(0, 3), ByKey: map[string]map[string]int64{"": z(0, 3), "MW": z(0, 0), "MZ": z(0, 0)}},
	}
	if fmt.Sprint(pts) != fmt.Sprint(want) {
		t.Errorf("biennial series\n%v\nwant\n%v", pts, want)
	}
	// Over the whole range, the points add up to the report's totals.
	pts, _ = report.Series(byYearCountry, 2019, 2024, 2)
	sum := map[string]int64{}
	for _, p := range pts {
		for c, u := range p.Totals {
			sum[c] += u
		}
	}
	if !maps.Equal(sum, byYearCountry.Totals) || len(pts) != 3 || pts[2].From != 2023 || pts[2].To != 2024 {
		t.Errorf("series 2019–2024 by bienniums: %v, sums %v", pts, sum)
	}

	byCountry := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Country}}, als...)
	byThree := aggregate(t, f, report.Options{GroupBy: []report.Dimension{report.Year, report.Country, report.Project}}, als...)
	ungrouped := aggregate(t, f, report.Options{}, als...)
	for _, tc := range []struct {
		rep                *report.Report
		from, to, interval int
	}{
		{byYear, 2018, 2022, 3}, {byYear, 2018, 2022, 0}, {byYear, 2022, 2018, 1},
		{byYear, 1000, 2022, 1}, {byCountry, 2018, 2022, 1}, {byThree, 2018, 2022, 1}, {ungrouped, 2018, 2022, 1}, {nil, 2018, 2022, 1},
	} {
		if _, err := report.Series(tc.rep, tc.from, tc.to, tc.interval); err == nil {
			t.Errorf("Series(%d, %d, %d) accepted", tc.from, tc.to, tc.interval)
		}
	}
}

// --- Flows ----------------------------------------------------------------------------

func TestFlows(t *testing.T) {
	w := randomWorld(3, 500)
	levels := []report.Dimension{report.Donor, report.TrustFund, report.Project, report.Country}
	rep := aggregate(t, w.facts, report.Options{GroupBy: levels, Currency: "EUR"}, w.allocs...)
	nodes, links, err := report.Flows(rep, levels)
	if err != nil {
		t.Fatal(err)
	}
	total := rep.Totals["EUR"]
	perLevel := map[report.Dimension]int64{}
	for _, l := range links {
		s, tg := nodes[l.Source], nodes[l.Target]
		if i := slices.Index(levels, s.Level); i < 0 || levels[i+1] != tg.Level {
			t.Fatalf("link %v → %v skips a level", s, tg)
		}
		perLevel[s.Level] += l.Units
	}
	for _, l := range levels[:3] {
		if perLevel[l] != total {
			t.Errorf("links from %s add up to %d, want the total %d", l, perLevel[l], total)
		}
	}
	seen := map[report.FlowNode]bool{}
	for _, n := range nodes {
		if seen[n] {
			t.Errorf("node %v twice", n)
		}
		seen[n] = true
	}

	// A small graph by hand.
	f := &report.Facts{
		TrustFunds: map[string]*funding.TrustFund{"F1": {ID: "F1", DonorID: "D1"}, "F2": {ID: "F2", DonorID: "D1"}},
		Projects:   map[string]*funding.Project{"P": {ID: "P", Countries: []funding.CountryShare{share("MW", 2500), share("MZ", 7500)}}, "G": {ID: "G"}},
	}
	als := []*funding.Allocation{
		{ID: "1", TrustFundID: "F1", ProjectID: "P", Amount: money(400, "EUR")},
		{ID: "2", TrustFundID: "F2", ProjectID: "P", Amount: money(100, "EUR")},
		{ID: "3", TrustFundID: "F2", ProjectID: "G", Amount: money(10, "EUR")},
	}
	three := []report.Dimension{report.Donor, report.Project, report.Country}
	nodes, links, err = report.Flows(aggregate(t, f, report.Options{GroupBy: three}, als...), three)
	if err != nil {
		t.Fatal(err)
	}
	wantNodes := []report.FlowNode{{report.Donor, "D1"}, {report.Project, "G"}, {report.Project, "P"}, {report.Country, ""}, {report.Country, "MW"}, {report.Country, "MZ"}}
	wantLinks := []report.FlowLink{{0, 1, 10}, {0, 2, 500}, {1, 3, 10}, {2, 4, 125}, {2, 5, 375}}
	if !slices.Equal(nodes, wantNodes) || !slices.Equal(links, wantLinks) {
		t.Errorf("Flows = %v, %v; want %v, %v", nodes, links, wantNodes, wantLinks)
	}

	// Errors: two currencies, levels out of order, too few, not a level, keys mismatch.
	als = append(als, &funding.Allocation{ID: "4", TrustFundID: "F1", ProjectID: "G", Amount: money(1, "USD")})
	two := []report.Dimension{report.Donor, report.Project}
	if _, _, err := report.Flows(aggregate(t, f, report.Options{GroupBy: two}, als...), two); err == nil || !strings.Contains(err.Error(), "one currency") {
		t.Errorf("Flows of two currencies: %v", err)
	}
	one := aggregate(t, f, report.Options{GroupBy: two}, als[:3]...)
	for _, lv := range [][]report.Dimension{
		{report.Project, report.Donor}, {report.Donor}, {report.Donor, report.Year}, {report.Donor, report.TrustFund, report.Project},
	} {
		if _, _, err := report.Flows(one, lv); err == nil {
			t.Errorf("Flows by %v accepted", lv)
		}
	}
}

// --- benchmarks -----------------------------------------------------------------------

func benchmarkAggregate(b *testing.B, n int) {
	w := randomWorld(7, n)
	o := report.Options{GroupBy: []report.Dimension{report.Country, report.Year}, Currency: "USD"}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ops := 0
	for b.Loop() {
		a, err := report.New(w.facts, o)
		if err != nil {
			b.Fatal(err)
		}
		for _, al := range w.allocs {
			if err := a.Add(al); err != nil {
				b.Fatal(err)
			}
		}
		if rep := a.Result(); rep.Count != n {
			b.Fatalf("Count %d", rep.Count)
		}
		ops++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(ops*n), "allocs/allocation")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*n), "ns/allocation")
}

func BenchmarkAggregate1k(b *testing.B)   { benchmarkAggregate(b, 1_000) }
func BenchmarkAggregate10k(b *testing.B)  { benchmarkAggregate(b, 10_000) }
func BenchmarkAggregate100k(b *testing.B) { benchmarkAggregate(b, 100_000) }
