package graph

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// loadOne loads related data through the request's loaders.
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

// How each entity's lists sort and identify their items.
var (
	countryKeys    = keys[funding.Country, funding.CountryOrderField]{(*funding.Country).SortKey, func(c *funding.Country) string { return c.Code }}
	donorKeys      = keys[funding.Donor, funding.DonorOrderField]{(*funding.Donor).SortKey, func(d *funding.Donor) string { return d.ID }}
	agreementKeys  = keys[funding.Agreement, funding.AgreementOrderField]{(*funding.Agreement).SortKey, func(a *funding.Agreement) string { return a.ID }}
	trustFundKeys  = keys[funding.TrustFund, funding.TrustFundOrderField]{(*funding.TrustFund).SortKey, func(t *funding.TrustFund) string { return t.ID }}
	allocationKeys = keys[funding.Allocation, funding.AllocationOrderField]{(*funding.Allocation).SortKey, func(a *funding.Allocation) string { return a.ID }}
	projectKeys    = keys[funding.Project, funding.ProjectOrderField]{(*funding.Project).SortKey, func(p *funding.Project) string { return p.ID }}
)
