// Package loader batches the reads of nested GraphQL fields. Loaders are built per request
// by Middleware; every field resolver that needs a related object asks its loader, and all
// the keys asked for within a short wait go to the store in one $in read. A query's store
// commands therefore grow with its depth, never with the number of objects it returns.
package loader

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is the batched reads the loaders need. Each returns the matching entities in any
// order; the loaders put them in key order.
type Store interface {
	CountriesByCodes(ctx context.Context, codes []string) ([]*funding.Country, error)
	DonorsByIDs(ctx context.Context, ids []string) ([]*funding.Donor, error)
	DonorsByPartnerCountries(ctx context.Context, codes []string) ([]*funding.Donor, error)
	AgreementsByIDs(ctx context.Context, ids []string) ([]*funding.Agreement, error)
	AgreementsByDonorIDs(ctx context.Context, donorIDs []string) ([]*funding.Agreement, error)
	TrustFundsByIDs(ctx context.Context, ids []string) ([]*funding.TrustFund, error)
	TrustFundsByDonorIDs(ctx context.Context, donorIDs []string) ([]*funding.TrustFund, error)
	TrustFundsByAgreementIDs(ctx context.Context, agreementIDs []string) ([]*funding.TrustFund, error)
	AllocationsByIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error)
	AllocationsByTrustFundIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error)
	AllocationsByProjectIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error)
	ProjectsByIDs(ctx context.Context, ids []string) ([]*funding.Project, error)
	ProjectsByCountryCodes(ctx context.Context, codes []string) ([]*funding.Project, error)
}

// Loaders are the batch loaders of one request.
type Loaders struct {
	// By key; a missing entity loads as nil.
	Country    *Loader[string, *funding.Country]
	Donor      *Loader[string, *funding.Donor]
	Agreement  *Loader[string, *funding.Agreement]
	TrustFund  *Loader[string, *funding.TrustFund]
	Allocation *Loader[string, *funding.Allocation]
	Project    *Loader[string, *funding.Project]

	// One-to-many, by the parent's key; each list is in id order.
	AgreementsByDonor      *Loader[string, []*funding.Agreement]
	TrustFundsByDonor      *Loader[string, []*funding.TrustFund]
	TrustFundsByAgreement  *Loader[string, []*funding.TrustFund]
	AllocationsByTrustFund *Loader[string, []*funding.Allocation]
	AllocationsByProject   *Loader[string, []*funding.Allocation]
	ProjectsByCountry      *Loader[string, []*funding.Project]
	DonorsByPartnerCountry *Loader[string, []*funding.Donor]
}

// New returns fresh loaders over s that wait wait (DefaultWait if 0) for more keys;
// build one set per request.
func New(s Store, wait time.Duration) *Loaders {
	return &Loaders{
		Country:    one(wait, s.CountriesByCodes, func(c *funding.Country) string { return c.Code }),
		Donor:      one(wait, s.DonorsByIDs, func(d *funding.Donor) string { return d.ID }),
		Agreement:  one(wait, s.AgreementsByIDs, func(a *funding.Agreement) string { return a.ID }),
		TrustFund:  one(wait, s.TrustFundsByIDs, func(t *funding.TrustFund) string { return t.ID }),
		Allocation: one(wait, s.AllocationsByIDs, func(a *funding.Allocation) string { return a.ID }),
		Project:    one(wait, s.ProjectsByIDs, func(p *funding.Project) string { return p.ID }),

		AgreementsByDonor:      many(wait, s.AgreementsByDonorIDs, func(a *funding.Agreement) []string { return []string{a.DonorID} }),
		TrustFundsByDonor:      many(wait, s.TrustFundsByDonorIDs, func(t *funding.TrustFund) []string { return []string{t.DonorID} }),
		TrustFundsByAgreement:  many(wait, s.TrustFundsByAgreementIDs, func(t *funding.TrustFund) []string { return t.AgreementIDs }),
		AllocationsByTrustFund: many(wait, s.AllocationsByTrustFundIDs, func(a *funding.Allocation) []string { return []string{a.TrustFundID} }),
		AllocationsByProject:   many(wait, s.AllocationsByProjectIDs, func(a *funding.Allocation) []string { return []string{a.ProjectID} }),
		ProjectsByCountry:      many(wait, s.ProjectsByCountryCodes, projectCountryCodes),
		DonorsByPartnerCountry: many(wait, s.DonorsByPartnerCountries, func(d *funding.Donor) []string { return d.PartnerCountryCodes }),
	}
}

func projectCountryCodes(p *funding.Project) []string {
	codes := make([]string, len(p.Countries))
	for i, c := range p.Countries {
		codes[i] = c.CountryCode
	}
	return codes
}

// one makes a loader of single entities by key; a key with no entity loads as nil.
func one[T any](wait time.Duration, fetch func(context.Context, []string) ([]*T, error), key func(*T) string) *Loader[string, *T] {
	return NewLoader(func(ctx context.Context, keys []string) ([]*T, error) {
		found, err := fetch(ctx, keys)
		if err != nil {
			return nil, err
		}
		byKey := make(map[string]*T, len(found))
		for _, v := range found {
			byKey[key(v)] = v
		}
		out := make([]*T, len(keys))
		for i, k := range keys {
			out[i] = byKey[k]
		}
		return out, nil
	}, wait)
}

// many makes a loader of the children of each key. keys says which parents a child
// belongs to (several, for array references). Children keep the store's (id) order.
func many[T any](wait time.Duration, fetch func(context.Context, []string) ([]*T, error), keys func(*T) []string) *Loader[string, []*T] {
	return NewLoader(func(ctx context.Context, parents []string) ([][]*T, error) {
		found, err := fetch(ctx, parents)
		if err != nil {
			return nil, err
		}
		byParent := make(map[string][]*T, len(parents))
		for _, v := range found {
			for _, k := range keys(v) {
				byParent[k] = append(byParent[k], v)
			}
		}
		out := make([][]*T, len(parents))
		for i, k := range parents {
			out[i] = byParent[k]
		}
		return out, nil
	}, wait)
}

type ctxKey struct{}

// Middleware puts fresh loaders over s into each request's context.
func Middleware(s Store, wait time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithLoaders(r.Context(), New(s, wait))))
	})
}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// ErrNoLoaders means a request reached a resolver without passing through Middleware.
var ErrNoLoaders = errors.New("loader: no loaders in context")

// For returns the request's loaders.
func For(ctx context.Context) (*Loaders, error) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return nil, ErrNoLoaders
	}
	return l, nil
}

// sortedByID sorts xs by id and drops repeats.
func sortedByID[T any](xs []*T, id func(*T) string) []*T {
	slices.SortFunc(xs, func(a, b *T) int { return compare(id(a), id(b)) })
	return slices.CompactFunc(xs, func(a, b *T) bool { return id(a) == id(b) })
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
