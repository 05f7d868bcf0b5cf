package report_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/report"
)

// source is an in-memory report.Source: it streams its allocations (ignoring the filter)
// in batches of two and records the ids each read asks for.
type source struct {
	allocations []*funding.Allocation
	funds       []*funding.TrustFund
	agreements  []*funding.Agreement
	projects    []*funding.Project
	countries   []*funding.Country
	rates       []*funding.ExchangeRate
	reads       []string // "kind id,id…" per read
}

func (s *source) StreamAllocations(ctx context.Context, _ *funding.AllocationFilter, _ int, fn func(context.Context, []*funding.Allocation) error) error {
	s.reads = append(s.reads, "allocations")
	for b := range slices.Chunk(s.allocations, 2) {
		if err := fn(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// byIDs returns the values of all whose id is in w, recording the read.
func byIDs[T any](s *source, kind string, all []*T, id func(*T) string, w *funding.Within) []*T {
	s.reads = append(s.reads, kind+" "+strings.Join(w.IDs, ","))
	var out []*T
	for _, v := range all {
		if slices.Contains(w.IDs, id(v)) {
			out = append(out, v)
		}
	}
	return out
}

func (s *source) FindTrustFunds(_ context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error) {
	return byIDs(s, "funds", s.funds, func(t *funding.TrustFund) string { return t.ID }, q.Within), nil
}

func (s *source) FindAgreements(_ context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error) {
	return byIDs(s, "agreements", s.agreements, func(a *funding.Agreement) string { return a.ID }, q.Within), nil
}

func (s *source) FindProjects(_ context.Context, q funding.ProjectQuery) ([]*funding.Project, error) {
	return byIDs(s, "projects", s.projects, func(p *funding.Project) string { return p.ID }, q.Within), nil
}

func (s *source) FindCountries(context.Context, funding.CountryQuery) ([]*funding.Country, error) {
	s.reads = append(s.reads, "countries")
	return s.countries, nil
}

func (s *source) ExchangeRates(context.Context, string, []int) ([]*funding.ExchangeRate, error) {
	s.reads = append(s.reads, "rates")
	return s.rates, nil
}

// newSource has two funds of one donor, in EUR and USD, and two projects, one in two countries
// of one region and one global.
func newSource() *source {
	al := func(id, tf, p string, year int, units int64, cur string) *funding.Allocation {
		return &funding.Allocation{ID: id, TrustFundID: tf, ProjectID: p, Year: year, Amount: money(units, cur)}
	}
	return &source{
		allocations: []*funding.Allocation{
			al("a1", "tf1", "p1", 2020, 1000, "EUR"), al("a2", "tf2", "p1", 2020, 500, "USD"),
			al("a3", "tf1", "p2", 2021, 300, "EUR"), al("a4", "tf1", "p1", 2021, 100, "EUR"),
		},
		funds: []*funding.TrustFund{
			{ID: "tf1", DonorID: "d1", Currency: "EUR"}, {ID: "tf2", DonorID: "d1", Currency: "USD"},
		},
		projects: []*funding.Project{
			{ID: "p1", Countries: []funding.CountryShare{share("MW", 6000), share("MZ", 4000)}}, {ID: "p2"},
		},
		countries: []*funding.Country{{Code: "MW", Region: "Africa"}, {Code: "MZ", Region: "Africa"}},
		rates:     []*funding.ExchangeRate{{Currency: "EUR", Year: 2020, PerUSD: "0.5"}},
	}
}

// TestComputeRefusesBadArguments checks that each bad argument is an EINVALID error on
// its own field, found before anything is read.
func TestComputeRefusesBadArguments(t *testing.T) {
	backwards := &funding.AllocationFilter{Year: &funding.IntFilter{Gte: ptr(2021), Lte: ptr(2020)}}
	year := report.Year
	cases := []struct {
		name, field string
		run         func(report.Source) error
	}{
		{"four dimensions", "groupBy", func(s report.Source) error {
			_, err := report.Compute(context.Background(), s, report.Query{GroupBy: []report.Dimension{report.Donor, report.Year, report.Theme, report.Country}})
			return err
		}},
		{"a dimension twice", "groupBy", func(s report.Source) error {
			_, err := report.Compute(context.Background(), s, report.Query{GroupBy: []report.Dimension{report.Year, report.Year}})
			return err
		}},
		{"a bad filter", "filter.year.gte", func(s report.Source) error {
			_, err := report.Compute(context.Background(), s, report.Query{Filter: backwards})
			return err
		}},
		{"a bad currency", "currency", func(s report.Source) error {
			_, err := report.Compute(context.Background(), s, report.Query{Currency: "XYZ"})
			return err
		}},
		{"a series ending before it starts", "to", func(s report.Source) error {
			_, err := report.ComputeSeries(context.Background(), s, report.SeriesQuery{From: 2020, To: 2019, Interval: 1})
			return err
		}},
		{"a series by year", "groupBy", func(s report.Source) error {
			_, err := report.ComputeSeries(context.Background(), s, report.SeriesQuery{From: 2020, To: 2021, Interval: 1, By: &year})
			return err
		}},
		{"a series with a bad filter", "filter.year.gte", func(s report.Source) error {
			_, err := report.ComputeSeries(context.Background(), s, report.SeriesQuery{Filter: backwards, From: 2020, To: 2021, Interval: 1})
			return err
		}},
		{"one flow level", "levels", func(s report.Source) error {
			_, err := report.ComputeFlows(context.Background(), s, report.FlowQuery{Levels: []report.Dimension{report.Donor}})
			return err
		}},
		{"flow levels backwards", "levels", func(s report.Source) error {
			_, err := report.ComputeFlows(context.Background(), s, report.FlowQuery{Levels: []report.Dimension{report.Project, report.Donor}})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSource()
			var e *funding.Error
			if err := c.run(s); !errors.As(err, &e) || e.Code != funding.EINVALID || e.Field != c.field {
				t.Errorf("error %v (%+v), want EINVALID on %s", err, e, c.field)
			}
			if len(s.reads) > 0 {
				t.Errorf("reads %q before refusing", s.reads)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestComputeLoadsFactsOnce checks the report and that each batch reads only the facts
// not read before, and the regions only when grouping by REGION.
func TestComputeLoadsFactsOnce(t *testing.T) {
	s := newSource()
	rep, err := report.Compute(context.Background(), s, report.Query{GroupBy: []report.Dimension{report.Donor, report.Region}})
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, rep, map[string]int64{"d1|Africa|EUR": 1100, "d1|Africa|USD": 500, "d1||EUR": 300})
	// The second batch has no fund not read yet, and one project.
	want := []string{"countries", "allocations", "funds tf1,tf2", "projects p1", "projects p2"}
	if !slices.Equal(s.reads, want) {
		t.Errorf("reads %q, want %q", s.reads, want)
	}
}

// checkTotals checks the rows of rep: joined keys and currency → units.
func checkTotals(t *testing.T, rep *report.Report, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, r := range rep.Rows {
		for c, u := range r.Totals {
			got[strings.Join(r.Keys, "|")+"|"+c] = u
		}
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for k, u := range want {
		if got[k] != u {
			t.Errorf("rows %v, want %v", got, want)
			return
		}
	}
}

// TestComputeMissingRate checks that a missing rate is an error on currency.
func TestComputeMissingRate(t *testing.T) {
	_, err := report.Compute(context.Background(), newSource(), report.Query{Currency: "USD"})
	var e *funding.Error
	if !errors.As(err, &e) || e.Field != "currency" || e.Message != "no exchange rate for EUR in 2021: add it with setExchangeRate, or report per currency" {
		t.Errorf("error %v, want the missing EUR rate of 2021 on currency", err)
	}
}

// TestComputeSeriesAndFlows checks a series by country and flows in one currency, and
// that flows of two currencies are an error on currency.
func TestComputeSeriesAndFlows(t *testing.T) {
	s := newSource()
	s.allocations = s.allocations[:2]
	country := report.Country
	points, err := report.ComputeSeries(context.Background(), s, report.SeriesQuery{From: 2019, To: 2020, Interval: 2, By: &country})
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 1 || points[0].Totals["EUR"] != 1000 || points[0].ByKey["MZ"]["USD"] != 200 {
		t.Errorf("points %+v", points)
	}
	levels := []report.Dimension{report.Donor, report.Country}
	if _, err := report.ComputeFlows(context.Background(), s, report.FlowQuery{Levels: levels}); funding.ErrorCode(err) != funding.EINVALID {
		t.Errorf("flows of EUR and USD: %v, want EINVALID", err)
	}
	f, err := report.ComputeFlows(context.Background(), s, report.FlowQuery{Levels: levels, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	// 1000 EUR at 0.5 per USD is 2000 USD, plus 500 USD: MW gets 60%, MZ 40%.
	if f.Currency != "USD" || len(f.Links) != 2 || f.Links[0].Units != 1500 || f.Links[1].Units != 1000 {
		t.Errorf("flows %+v", f)
	}
}

// TestBalances checks a fund's yearly balances, cut at a year, and before its start.
func TestBalances(t *testing.T) {
	tf := &funding.TrustFund{ID: "tf1", StartsOn: funding.NewDate(2019, time.January, 1),
		Contributions: []funding.Contribution{{Year: 2019, Amount: money(1000, "EUR")}, {Year: 2021, Amount: money(500, "EUR")}}}
	as := []*funding.Allocation{{Year: 2020, Amount: money(300, "EUR")}, {Year: 2022, Amount: money(100, "EUR")}}
	all := report.Balances(tf, as, 0)
	if len(all) != 4 || all[3] != (report.Balance{Year: 2022, AllocatedInYear: 100, Contributed: 1500, Allocated: 400}) || all[3].Remaining() != 1100 {
		t.Errorf("balances %+v", all)
	}
	if got := report.Balances(tf, as, 2020); len(got) != 2 || got[1].Remaining() != 700 {
		t.Errorf("balances through 2020: %+v", got)
	}
	if got := report.Balances(tf, as, 2010); !slices.Equal(got, []report.Balance{{Year: 2010}}) {
		t.Errorf("balances through 2010: %+v", got)
	}
	// One year's balance on its own is the last of the balances through it; a
	// disbursement is left out of both.
	as = append(as, &funding.Allocation{Year: 2021, Type: funding.Disbursement, Amount: money(50, "EUR")})
	for y := 2010; y <= 2025; y++ {
		all := report.Balances(tf, as, y)
		if got, want := report.BalanceAt(tf, as, y), all[len(all)-1]; got != want {
			t.Errorf("BalanceAt(%d) = %+v, want %+v", y, got, want)
		}
	}
}
