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
type Store = funding.Reader

// Key asks for the children of one parent that match some list arguments (a filter and an
// order, in canonical JSON; "" for all, in id order).
type Key struct {
	Parent string
	Args   string
}

// Loaders are the batch loaders of one request. Each maps a parent key to its children, in
// the order the arguments ask for.
type Loaders struct {
	// byID has a loader of each kind in funding.Entities by local id; ByID and Node
	// read through it.
	byID                   map[funding.Kind]*Loader[Key, []any]
	donorsByPartnerCountry *Loader[Key, []*funding.Donor]
	agreementsByDonor      *Loader[Key, []*funding.Agreement]
	trustFundsByDonor      *Loader[Key, []*funding.TrustFund]
	trustFundsByAgreement  *Loader[Key, []*funding.TrustFund]
	allocationsByTrustFund *Loader[Key, []*funding.Allocation]
	allocationsByProject   *Loader[Key, []*funding.Allocation]
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
	l := &Loaders{
		byID:                   map[funding.Kind]*Loader[Key, []any]{},
		donorsByPartnerCountry: relOf(o, s, funding.Donors, "partnerCountry", func(d *funding.Donor) []string { return d.PartnerCountryCodes }),
		agreementsByDonor:      relOf(o, s, funding.Agreements, "donor", func(a *funding.Agreement) []string { return []string{a.DonorID} }),
		trustFundsByDonor:      relOf(o, s, funding.TrustFunds, "donor", func(t *funding.TrustFund) []string { return []string{t.DonorID} }),
		trustFundsByAgreement:  relOf(o, s, funding.TrustFunds, "agreement", func(t *funding.TrustFund) []string { return t.AgreementIDs }),
		allocationsByTrustFund: relOf(o, s, funding.Allocations, "trustFund", func(a *funding.Allocation) []string { return []string{a.TrustFundID} }),
		allocationsByProject:   relOf(o, s, funding.Allocations, "project", func(a *funding.Allocation) []string { return []string{a.ProjectID} }),
		projectsByCountry:      relOf(o, s, funding.Projects, "country", projectCountryCodes),
	}
	for _, e := range funding.Entities {
		l.byID[e.EntityKind()] = rel(o, e.EntityPlural(), "id", func(ctx context.Context, w *funding.Within, a string) ([]any, error) {
			return e.FindAny(ctx, s, w, decodeArgs(a))
		}, func(v any) []string { return []string{e.AnyLocalID(v)} })
	}
	return l
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

// decodeArgs returns what sets a query's filter and order (pointers to them) from a,
// argsKey's form; nil for "".
func decodeArgs(a string) func(filter, order any) error {
	if a == "" {
		return nil
	}
	return func(filter, order any) error {
		// json decodes into what a pointer in an interface field points to.
		dst := struct {
			Filter any `json:"f"`
			Order  any `json:"o"`
		}{filter, order}
		return json.Unmarshal([]byte(a), &dst)
	}
}

// relOf makes the loader of the entities of e that refer to their parents by ref (see rel).
func relOf[T, F any, Fld ~string](o Options, s Store, e funding.Entity[T, F, Fld], ref string, parents func(*T) []string) *Loader[Key, []*T] {
	return rel(o, e.Plural, ref, func(ctx context.Context, w *funding.Within, a string) ([]*T, error) {
		return e.FindIn(ctx, s, w, decodeArgs(a))
	}, parents)
}

// rel makes a loader of the children (in collection coll) of parents by reference ref,
// named coll.ref for o.Observe. For each distinct set of arguments among the keys of
// a batch it runs one query for all their parents, and hands each parent its children in
// the query's order. parents says which parents a child belongs to (several, for list
// references). A query that fails fails the keys of its arguments only.
func rel[V any](o Options, coll, ref string, find func(ctx context.Context, w *funding.Within, args string) ([]V, error), parents func(V) []string) *Loader[Key, []V] {
	name := coll + "." + ref
	return NewLoader(func(ctx context.Context, keys []Key) ([][]V, []error) {
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
		children := map[Key][]V{}
		failed := map[string]error{}
		for _, a := range order {
			found, err := find(ctx, &funding.Within{Ref: ref, IDs: groups[a]}, a)
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
		out := make([][]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = children[k], failed[k.Args]
		}
		return out, errs
	}, o.Wait)
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
