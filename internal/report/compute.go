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

// Query asks for a report.
type Query struct {
	Filter   *funding.AllocationFilter // the allocations to add up; nil: all of them
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
	if err := checkScope(q.Filter, q.Currency); err != nil {
		return nil, err
	}
	return aggregate(ctx, src, q)
}

// SeriesQuery asks for a time series of funding.
type SeriesQuery struct {
	Filter   *funding.AllocationFilter // nil: all allocations
	From, To int                       // the first and last year
	Interval int                       // years per point: 1 or 2
	By       *Dimension                // a dimension to break each point down by, or nil
	Currency string                    // as in Query
}

// ComputeSeries validates q and computes its series (see Series) from the allocations in
// src.
func ComputeSeries(ctx context.Context, src Source, q SeriesQuery) ([]Point, error) {
	if q.To < q.From || q.To-q.From > 100 {
		return nil, funding.Invalid("to", "to must be from %d to %d years after from", 0, 100)
	}
	dims := []Dimension{Year}
	if q.By != nil {
		if *q.By == Year {
			return nil, funding.Invalid("groupBy", "the series is by year already")
		}
		dims = append(dims, *q.By)
	}
	if err := checkScope(q.Filter, q.Currency); err != nil {
		return nil, err
	}
	years := &funding.AllocationFilter{Year: &funding.IntFilter{Gte: &q.From, Lte: &q.To}}
	if q.Filter != nil {
		years.And = []funding.AllocationFilter{*q.Filter}
	}
	rep, err := aggregate(ctx, src, Query{Filter: years, GroupBy: dims, Currency: q.Currency})
	if err != nil {
		return nil, err
	}
	return Series(rep, q.From, q.To, q.Interval)
}

// FlowQuery asks for the flows of money between levels.
type FlowQuery struct {
	Filter   *funding.AllocationFilter // nil: all allocations
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
	if err := checkScope(q.Filter, q.Currency); err != nil {
		return nil, err
	}
	rep, err := aggregate(ctx, src, Query{Filter: q.Filter, GroupBy: q.Levels, Currency: q.Currency})
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

// checkScope validates the filter and the currency of a query.
func checkScope(f *funding.AllocationFilter, currency string) error {
	if err := f.Validate("filter"); err != nil {
		return err
	}
	if currency != "" && !funding.ValidCurrencyCode(currency) {
		return funding.Invalid("currency", "%q is not an ISO 4217 currency code", currency)
	}
	return nil
}

// aggregate computes the report of a validated query: it streams the allocations from
// src in batches, loading the facts each batch refers to before adding it up.
func aggregate(ctx context.Context, src Source, q Query) (*Report, error) {
	facts, err := newFacts(ctx, src, q.GroupBy, q.Currency)
	if err != nil {
		return nil, err
	}
	agg, err := New(facts, Options{GroupBy: q.GroupBy, Currency: q.Currency})
	if err != nil {
		return nil, funding.Invalid("groupBy", "%v", err)
	}
	agreements := slices.Contains(q.GroupBy, Agreement)
	err = src.StreamAllocations(ctx, q.Filter, streamBatch, func(batch []*funding.Allocation) error {
		if err := facts.load(ctx, src, batch, agreements); err != nil {
			return err
		}
		for _, a := range batch {
			if err := agg.Add(a); err != nil {
				return rateError(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return agg.Result(), nil
}

// rateError turns a missing rate into an error on the currency argument.
func rateError(err error) error {
	var missing *MissingRateError
	if errors.As(err, &missing) {
		return funding.Invalid("currency", "no exchange rate for %s in %d: add it with setExchangeRate, or report per currency", missing.Currency, missing.Year)
	}
	return err
}
