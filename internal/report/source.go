package report

import (
	"context"
	"math/big"
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Source is what the report workflow reads: the allocations a filter selects, streamed,
// and the facts they refer to. The store (*mongostore.Store) satisfies it.
type Source interface {
	// StreamAllocations calls fn with the allocations f selects, in batches of at most
	// size, each with the fields a report needs. fn reads with the context it is given
	// (the stream's turn at the store).
	StreamAllocations(ctx context.Context, f *funding.AllocationFilter, size int, fn func(context.Context, []*funding.Allocation) error) error
	FindTrustFunds(ctx context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error)
	FindAgreements(ctx context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error)
	FindProjects(ctx context.Context, q funding.ProjectQuery) ([]*funding.Project, error)
	FindCountries(ctx context.Context, q funding.CountryQuery) ([]*funding.Country, error)
	ExchangeRates(ctx context.Context, currency string, years []int) ([]*funding.ExchangeRate, error)
}

// streamBatch is how many allocations a report reads from the source at a time.
const streamBatch = 1000

// newFacts returns empty facts, with the rates (when converting) and the regions (when
// grouping by REGION) loaded from src.
func newFacts(ctx context.Context, src Source, dims []Dimension, currency string) (*Facts, error) {
	f := &Facts{
		TrustFunds: map[string]*funding.TrustFund{}, Agreements: map[string]*funding.Agreement{},
		Projects: map[string]*funding.Project{}, Regions: map[string]string{}, Rates: map[RateKey]*big.Rat{},
	}
	if currency != "" {
		rates, err := src.ExchangeRates(ctx, "", nil)
		if err != nil {
			return nil, err
		}
		for _, x := range rates {
			v, ok := new(big.Rat).SetString(x.PerUSD)
			if ok && v.Sign() > 0 {
				f.Rates[RateKey{Currency: x.Currency, Year: x.Year}] = v
			}
		}
	}
	if slices.Contains(dims, Region) {
		cs, err := src.FindCountries(ctx, funding.CountryQuery{})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			f.Regions[c.Code] = c.Region
		}
	}
	return f, nil
}

// load adds to f the trust funds and projects of batch that it does not have yet, and
// the funds' agreements when asked: one read of each kind at most.
func (f *Facts) load(ctx context.Context, src Source, batch []*funding.Allocation, agreements bool) error {
	tfs := absent(f.TrustFunds, batch, func(a *funding.Allocation) string { return a.TrustFundID })
	ps := absent(f.Projects, batch, func(a *funding.Allocation) string { return a.ProjectID })
	if len(tfs) > 0 {
		found, err := src.FindTrustFunds(ctx, funding.TrustFundQuery{Within: byID(tfs)})
		if err != nil {
			return err
		}
		var as []string
		for _, t := range found {
			f.TrustFunds[t.ID] = t
			as = append(as, t.AgreementIDs...)
		}
		if agreements && len(as) > 0 {
			found, err := src.FindAgreements(ctx, funding.AgreementQuery{Within: byID(as)})
			if err != nil {
				return err
			}
			for _, a := range found {
				f.Agreements[a.ID] = a
			}
		}
	}
	if len(ps) > 0 {
		found, err := src.FindProjects(ctx, funding.ProjectQuery{Within: byID(ps)})
		if err != nil {
			return err
		}
		for _, p := range found {
			f.Projects[p.ID] = p
		}
	}
	return nil
}

// absent returns the ids (sorted, once each) that batch refers to through id and that
// have no entry in m.
func absent[V any](m map[string]V, batch []*funding.Allocation, id func(*funding.Allocation) string) []string {
	var ids []string
	for _, a := range batch {
		if _, ok := m[id(a)]; !ok {
			ids = append(ids, id(a))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// byID selects the entities with the given ids.
func byID(ids []string) *funding.Within { return &funding.Within{Ref: "id", IDs: ids} }
