// Package seed provides coopgraph's ready-made data: the ISO 3166-1 countries, the
// Flanders–ILO demo dataset built from public facts, and a deterministic synthetic
// generator for load tests. It only builds values; Load writes them to a store.
package seed

import (
	"context"
	"fmt"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Dataset is a complete set of entities, ready to write.
type Dataset struct {
	Countries   []*funding.Country
	Donors      []*funding.Donor
	Agreements  []*funding.Agreement
	TrustFunds  []*funding.TrustFund
	Projects    []*funding.Project
	Allocations []*funding.Allocation
	// ExchangeRates convert report totals between currencies.
	ExchangeRates []*funding.ExchangeRate
}

// Writer is what Load needs from a store. mongostore.Store implements it; it upserts by
// id, so loading the same dataset twice duplicates nothing.
type Writer interface {
	PutCountries(ctx context.Context, cs []*funding.Country) error
	PutDonors(ctx context.Context, ds []*funding.Donor) error
	PutAgreements(ctx context.Context, as []*funding.Agreement) error
	PutTrustFunds(ctx context.Context, ts []*funding.TrustFund) error
	PutProjects(ctx context.Context, ps []*funding.Project) error
	PutAllocations(ctx context.Context, as []*funding.Allocation) error
	PutExchangeRates(ctx context.Context, rs []*funding.ExchangeRate) error
}

// Load writes d to w: countries, donors, agreements, trust funds, projects, then
// allocations, so that everything an entity refers to is written before it. It stops at
// the first error and wraps it with the name of the entity being written.
func Load(ctx context.Context, w Writer, d *Dataset) error {
	if err := w.PutCountries(ctx, d.Countries); err != nil {
		return fmt.Errorf("seed countries: %w", err)
	}
	if err := w.PutDonors(ctx, d.Donors); err != nil {
		return fmt.Errorf("seed donors: %w", err)
	}
	if err := w.PutAgreements(ctx, d.Agreements); err != nil {
		return fmt.Errorf("seed agreements: %w", err)
	}
	if err := w.PutTrustFunds(ctx, d.TrustFunds); err != nil {
		return fmt.Errorf("seed trust funds: %w", err)
	}
	if err := w.PutProjects(ctx, d.Projects); err != nil {
		return fmt.Errorf("seed projects: %w", err)
	}
	if err := w.PutAllocations(ctx, d.Allocations); err != nil {
		return fmt.Errorf("seed allocations: %w", err)
	}
	if err := w.PutExchangeRates(ctx, d.ExchangeRates); err != nil {
		return fmt.Errorf("seed exchange rates: %w", err)
	}
	return nil
}
