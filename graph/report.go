package graph

import (
	"cmp"
	"context"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
	"github.com/coopgraph/coopgraph/internal/report"
)

// Reports filter allocations in the store, stream them in batches (loading the funds and
// projects each batch refers to), and aggregate in Go (package report): memory grows with
// the number of groups, not of allocations.

const (
	streamBatch = 1000
	// maxReportRows bounds a page of report rows: rows are computed in memory already,
	// and exports want them all.
	maxReportRows = 10000
)

// ReportRow is one group of a funding report.
type ReportRow struct {
	keys     map[report.Dimension]string
	totals   map[string]int64
	count    int
	currency string // the report's currency, "" when per currency
	grand    int64  // the report's converted total, for share
}

// FundingReport is a computed report.
type FundingReport struct {
	rep      *report.Report
	currency string
	dims     []report.Dimension
}

// runReport computes a report over the allocations filter selects.
func (r *Resolver) runReport(ctx context.Context, filter *funding.AllocationFilter, dims []report.Dimension, currency string) (*FundingReport, error) {
	if err := filter.Validate("filter"); err != nil {
		return nil, err
	}
	if currency != "" && !funding.ValidCurrencyCode(currency) {
		return nil, funding.Invalid("currency", "%q is not an ISO 4217 currency code", currency)
	}
	facts := &report.Facts{
		TrustFunds: map[string]*funding.TrustFund{}, Agreements: map[string]*funding.Agreement{},
		Projects: map[string]*funding.Project{}, Regions: map[string]string{}, Rates: map[report.RateKey]*big.Rat{},
	}
	if currency != "" {
		if err := r.loadRates(ctx, facts); err != nil {
			return nil, err
		}
	}
	if slices.Contains(dims, report.Region) {
		cs, err := r.Store.FindCountries(ctx, funding.CountryQuery{})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			facts.Regions[c.Code] = c.Region
		}
	}
	agg, err := report.New(facts, report.Options{GroupBy: dims, Currency: currency})
	if err != nil {
		return nil, funding.Invalid("groupBy", "%v", err)
	}
	err = r.Store.StreamAllocations(ctx, filter, streamBatch, func(batch []*funding.Allocation) error {
		if err := r.loadFacts(ctx, facts, batch, slices.Contains(dims, report.Agreement)); err != nil {
			return err
		}
		for _, a := range batch {
			if err := agg.Add(a); err != nil {
				var missing *report.MissingRateError
				if errors.As(err, &missing) {
					return funding.Invalid("currency", "no exchange rate for %s in %d: add it with setExchangeRate, or report per currency", missing.Currency, missing.Year)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &FundingReport{rep: agg.Result(), currency: currency, dims: dims}, nil
}

func (r *Resolver) loadRates(ctx context.Context, facts *report.Facts) error {
	rates, err := r.Store.ExchangeRates(ctx, "", nil)
	if err != nil {
		return err
	}
	for _, x := range rates {
		v, ok := new(big.Rat).SetString(x.PerUSD)
		if ok && v.Sign() > 0 {
			facts.Rates[report.RateKey{Currency: x.Currency, Year: x.Year}] = v
		}
	}
	return nil
}

// loadFacts loads the trust funds and projects of a batch that are not loaded yet (and
// the funds' agreements when asked).
func (r *Resolver) loadFacts(ctx context.Context, facts *report.Facts, batch []*funding.Allocation, agreements bool) error {
	missingTFs, missingPs := map[string]bool{}, map[string]bool{}
	for _, a := range batch {
		if _, ok := facts.TrustFunds[a.TrustFundID]; !ok {
			missingTFs[a.TrustFundID] = true
		}
		if _, ok := facts.Projects[a.ProjectID]; !ok {
			missingPs[a.ProjectID] = true
		}
	}
	tfs, ps := sortedKeys(missingTFs), sortedKeys(missingPs)
	if len(tfs) > 0 {
		found, err := r.Store.FindTrustFunds(ctx, funding.TrustFundQuery{Within: &funding.Within{Ref: "id", IDs: tfs}})
		if err != nil {
			return err
		}
		var as []string
		for _, t := range found {
			facts.TrustFunds[t.ID] = t
			as = append(as, t.AgreementIDs...)
		}
		if agreements && len(as) > 0 {
			found, err := r.Store.FindAgreements(ctx, funding.AgreementQuery{Within: &funding.Within{Ref: "id", IDs: as}})
			if err != nil {
				return err
			}
			for _, a := range found {
				facts.Agreements[a.ID] = a
			}
		}
	}
	if len(ps) > 0 {
		found, err := r.Store.FindProjects(ctx, funding.ProjectQuery{Within: &funding.Within{Ref: "id", IDs: ps}})
		if err != nil {
			return err
		}
		for _, p := range found {
			facts.Projects[p.ID] = p
		}
	}
	return nil
}

// reportDims validates groupBy.
func reportDims(groupBy []report.Dimension) ([]report.Dimension, error) {
	if len(groupBy) > 3 {
		return nil, funding.Invalid("groupBy", "at most 3 dimensions, got %d", len(groupBy))
	}
	for i, d := range groupBy {
		if slices.Contains(groupBy[:i], d) {
			return nil, funding.Invalid("groupBy", "%s is given twice", d)
		}
	}
	return groupBy, nil
}

func (f *FundingReport) newRow(keys []string, totals map[string]int64, count int) *ReportRow {
	row := &ReportRow{keys: map[report.Dimension]string{}, totals: totals, count: count, currency: f.currency}
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
	for i, r := range f.rep.Rows {
		out[i] = f.newRow(r.Keys, r.Totals, r.Count)
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

// Share is the row's part of the converted report total, in percent.
func (r *ReportRow) Share() *float64 {
	if r.currency == "" || r.grand == 0 {
		return nil
	}
	s, _ := new(big.Rat).SetFrac64(r.totals[r.currency]*100, r.grand).Float64()
	return &s
}

func rowObject[T any](ctx context.Context, r *ReportRow, d report.Dimension, load func(*loader.Loaders, context.Context, string) (*T, error)) (*T, error) {
	k, ok := r.key(d)
	if !ok {
		return nil, nil
	}
	return loadOne(ctx, func(l *loader.Loaders) (*T, error) { return load(l, ctx, k) })
}

// Donor is the row's donor.
func (r *ReportRow) Donor(ctx context.Context) (*funding.Donor, error) {
	return rowObject(ctx, r, report.Donor, (*loader.Loaders).Donor)
}

// Agreement is the row's agreement.
func (r *ReportRow) Agreement(ctx context.Context) (*funding.Agreement, error) {
	return rowObject(ctx, r, report.Agreement, (*loader.Loaders).Agreement)
}

// TrustFund is the row's trust fund.
func (r *ReportRow) TrustFund(ctx context.Context) (*funding.TrustFund, error) {
	return rowObject(ctx, r, report.TrustFund, (*loader.Loaders).TrustFund)
}

// Project is the row's project.
func (r *ReportRow) Project(ctx context.Context) (*funding.Project, error) {
	return rowObject(ctx, r, report.Project, (*loader.Loaders).Project)
}

// Country is the row's country.
func (r *ReportRow) Country(ctx context.Context) (*funding.Country, error) {
	return rowObject(ctx, r, report.Country, (*loader.Loaders).Country)
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
	c := &ReportRowConnection{count: func(context.Context) (int, error) { return len(rows), nil }}
	for i := start; i < end; i++ {
		c.edges = append(c.edges, &ReportRowEdge{Cursor: cur.encode(sig, funding.Keyset{ID: strconv.Itoa(i)}), Node: rows[i]})
	}
	c.pageInfo.HasPreviousPage, c.pageInfo.HasNextPage = start > 0, end < len(rows)
	if len(c.edges) > 0 {
		c.pageInfo.StartCursor, c.pageInfo.EndCursor = &c.edges[0].Cursor, &c.edges[len(c.edges)-1].Cursor
	}
	return c, nil
}

// Series.

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

func (r *Resolver) series(ctx context.Context, filter *funding.AllocationFilter, interval SeriesInterval, from, to int, groupBy *report.Dimension, currency string) (*FundingSeries, error) {
	if to < from || to-from > 100 {
		return nil, funding.Invalid("to", "to must be from %d to %d years after from", 0, 100)
	}
	dims := []report.Dimension{report.Year}
	if groupBy != nil {
		if *groupBy == report.Year {
			return nil, funding.Invalid("groupBy", "the series is by year already")
		}
		dims = append(dims, *groupBy)
	}
	years := &funding.AllocationFilter{Year: &funding.IntFilter{Gte: &from, Lte: &to}}
	if filter != nil {
		if err := filter.Validate("filter"); err != nil {
			return nil, err
		}
		years.And = []funding.AllocationFilter{*filter}
	}
	rep, err := r.runReport(ctx, years, dims, currency)
	if err != nil {
		return nil, err
	}
	step := 1
	if interval == SeriesIntervalBiennium {
		step = 2
	}
	points, err := report.Series(rep.rep, from, to, step)
	if err != nil {
		return nil, err
	}
	out := &FundingSeries{}
	for _, p := range points {
		sp := &SeriesPoint{From: p.From, To: p.To, totals: p.Totals}
		for _, k := range sortedKeys(p.ByKey) {
			row := &ReportRow{keys: map[report.Dimension]string{dims[1]: k}, totals: p.ByKey[k], currency: currency}
			sp.rows = append(sp.rows, row)
		}
		out.Points = append(out.Points, sp)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Flows.

func (r *Resolver) flows(ctx context.Context, filter *funding.AllocationFilter, levels []report.Dimension, currency string) (*FundingFlows, error) {
	if len(levels) < 2 {
		return nil, funding.Invalid("levels", "give two or more levels")
	}
	order := []report.Dimension{report.Donor, report.TrustFund, report.Project, report.Country}
	last := -1
	for _, l := range levels {
		i := slices.Index(order, l)
		if i <= last {
			return nil, funding.Invalid("levels", "levels must be distinct, in money-flow order, among DONOR, TRUST_FUND, PROJECT, COUNTRY")
		}
		last = i
	}
	rep, err := r.runReport(ctx, filter, levels, currency)
	if err != nil {
		return nil, err
	}
	nodes, links, err := report.Flows(rep.rep, levels)
	if err != nil {
		return nil, funding.Invalid("currency", "the allocations are in several currencies: give currency to convert them (%v)", err)
	}
	cur := currency
	for c := range rep.rep.Totals {
		cur = c
	}
	out := &FundingFlows{}
	for _, n := range nodes {
		out.Nodes = append(out.Nodes, &FlowNode{ID: flowID(n), Level: n.Level, key: n.Key})
	}
	for _, l := range links {
		out.Links = append(out.Links, &FlowLink{Source: out.Nodes[l.Source].ID, Target: out.Nodes[l.Target].ID,
			Amount: &funding.Money{Units: l.Units, Currency: cur}})
	}
	return out, nil
}

var dimTypes = map[report.Dimension]funding.Kind{
	report.Donor: funding.TypeDonor, report.TrustFund: funding.TypeTrustFund, report.Project: funding.TypeProject, report.Country: funding.TypeCountry,
}

func flowID(n report.FlowNode) string {
	if n.Key == report.Unallocated {
		return "unallocated:" + string(n.Level)
	}
	return GlobalID(funding.ID{Kind: dimTypes[n.Level], Local: n.Key})
}

// FlowNode is a node of a Sankey diagram.
type FlowNode struct {
	ID    string
	Level report.Dimension
	key   string
}

// Label is the node's name, title or country name.
func (n *FlowNode) Label(ctx context.Context) (string, error) {
	if n.key == report.Unallocated {
		return "Global / unallocated", nil
	}
	l, err := loader.For(ctx)
	if err != nil {
		return "", err
	}
	switch n.Level {
	case report.Donor:
		d, err := l.Donor(ctx, n.key)
		return nameOr(d, err, func(d *funding.Donor) string { return d.Name }, n.key)
	case report.TrustFund:
		t, err := l.TrustFund(ctx, n.key)
		return nameOr(t, err, func(t *funding.TrustFund) string { return t.Name }, n.key)
	case report.Project:
		p, err := l.Project(ctx, n.key)
		return nameOr(p, err, func(p *funding.Project) string { return p.Title }, n.key)
	}
	c, err := l.Country(ctx, n.key)
	return nameOr(c, err, func(c *funding.Country) string { return c.Name }, n.key)
}

func nameOr[T any](v *T, err error, name func(*T) string, fallback string) (string, error) {
	if err != nil || v == nil {
		return fallback, err
	}
	return name(v), nil
}

// Balances.

// FundBalance is a trust fund's money up to the end of a year.
type FundBalance struct {
	Year                                                                  int
	ContributedInYear, AllocatedInYear, Contributed, Allocated, Remaining *funding.Money
}

// balances computes a fund's yearly balances from its contributions and allocations.
func balances(t *funding.TrustFund, allocations []*funding.Allocation, through int) []*FundBalance {
	in, out := map[int]int64{}, map[int]int64{}
	first, last := t.StartsOn.Year(), through
	for _, c := range t.Contributions {
		in[c.Year] += c.Amount.Units
		first, last = min(first, c.Year), max(last, c.Year)
	}
	for _, a := range allocations {
		out[a.Year] += a.Amount.Units
		first, last = min(first, a.Year), max(last, a.Year)
	}
	money := func(u int64) *funding.Money { return &funding.Money{Units: u, Currency: t.Currency} }
	var res []*FundBalance
	var cin, cout int64
	for y := first; y <= last; y++ {
		cin, cout = cin+in[y], cout+out[y]
		res = append(res, &FundBalance{Year: y, ContributedInYear: money(in[y]), AllocatedInYear: money(out[y]),
			Contributed: money(cin), Allocated: money(cout), Remaining: money(cin - cout)})
	}
	return res
}

func thisYear() int { return time.Now().UTC().Year() }

// FundingSeries is a time series of funding.
type FundingSeries struct {
	Points []*SeriesPoint
}

// FundingFlows is a Sankey diagram.
type FundingFlows struct {
	Nodes []*FlowNode
	Links []*FlowLink
}

// FlowLink is money flowing between two nodes.
type FlowLink struct {
	Source, Target string
	Amount         *funding.Money
}

// Report row connections.
type (
	ReportRowConnection = Connection[*ReportRow]
	ReportRowEdge       = Edge[*ReportRow]
)

// fundBalances are a fund's balances from its first year through year (0: its last year
// with money in or out), from its contributions and its allocations (read through the
// loaders).
func (r *Resolver) fundBalances(ctx context.Context, t *funding.TrustFund, year int) ([]*FundBalance, error) {
	as, err := loadOne(ctx, func(l *loader.Loaders) ([]*funding.Allocation, error) {
		return l.TrustFundAllocations(ctx, t.ID, nil, nil)
	})
	if err != nil {
		return nil, err
	}
	all := balances(t, as, year)
	if year != 0 {
		all = slices.DeleteFunc(all, func(b *FundBalance) bool { return b.Year > year })
	}
	if len(all) == 0 {
		zero := &funding.Money{Currency: t.Currency}
		return []*FundBalance{{Year: year, ContributedInYear: zero, AllocatedInYear: zero, Contributed: zero, Allocated: zero, Remaining: zero}}, nil
	}
	return all, nil
}
