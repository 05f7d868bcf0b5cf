// Package loader batches the reads of nested GraphQL fields. Loaders are built per request
// by Middleware; every field resolver that needs related objects asks its loader, and all
// the keys asked for together go to the store in one $in read per distinct set of list
// arguments. A query's store commands therefore grow with its depth, never with the
// number of objects it returns.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is the reads the loaders need.
type Store interface {
	FindCountries(ctx context.Context, q funding.CountryQuery) ([]*funding.Country, error)
	FindDonors(ctx context.Context, q funding.DonorQuery) ([]*funding.Donor, error)
	FindAgreements(ctx context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error)
	FindTrustFunds(ctx context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error)
	FindAllocations(ctx context.Context, q funding.AllocationQuery) ([]*funding.Allocation, error)
	FindProjects(ctx context.Context, q funding.ProjectQuery) ([]*funding.Project, error)
}

// Key asks for the children of one parent that match some list arguments (a filter and an
// order, in canonical JSON; "" for all, in id order).
type Key struct {
	Parent string
	Args   string
}

// Loaders are the batch loaders of one request. Each maps a parent key to its children, in
// the order the arguments ask for.
type Loaders struct {
	countriesByCode        *Loader[Key, []*funding.Country]
	donorsByID             *Loader[Key, []*funding.Donor]
	donorsByPartnerCountry *Loader[Key, []*funding.Donor]
	agreementsByID         *Loader[Key, []*funding.Agreement]
	agreementsByDonor      *Loader[Key, []*funding.Agreement]
	trustFundsByID         *Loader[Key, []*funding.TrustFund]
	trustFundsByDonor      *Loader[Key, []*funding.TrustFund]
	trustFundsByAgreement  *Loader[Key, []*funding.TrustFund]
	allocationsByID        *Loader[Key, []*funding.Allocation]
	allocationsByTrustFund *Loader[Key, []*funding.Allocation]
	allocationsByProject   *Loader[Key, []*funding.Allocation]
	projectsByID           *Loader[Key, []*funding.Project]
	projectsByCountry      *Loader[Key, []*funding.Project]
}

// Options tune a request's loaders.
type Options struct {
	// Wait is how long a batch waits for more keys (DefaultWait if 0).
	Wait time.Duration
	// Observe, if not nil, is told the size of every batch read: the loader's name (the
	// collection and the reference it follows, e.g. "projects.country") and the number of
	// keys.
	Observe func(loader string, keys int)
}

// New returns fresh loaders over s; build one set per request.
func New(s Store, o Options) *Loaders {
	return &Loaders{
		countriesByCode:        rel(o, "countries", s.FindCountries, "id", func(c *funding.Country) []string { return []string{c.Code} }),
		donorsByID:             rel(o, "donors", s.FindDonors, "id", func(d *funding.Donor) []string { return []string{d.ID} }),
		donorsByPartnerCountry: rel(o, "donors", s.FindDonors, "partnerCountry", func(d *funding.Donor) []string { return d.PartnerCountryCodes }),
		agreementsByID:         rel(o, "agreements", s.FindAgreements, "id", func(a *funding.Agreement) []string { return []string{a.ID} }),
		agreementsByDonor:      rel(o, "agreements", s.FindAgreements, "donor", func(a *funding.Agreement) []string { return []string{a.DonorID} }),
		trustFundsByID:         rel(o, "trustFunds", s.FindTrustFunds, "id", func(t *funding.TrustFund) []string { return []string{t.ID} }),
		trustFundsByDonor:      rel(o, "trustFunds", s.FindTrustFunds, "donor", func(t *funding.TrustFund) []string { return []string{t.DonorID} }),
		trustFundsByAgreement:  rel(o, "trustFunds", s.FindTrustFunds, "agreement", func(t *funding.TrustFund) []string { return t.AgreementIDs }),
		allocationsByID:        rel(o, "allocations", s.FindAllocations, "id", func(a *funding.Allocation) []string { return []string{a.ID} }),
		allocationsByTrustFund: rel(o, "allocations", s.FindAllocations, "trustFund", func(a *funding.Allocation) []string { return []string{a.TrustFundID} }),
		allocationsByProject:   rel(o, "allocations", s.FindAllocations, "project", func(a *funding.Allocation) []string { return []string{a.ProjectID} }),
		projectsByID:           rel(o, "projects", s.FindProjects, "id", func(p *funding.Project) []string { return []string{p.ID} }),
		projectsByCountry:      rel(o, "projects", s.FindProjects, "country", projectCountryCodes),
	}
}

func projectCountryCodes(p *funding.Project) []string {
	codes := make([]string, len(p.Countries))
	for i, c := range p.Countries {
		codes[i] = c.CountryCode
	}
	return codes
}

// args is the list arguments of a relation, as they travel in a Key.
type args[F, O any] struct {
	Filter *F  `json:"f,omitempty"`
	Order  []O `json:"o,omitempty"`
}

// argsKey is the canonical form of a filter and an order.
func argsKey[F, O any](f *F, o []O) string {
	if f == nil && len(o) == 0 {
		return ""
	}
	b, err := json.Marshal(args[F, O]{f, o})
	if err != nil {
		panic(err) // filters are plain data: they always marshal
	}
	return string(b)
}

// rel makes a loader of the children (in collection coll) of parents by reference ref,
// named coll.ref for o.Observe. For each distinct set of arguments among the keys of a
// batch it runs one query for all their parents, and hands each parent its children in
// the query's order. parents says which parents a child belongs to (several, for list
// references). A query that fails fails the keys of its arguments only.
func rel[F, O, T any](o Options, coll string, find func(context.Context, funding.Query[F, O]) ([]*T, error), ref string, parents func(*T) []string) *Loader[Key, []*T] {
	name := coll + "." + ref
	return NewLoader(func(ctx context.Context, keys []Key) ([][]*T, []error) {
		if o.Observe != nil {
			o.Observe(name, len(keys))
		}
		groups := map[string][]string{}
		var order []string
		for _, k := range keys {
			if _, ok := groups[k.Args]; !ok {
				order = append(order, k.Args)
			}
			groups[k.Args] = append(groups[k.Args], k.Parent)
		}
		children := map[Key][]*T{}
		failed := map[string]error{}
		for _, a := range order {
			found, err := findArgs(ctx, find, a, &funding.Within{Ref: ref, IDs: groups[a]})
			if err != nil {
				failed[a] = err
				continue
			}
			for _, v := range found {
				for _, p := range parents(v) {
					k := Key{p, a}
					children[k] = append(children[k], v)
				}
			}
		}
		out := make([][]*T, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = children[k], failed[k.Args]
		}
		return out, errs
	}, o.Wait)
}

// findArgs runs find with the list arguments a (argsKey's form) within w.
func findArgs[F, O, T any](ctx context.Context, find func(context.Context, funding.Query[F, O]) ([]*T, error), a string, w *funding.Within) ([]*T, error) {
	q := funding.Query[F, O]{Within: w}
	if a != "" {
		var dec args[F, O]
		if err := json.Unmarshal([]byte(a), &dec); err != nil {
			return nil, err
		}
		q.Filter, q.Order = dec.Filter, dec.Order
	}
	return find(ctx, q)
}

type ctxKey struct{}

// Middleware puts fresh loaders over s, tuned by o, into each request's context.
func Middleware(s Store, o Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithLoaders(r.Context(), New(s, o))))
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
