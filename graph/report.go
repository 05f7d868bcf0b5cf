package graph

import (
	"cmp"
	"context"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/report"
)

// The GraphQL side of reports: package report validates the arguments, reads the store
// (r.Store is its report.Source) and computes; this file turns the fundingReport
// arguments into a report query and the result into GraphQL types (rows with their key
// objects loaded through the loaders, pages of rows). report_series.go and
// report_flows.go do the same for fundingSeries, a fund's balances and fundingFlows.

// maxReportRows bounds a page of report rows: rows are computed in memory already, and
// exports want them all.
const maxReportRows = 10000

// ReportRow is one group of a funding report.
type ReportRow struct {
	keys     map[report.Dimension]string
	totals   map[string]int64
	count    int
	currency string // the report's currency, "" when per currency
	grand    int64  // the report's converted total, for share
	compared []*TransactionTypeTotals
}

// FundingReport is a computed report.
type FundingReport struct {
	rep      *report.Report
	currency string
	dims     []report.Dimension
}

// fundingReport computes the report of the fundingReport field: of the allocations of
// type t, with the totals of the types of compare beside.
func (r *Resolver) fundingReport(ctx context.Context, filter *funding.AllocationFilter, t funding.TransactionType, compare []funding.TransactionType, groupBy []report.Dimension, currency string) (*FundingReport, error) {
	rep, err := memoized(ctx, "report", report.Query{Filter: filter, Type: t, Compare: compare, GroupBy: groupBy, Currency: currency},
		func(ctx context.Context, q report.Query) (*report.Report, error) {
			return report.Compute(ctx, r.Store, q)
		})
	if err != nil {
		return nil, err
	}
	return &FundingReport{rep: rep, currency: currency, dims: groupBy}, nil
}

// typeTotals are the totals of one compared type.
func typeTotals(t funding.TransactionType, totals map[string]int64, count int) *TransactionTypeTotals {
	return &TransactionTypeTotals{TransactionType: t, Total: single(totals), Totals: moneys(totals), AllocationCount: count}
}

// ByTransactionType are the report's totals of each compared type.
func (f *FundingReport) ByTransactionType() []*TransactionTypeTotals {
	out := []*TransactionTypeTotals{}
	for _, c := range f.rep.Compared {
		out = append(out, typeTotals(c.Type, c.Report.Totals, c.Report.Count))
	}
	return out
}

// newRow is row i of the report (the compared reports have the same rows).
func (f *FundingReport) newRow(i int) *ReportRow {
	r := f.rep.Rows[i]
	row := &ReportRow{keys: map[report.Dimension]string{}, totals: r.Totals, count: r.Count, currency: f.currency,
		compared: []*TransactionTypeTotals{}}
	for _, c := range f.rep.Compared {
		cr := c.Report.Rows[i]
		row.compared = append(row.compared, typeTotals(c.Type, cr.Totals, cr.Count))
	}
	keys := r.Keys
	for i, d := range f.dims {
		row.keys[d] = keys[i]
	}
	if f.currency != "" {
		row.grand = f.rep.Totals[f.currency]
	}
	return row
}

// Rows returns the report's rows in the order asked for.
func (f *FundingReport) rows(orderBy ReportRowOrder) []*ReportRow {
	out := make([]*ReportRow, len(f.rep.Rows))
	for i := range f.rep.Rows {
		out[i] = f.newRow(i)
	}
	if orderBy != ReportRowOrderKeys {
		slices.SortStableFunc(out, func(a, b *ReportRow) int { return cmp.Compare(largest(b.totals), largest(a.totals)) })
	}
	return out
}

func largest(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n = max(n, v)
	}
	return n
}

// Total is the report's total in its currency, or in its only currency; nil when mixed.
func (f *FundingReport) Total() *funding.Money { return single(f.rep.Totals) }

// Totals are the report's totals per currency.
func (f *FundingReport) Totals() []*funding.Money { return moneys(f.rep.Totals) }

// AllocationCount is how many allocations the report covers.
func (f *FundingReport) AllocationCount() int { return f.rep.Count }

func single(m map[string]int64) *funding.Money {
	if len(m) != 1 {
		return nil
	}
	for c, u := range m {
		return &funding.Money{Units: u, Currency: c}
	}
	return nil
}

