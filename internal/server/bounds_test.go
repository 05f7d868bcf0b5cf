package server_test

import (
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestYearArguments: every year argument is refused outside 1900–2100 with BAD_USER_INPUT
// naming it, before any work: a fund's balance in year 2147483647 reads nothing but the
// fund (it used to build a balance per year from the fund's first, and run out of memory).
func TestYearArguments(t *testing.T) {
	a := newCountingAPI(t, seed.Flanders())
	fund := gid("TrustFund", "ilo-flanders-tf")
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"balance, literal", `{ trustFund(id: "` + fund + `") { balance(year: 2147483647) { year } } }`, nil, "year"},
		{"balance, variable", `query($y: Int) { trustFund(id: "` + fund + `") { balance(year: $y) { year } } }`, map[string]any{"y": 2147483647}, "year"},
		{"balance, before 1900", `{ trustFund(id: "` + fund + `") { balance(year: 1899) { year } } }`, nil, "year"},
		{"balance, negative", `{ trustFund(id: "` + fund + `") { balance(year: -2147483648) { year } } }`, nil, "year"},
		{"series from", `{ fundingSeries(from: -2147483648, to: 2000) { points { from } } }`, nil, "from"},
		{"series to", `{ fundingSeries(from: 2000, to: 2147483647) { points { from } } }`, nil, "to"},
		{"series to after 2100", `{ fundingSeries(from: 2050, to: 2101) { points { from } } }`, nil, "to"},
		{"series span", `{ fundingSeries(from: 1950, to: 2051) { points { from } } }`, nil, "to"},
		{"series backwards", `{ fundingSeries(from: 2020, to: 2019) { points { from } } }`, nil, "to"},
		{"exchange rates", `{ exchangeRates(year: 100000) { year } }`, nil, "year"},
	} {
		a.cmds.Reset()
		e := a.queryError(t, c.query, c.vars)
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != c.field {
			t.Errorf("%s: %+v, want BAD_USER_INPUT on %s", c.name, e, c.field)
		}
		if got := a.cmds.Counts(); got["aggregate"] > 0 || got["find"] > 1 {
			t.Errorf("%s: the refused argument cost store reads %v; at most the fund's own find expected", c.name, got)
		}
	}

	// At the edges of the range the answers are real: in 2100 the fund has everything it
	// was ever given and allocated, and nothing in the year itself; before it started,
	// nothing at all.
	var b struct {
		TrustFund struct {
			Last, First struct {
				Year                                                       int
				ContributedInYear, AllocatedInYear, Contributed, Allocated money
			}
		}
	}
	a.query(t, `{ trustFund(id: "`+fund+`") {
		last: balance(year: 2100) { year contributedInYear { amount currency } allocatedInYear { amount currency } contributed { amount currency } allocated { amount currency } }
		first: balance(year: 1900) { year contributedInYear { amount currency } allocatedInYear { amount currency } contributed { amount currency } allocated { amount currency } } } }`, nil, &b)
	d := seed.Flanders()
	var contributed, allocated int64
	for _, tf := range d.TrustFunds {
		if tf.ID == "ilo-flanders-tf" {
			for _, c := range tf.Contributions {
				contributed += c.Amount.Units
			}
		}
	}
	for _, al := range d.Allocations {
		if al.TrustFundID == "ilo-flanders-tf" && al.Type.TypeOrCommitment() == "COMMITMENT" {
			allocated += al.Amount.Units
		}
	}
	last, first := b.TrustFund.Last, b.TrustFund.First
	if last.Year != 2100 || cents(t, last.Contributed) != contributed || cents(t, last.Allocated) != allocated ||
		cents(t, last.ContributedInYear) != 0 || cents(t, last.AllocatedInYear) != 0 || contributed == 0 || allocated == 0 {
		t.Errorf("balance in 2100 %+v, want %d contributed and %d allocated in all", last, contributed, allocated)
	}
	if first.Year != 1900 || cents(t, first.Contributed) != 0 || cents(t, first.Allocated) != 0 {
		t.Errorf("balance in 1900 %+v, want zeros", first)
	}

	// A series may span 100 years, within the range.
	var s struct {
		FundingSeries struct{ Points []struct{ From int } }
	}
	a.query(t, `{ fundingSeries(from: 2000, to: 2100) { points { from } } }`, nil, &s)
	if n := len(s.FundingSeries.Points); n != 101 {
		t.Errorf("a series from 2000 to 2100 has %d points, want 101", n)
	}
}
