package graph

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// listPage reads one page of a top-level list straight from the store.
func listPage[T any](ctx context.Context, first *int, after *string,
	list func(context.Context, funding.Page) ([]T, error), count func(context.Context) (int, error), id func(T) string,
) (*Connection[T], error) {
	p, err := newPage(first, after)
	if err != nil {
		return nil, err
	}
	items, err := list(ctx, funding.Page{AfterID: p.afterID, Limit: p.first + 1})
	if err != nil {
		return nil, err
	}
	return newConnection(items, p, id, count), nil
}

// nestedPage pages a nested list that load reads, whole and batched, through the
// request's loaders.
func nestedPage[T any](ctx context.Context, first *int, after *string,
	load func(*loader.Loaders) ([]T, error), id func(T) string,
) (*Connection[T], error) {
	p, err := newPage(first, after)
	if err != nil {
		return nil, err
	}
	l, err := loader.For(ctx)
	if err != nil {
		return nil, err
	}
	all, err := load(l)
	if err != nil {
		return nil, err
	}
	return sliceConnection(all, p, id), nil
}

// loadOne loads one related entity through the request's loaders.
func loadOne[T any](ctx context.Context, load func(*loader.Loaders) (T, error)) (T, error) {
	l, err := loader.For(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return load(l)
}

// nullable maps "" to null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func countryCode(c *funding.Country) string     { return c.Code }
func donorID(d *funding.Donor) string           { return d.ID }
func agreementID(a *funding.Agreement) string   { return a.ID }
func trustFundID(t *funding.TrustFund) string   { return t.ID }
func allocationID(a *funding.Allocation) string { return a.ID }
func projectID(p *funding.Project) string       { return p.ID }