func moneys(m map[string]int64) []*funding.Money {
	out := make([]*funding.Money, 0, len(m))
	for c, u := range m {
		out = append(out, &funding.Money{Units: u, Currency: c})
	}
	slices.SortFunc(out, func(a, b *funding.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}

// ReportRow fields.

func (r *ReportRow) key(d report.Dimension) (string, bool) {
	k, ok := r.keys[d]
	return k, ok && k != report.Unallocated
}

func (r *ReportRow) text(d report.Dimension) *string {
	if k, ok := r.key(d); ok {
		return &k
	}
	return nil
}

// Region is the row's region key.
func (r *ReportRow) Region() *string { return r.text(report.Region) }

// Theme is the row's theme key.
func (r *ReportRow) Theme() *string { return r.text(report.Theme) }

// ImplementingAgency is the row's agency key.
func (r *ReportRow) ImplementingAgency() *string { return r.text(report.ImplementingAgency) }

// Year is the row's year key.
func (r *ReportRow) Year() *int {
	if k, ok := r.key(report.Year); ok {
		if y, err := strconv.Atoi(k); err == nil {
			return &y
		}
	}
	return nil
}

// Unallocated reports whether the row is the explicit global / unallocated group.
func (r *ReportRow) Unallocated() bool {
	for _, k := range r.keys {
		if k == report.Unallocated {
			return true
		}
	}
	return false
}

// Total is the row's total in one currency, or nil when it has several.
func (r *ReportRow) Total() *funding.Money { return single(r.totals) }

// Totals are the row's totals per currency.
func (r *ReportRow) Totals() []*funding.Money { return moneys(r.totals) }

// AllocationCount is how many allocations reach the row.
func (r *ReportRow) AllocationCount() int { return r.count }

// ByTransactionType are the row's totals of each compared type (none for a series' row).
func (r *ReportRow) ByTransactionType() []*TransactionTypeTotals {
	if r.compared == nil {
		return []*TransactionTypeTotals{}
	}
	return r.compared
}

// Share is the row's part of the converted report total, in percent.
func (r *ReportRow) Share() *float64 {
	if r.currency == "" || r.grand == 0 {
		return nil
	}
	s, _ := new(big.Rat).SetFrac64(r.totals[r.currency]*100, r.grand).Float64()
	return &s
}

func rowObject[T, F any, Fld ~string](ctx context.Context, r *ReportRow, d report.Dimension, e funding.Entity[T, F, Fld]) (*T, error) {
	k, ok := r.key(d)
	if !ok {
		return nil, nil
	}
	return load(ctx, e, k)
}

// Donor is the row's donor.
func (r *ReportRow) Donor(ctx context.Context) (*funding.Donor, error) {
	return rowObject(ctx, r, report.Donor, funding.Donors)
}

// Agreement is the row's agreement.
func (r *ReportRow) Agreement(ctx context.Context) (*funding.Agreement, error) {
	return rowObject(ctx, r, report.Agreement, funding.Agreements)
}

// TrustFund is the row's trust fund.
func (r *ReportRow) TrustFund(ctx context.Context) (*funding.TrustFund, error) {
	return rowObject(ctx, r, report.TrustFund, funding.TrustFunds)
}

// Project is the row's project.
func (r *ReportRow) Project(ctx context.Context) (*funding.Project, error) {
	return rowObject(ctx, r, report.Project, funding.Projects)
}

// Country is the row's country.
func (r *ReportRow) Country(ctx context.Context) (*funding.Country, error) {
	return rowObject(ctx, r, report.Country, funding.Countries)
}

// rowsPage pages a report's rows (offset cursors: rows are computed, not stored) with
// the cursors cur.
func rowsPage(cur cursors, rows []*ReportRow, orderBy ReportRowOrder, first *int, after *string) (*ReportRowConnection, error) {
	n := defaultPageSize
	if first != nil {
		if *first < 1 || *first > maxReportRows {
			return nil, funding.Invalid("first", "first must be between 1 and %d, got %d", maxReportRows, *first)
		}
		n = *first
	}
	sig := "report:" + string(orderBy)
	pos, err := cur.decode("after", after, sig, 0)
	if err != nil {
		return nil, err
	}
	start := 0
	if pos != nil {
		if start, err = strconv.Atoi(pos.ID); err != nil || start < 0 || start >= len(rows) {
			return nil, funding.Invalid("after", "the cursor does not belong to this report")
		}
		start++
	}
	end := min(len(rows), start+n)
	c := newPage(rows[start:end], func(i int) string { return cur.encode(sig, funding.Keyset{ID: strconv.Itoa(start + i)}) },
		func(context.Context) (int, error) { return len(rows), nil })
	c.pageInfo.HasPreviousPage, c.pageInfo.HasNextPage = start > 0, end < len(rows)
	return c, nil
}

// Report row connections.
type (
	ReportRowConnection = Connection[*ReportRow]
	ReportRowEdge       = Edge[*ReportRow]
)
