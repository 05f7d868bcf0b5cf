package report

import (
	"context"
	"errors"
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// The workflow: validate a query once, stream the allocations it selects from a Source,
// load the facts each batch refers to, aggregate, and shape the result (rows, a series,
// flows). Errors on the arguments are EINVALID and name the argument at fault (filter,
// groupBy, currency, to, levels), as the API shows them.

// MaxGroupBy is how many dimensions a report may be grouped by.
const MaxGroupBy = 3

// MaxSeriesYears is how many years a series may span after its first.
const MaxSeriesYears = 100

// CheckYear refuses a year argument outside funding.MinYear..funding.MaxYear (the years
// an allocation or a rate may have), naming the argument: an EINVALID error, or nil.
func CheckYear(field string, y int) error {
	if y < funding.MinYear || y > funding.MaxYear {
		return funding.Invalid(field, "%s must be a year from %d to %d, got %d", field, funding.MinYear, funding.MaxYear, y)
	}
	return nil
}

// Query asks for a report.
type Query struct {
	Filter   *funding.AllocationFilter // the allocations to add up; nil: all of them
	Type     funding.TransactionType   // the one type added up; "" is COMMITMENT
	Compare  []funding.TransactionType // other types to add up beside it, each on its own (Report.Compared)
	GroupBy  []Dimension               // at most MaxGroupBy, each once
	Currency string                    // "": totals per currency; else convert into it
}

// Compute validates q and computes its report from the allocations in src.
func Compute(ctx context.Context, src Source, q Query) (*Report, error) {
	if len(q.GroupBy) > MaxGroupBy {
		return nil, funding.Invalid("groupBy", "at most %d dimensions, got %d", MaxGroupBy, len(q.GroupBy))
	}
	for i, d := range q.GroupBy {
		if slices.Contains(q.GroupBy[:i], d) {
			return nil, funding.Invalid("groupBy", "%s is given twice", d)
		}
	}
	for i, t := range q.Compare {
		if !t.Valid() {
			return nil, funding.Invalid("compare", "%q is not a transaction type", t)
		}
		if slices.Contains(q.Compare[:i], t) {
			return nil, funding.Invalid("compare", "%s is given twice", t)
		}
	}
	if err := checkScope(q.Filter, q.Type, q.Currency); err != nil {
		return nil, err
	}
	return aggregate(ctx, src, q)
}

// SeriesQuery asks for a time series of funding.
type SeriesQuery struct {
	Filter   *funding.AllocationFilter // nil: all allocations
	Type     funding.TransactionType   // the one type added up; "" is COMMITMENT
	From, To int                       // the first and last year
	Interval int                       // years per point: 1 or 2
	By       *Dimension                // a dimension to break each point down by, or nil
	Currency string                    // as in Query
}

// ComputeSeries validates q and computes its series (see Series) from the allocations in
// src.
func ComputeSeries(ctx context.Context, src Source, q SeriesQuery) ([]Point, error) {
	if err := CheckYear("from", q.From); err != nil {
		return nil, err
	}
	if err := CheckYear("to", q.To); err != nil {
		return nil, err
	}
	if q.To < q.From || q.To-q.From > MaxSeriesYears {
		return nil, funding.Invalid("to", "to must be from %d to %d years after from", 0, MaxSeriesYears)
	}
	dims := []Dimension{Year}
	if q.By != nil {
		if *q.By == Year {
			return nil, funding.Invalid("groupBy", "the series is by year already")
		}
		dims = append(dims, *q.By)
	}
	if err := checkScope(q.Filter, q.Type, q.Currency); err != nil {
		return nil, err
	}
	years := &funding.AllocationFilter{Year: &funding.IntFilter{Gte: &q.From, Lte: &q.To}}
	if q.Filter != nil {
		years.And = []funding.AllocationFilter{*q.Filter}
	}
	rep, err := aggregate(ctx, src, Query{Filter: years, Type: q.Type, GroupBy: dims, Currency: q.Currency})
	if err != nil {
		return nil, err
	}
	return Series(rep, q.From, q.To, q.Interval)
}

// FlowQuery asks for the flows of money between levels.
type FlowQuery struct {
	Filter   *funding.AllocationFilter // nil: all allocations
	Type     funding.TransactionType   // the one type whose flows are drawn; "" is COMMITMENT
	Levels   []Dimension               // 2+ of DONOR, TRUST_FUND, PROJECT, COUNTRY, in that order
	Currency string                    // as in Query
}

// Flow is a Sankey graph (see Flows).
type Flow struct {
	Nodes    []FlowNode
	Links    []FlowLink
	Currency string // the currency of the links' units; "" when there are none
}

// ComputeFlows validates q and computes its flows from the allocations in src.
func ComputeFlows(ctx context.Context, src Source, q FlowQuery) (*Flow, error) {
	if len(q.Levels) < 2 {
		return nil, funding.Invalid("levels", "give two or more levels")
	}
	last := -1
	for _, l := range q.Levels {
		r, ok := flowRank[l]
		if !ok || r <= last {
			return nil, funding.Invalid("levels", "levels must be distinct, in money-flow order, among DONOR, TRUST_FUND, PROJECT, COUNTRY")
		}
		last = r
	}
	if err := checkScope(q.Filter, q.Type, q.Currency); err != nil {
		return nil, err
	}
	rep, err := aggregate(ctx, src, Query{Filter: q.Filter, Type: q.Type, GroupBy: q.Levels, Currency: q.Currency})
	if err != nil {
		return nil, err
	}
	nodes, links, err := Flows(rep, q.Levels)
	if err != nil {
		return nil, funding.Invalid("currency", "the allocations are in several currencies: give currency to convert them (%v)", err)
	}
	out := &Flow{Nodes: nodes, Links: links, Currency: q.Currency}
	for c := range rep.Totals {
		out.Currency = c
	}
	return out, nil
}

// checkScope validates the filter, the transaction type and the currency of a query.
func checkScope(f *funding.AllocationFilter, t funding.TransactionType, currency string) error {
	if err := f.Validate("filter"); err != nil {
		return err
	}
	if t != "" && !t.Valid() {
		return funding.Invalid("transactionType", "%q is not a transaction type", t)
	}
	if currency != "" && !funding.ValidCurrencyCode(currency) {
		return funding.Invalid("currency", "%q is not an ISO 4217 currency code", currency)
	}
	return nil
}

// aggregate computes the report of a validated query: it streams the allocations of its
// transaction types from src in batches, loading the facts each batch refers to before
// adding each allocation up in the aggregator of its type (one per type: types are never
// added together).
func aggregate(ctx context.Context, src Source, q Query) (*Report, error) {
	facts, err := newFacts(ctx, src, q.GroupBy, q.Currency)
	if err != nil {
		return nil, err
	}
	types := append([]funding.TransactionType{q.Type.TypeOrCommitment()}, q.Compare...)
	aggs := map[funding.TransactionType]*Aggregator{}
	for _, t := range types {
		if aggs[t], err = New(facts, Options{GroupBy: q.GroupBy, Currency: q.Currency}); err != nil {
			return nil, funding.Invalid("groupBy", "%v", err)
		}
	}
	filter := &funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{In: types}}
	if q.Filter != nil {
		filter.And = []funding.AllocationFilter{*q.Filter}
	}
	agreements := slices.Contains(q.GroupBy, Agreement)
	err = src.StreamAllocations(ctx, filter, streamBatch, func(ctx context.Context, batch []*funding.Allocation) error {
		if err := facts.load(ctx, src, batch, agreements); err != nil {
			return err
		}
		for _, a := range batch {
			agg := aggs[a.Type.TypeOrCommitment()]
			if agg == nil {
				continue // a source that does not filter by type
			}
			if err := agg.Add(a); err != nil {
				return rateError(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := aggs[types[0]].Result()
	if len(q.Compare) == 0 {
		return rep, nil
	}
	reps := []*Report{rep}
	for _, t := range q.Compare {
		c := Compared{Type: t, Report: rep}
		if t != types[0] {
			c.Report = aggs[t].Result()
		}
		rep.Compared = append(rep.Compared, c)
		reps = append(reps, c.Report)
	}
	alignRows(q.GroupBy, q.Currency, reps)
	return rep, nil
}

// alignRows gives every report of reps the rows of all of them (the union of their
// keys, in key order), a row that a report does not have with no totals (a zero total
// in the report's currency when it converts).
func alignRows(dims []Dimension, currency string, reps []*Report) {
	var all []Row
	for _, r := range reps {
		for _, row := range r.Rows {
			all = append(all, Row{Keys: row.Keys})
		}
	}
	byKeys := func(x, y Row) int { return compareKeys(dims, x.Keys, y.Keys) }
	slices.SortFunc(all, byKeys)
	all = slices.CompactFunc(all, func(x, y Row) bool { return byKeys(x, y) == 0 })
	for _, r := range reps {
		rows := make([]Row, len(all))
		j := 0
		for i, k := range all {
			if j < len(r.Rows) && byKeys(r.Rows[j], k) == 0 {
				rows[i] = r.Rows[j]
				j++
				continue
			}
			rows[i] = Row{Keys: k.Keys, Totals: map[string]int64{}}
			if currency != "" {
				rows[i].Totals[currency] = 0
			}
		}
		r.Rows = rows
	}
}

// rateError turns a missing rate into an error on the currency argument.
func rateError(err error) error {
	var missing *MissingRateError
	if errors.As(err, &missing) {
		return funding.Invalid("currency", "no exchange rate for %s in %d: add it with setExchangeRate, or report per currency", missing.Currency, missing.Year)
	}
	return err
}
