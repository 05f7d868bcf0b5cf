package graph

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
	"github.com/coopgraph/coopgraph/internal/report"
)

// The GraphQL side of the year-by-year views: fundingSeries and a trust fund's balances.

// FundingSeries is a time series of funding.
type FundingSeries struct {
	Points []*SeriesPoint
}

// SeriesPoint is one period of a series.
type SeriesPoint struct {
	From, To int
	totals   map[string]int64
	rows     []*ReportRow
}

// Total is the period's total in one currency.
func (p *SeriesPoint) Total() *funding.Money { return single(p.totals) }

// Totals are the period's totals per currency.
func (p *SeriesPoint) Totals() []*funding.Money { return moneys(p.totals) }

// Rows are the period's groups.
func (p *SeriesPoint) Rows() []*ReportRow { return p.rows }

// series computes the fundingSeries field.
func (r *Resolver) series(ctx context.Context, filter *funding.AllocationFilter, t funding.TransactionType, interval SeriesInterval, from, to int, groupBy *report.Dimension, currency string) (*FundingSeries, error) {
	step := 1
	if interval == SeriesIntervalBiennium {
		step = 2
	}
	points, err := memoized(ctx, "series", report.SeriesQuery{Filter: filter, Type: t, From: from, To: to, Interval: step, By: groupBy, Currency: currency},
		func(ctx context.Context, q report.SeriesQuery) ([]report.Point, error) {
			return report.ComputeSeries(ctx, r.Store, q)
		})
	if err != nil {
		return nil, err
	}
	out := &FundingSeries{}
	for _, p := range points {
		sp := &SeriesPoint{From: p.From, To: p.To, totals: p.Totals}
		for _, k := range slices.Sorted(maps.Keys(p.ByKey)) {
			sp.rows = append(sp.rows, &ReportRow{keys: map[report.Dimension]string{*groupBy: k}, totals: p.ByKey[k], currency: currency})
		}
		out.Points = append(out.Points, sp)
	}
	return out, nil
}

// FundBalance is a trust fund's money up to the end of a year.
type FundBalance struct {
	Year                                                                  int
	ContributedInYear, AllocatedInYear, Contributed, Allocated, Remaining *funding.Money
}

func thisYear() int { return time.Now().UTC().Year() }

// fundBalances are a fund's balances from its first year through year (0: its last year
// with money in or out), from its contributions and its allocations (read through the
// loaders).
func (r *Resolver) fundBalances(ctx context.Context, t *funding.TrustFund, year int) ([]*FundBalance, error) {
	as, err := fundAllocations(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []*FundBalance
	for _, b := range report.Balances(t, as, year) {
		out = append(out, fundBalance(t, b))
	}
	return out, nil
}

// fundBalance is a fund's balance in year: the year is checked first (funding.MinYear to
// funding.MaxYear), and the work is linear in the fund's allocations whatever the year.
func (r *Resolver) fundBalance(ctx context.Context, t *funding.TrustFund, year int) (*FundBalance, error) {
	if err := report.CheckYear("year", year); err != nil {
		return nil, err
	}
	as, err := fundAllocations(ctx, t)
	if err != nil {
		return nil, err
	}
	return fundBalance(t, report.BalanceAt(t, as, year)), nil
}

// fundAllocations are all of a fund's allocations, read through the loaders.
func fundAllocations(ctx context.Context, t *funding.TrustFund) ([]*funding.Allocation, error) {
	return loadOne(ctx, func(l *loader.Loaders) ([]*funding.Allocation, error) {
		as, err := l.TrustFundAllocations(ctx, t.ID, funding.AllocationQuery{})
		return as.Items, err
	})
}

func fundBalance(t *funding.TrustFund, b report.Balance) *FundBalance {
	money := func(u int64) *funding.Money { return &funding.Money{Units: u, Currency: t.Currency} }
	return &FundBalance{Year: b.Year, ContributedInYear: money(b.ContributedInYear), AllocatedInYear: money(b.AllocatedInYear),
		Contributed: money(b.Contributed), Allocated: money(b.Allocated), Remaining: money(b.Remaining())}
}
