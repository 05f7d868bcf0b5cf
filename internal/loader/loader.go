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
	"slices"
	"strings"
	"sync"
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
	donorsByPartnerCountry *relation[funding.Donor, funding.DonorFilter, funding.DonorOrderField]
	agreementsByDonor      *relation[funding.Agreement, funding.AgreementFilter, funding.AgreementOrderField]
	trustFundsByDonor      *relation[funding.TrustFund, funding.TrustFundFilter, funding.TrustFundOrderField]
	trustFundsByAgreement  *relation[funding.TrustFund, funding.TrustFundFilter, funding.TrustFundOrderField]
	allocationsByTrustFund *relation[funding.Allocation, funding.AllocationFilter, funding.AllocationOrderField]
	allocationsByProject   *relation[funding.Allocation, funding.AllocationFilter, funding.AllocationOrderField]
	projectsByCountry      *relation[funding.Project, funding.ProjectFilter, funding.ProjectOrderField]
}

// Options tune a request's loaders.
type Options struct {
	// Wait is how long a batch waits for more keys (DefaultWait if 0).
	Wait time.Duration
	// Observe, if not nil, is told the size of every batch read: the loader's name (the
	// collection and the reference it follows, e.g. "projects.country") and the number of
	// keys.
	Observe func(loader string, keys int)
	// PerParent reads a nested page as a page of each parent (funding.Within.EachParent:
	// about first+1 items per parent, and totalCount as a count per parent) rather than
	// all the children of a level's parents, paged in Go (the batched plan). The two
	// answer the same.
	PerParent bool
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
		}, func(v any) []string { return []string{e.AnyLocalID(v)} }, nil)
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

// List is a nested list as the loaders read it.
type List[T any] struct {
	// Items are in the list's order (then by id): on the batched plan, the whole list; on
	// the per-parent plan, the page's window read from its start (or, from the end, its
	// end) for one item more than the page, and one item beyond each cursor if there is
	// one: enough to cut the page and tell what lies on either side of it.
	Items []*T
	// Count counts the whole list; it reads only when called.
	Count func(context.Context) (int, error)
}

// whole is the List of all of items.
func whole[T any](items []*T) List[T] {
	return List[T]{Items: items, Count: func(context.Context) (int, error) { return len(items), nil }}
}

// args is the list arguments of a relation, as they travel in a Key: a filter, an order
// and, on the per-parent plan, the page.
type args[F, O any] struct {
	Filter *F        `json:"f,omitempty"`
	Order  []O       `json:"o,omitempty"`
	Page   *pageArgs `json:"p,omitempty"`
}

// pageArgs is a funding.Page in a Key.
type pageArgs struct {
	Limit   int        `json:"l"`
	FromEnd bool       `json:"e,omitempty"`
	After   *keysetArg `json:"a,omitempty"`
	Before  *keysetArg `json:"b,omitempty"`
}

type keysetArg struct {
	Values []any  `json:"k"`
	ID     string `json:"i"`
}

func keysetOf(k *funding.Keyset) *keysetArg {
	if k == nil {
		return nil
	}
	return &keysetArg{k.Values, k.ID}
}

// keyset turns a decoded position back into a funding.Keyset, its numbers (json.Number)
// into the int64s sort keys are.
func (k *keysetArg) keyset() (*funding.Keyset, error) {
	if k == nil {
		return nil, nil
	}
	vals := make([]any, len(k.Values))
	for i, v := range k.Values {
		if n, ok := v.(json.Number); ok {
			x, err := n.Int64()
			if err != nil {
				return nil, err
			}
			v = x
		}
		vals[i] = v
	}
	return &funding.Keyset{Values: vals, ID: k.ID}, nil
}

// argsKey is the canonical form of a filter, an order and (if not nil) a page.
func argsKey[F, O any](f *F, o []O, p *funding.Page) string {
	if f == nil && len(o) == 0 && p == nil {
		return ""
	}
	a := args[F, O]{Filter: f, Order: o}
	if p != nil {
		a.Page = &pageArgs{p.Limit, p.FromEnd, keysetOf(p.After), keysetOf(p.Before)}
	}
	b, err := json.Marshal(a)
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

// decodeQuery is the query of a, argsKey's form, within w. A page in a makes it a page
// per parent (funding.Within.EachParent).
func decodeQuery[F any, O any](a string, w *funding.Within) (funding.Query[F, O], error) {
	q := funding.Query[F, O]{Within: w}
	if a == "" {
		return q, nil
	}
	var dst args[F, O]
	dec := json.NewDecoder(strings.NewReader(a))
	dec.UseNumber()
	if err := dec.Decode(&dst); err != nil {
		return q, err
	}
	q.Filter, q.Order = dst.Filter, dst.Order
	if p := dst.Page; p != nil {
		var err error
		q.Page = funding.Page{Limit: p.Limit, FromEnd: p.FromEnd}
		if q.Page.After, err = p.After.keyset(); err != nil {
			return q, err
		}
		if q.Page.Before, err = p.Before.keyset(); err != nil {
			return q, err
		}
		q.Within = &funding.Within{Ref: w.Ref, IDs: w.IDs, EachParent: true}
	}
	return q, nil
}

// relation is the loaders of the entities of e that refer to their parents by ref: their
// lists, and their counts per parent (for totalCount on the per-parent plan).
type relation[T, F any, Fld ~string] struct {
	e         funding.Entity[T, F, Fld]
	list      *Loader[Key, []*T]
	count     *Loader[Key, int]
	perParent bool
}

// relOf makes the loaders of the entities of e that refer to their parents by ref (see
// rel).
func relOf[T, F any, Fld ~string](o Options, s Store, e funding.Entity[T, F, Fld], ref string, parents func(*T) []string) *relation[T, F, Fld] {
	r := &relation[T, F, Fld]{e: e, perParent: o.PerParent}
	r.list = rel(o, e.Plural, ref, func(ctx context.Context, w *funding.Within, a string) ([]*T, error) {
		q, err := decodeQuery[F, funding.Order[Fld]](a, w)
		if err != nil {
			return nil, err
		}
		return e.Find(s, ctx, q)
	}, parents, func(a string, xs []*T) []*T {
		if !strings.Contains(a, `"p":`) {
			return xs // the store's order
		}
		// A page per parent: the branches of a read come in no order, and a list
		// reference (a trust fund's agreements) hands a parent items of other parents'
		// branches too, which lie beyond its own page or repeat it.
		q, _ := decodeQuery[F, funding.Order[Fld]](a, &funding.Within{})
		return sorted(e, xs, q.Order)
	})
	name := e.Plural + "." + ref + ".count"
	r.count = NewLoader(func(ctx context.Context, keys []Key) ([]int, []error) {
		if o.Observe != nil {
			o.Observe(name, len(keys))
		}
		out, errs := make([]int, len(keys)), make([]error, len(keys))
		for a, idx := range byArgs(keys) {
			parents := make([]string, len(idx))
			for j, i := range idx {
				parents[j] = keys[i].Parent
			}
			n, err := s.CountWithin(ctx, e.Kind, &funding.Within{Ref: ref, IDs: parents}, decodeArgs(a))
			for _, i := range idx {
				out[i], errs[i] = n[keys[i].Parent], err
			}
		}
		return out, errs
	}, o.Wait)
	return r
}

// byArgs groups the indexes of keys by their arguments.
func byArgs(keys []Key) map[string][]int {
	out := map[string][]int{}
	for i, k := range keys {
		out[k.Args] = append(out[k.Args], i)
	}
	return out
}

// all loads all of parent's children, in id order.
func (r *relation[T, F, Fld]) all(ctx context.Context, parent string) ([]*T, error) {
	return r.list.Load(ctx, Key{Parent: parent})
}

// page loads the list of parent that q asks for: the whole list on the batched plan or
// without a limit, a page of it on the per-parent plan.
func (r *relation[T, F, Fld]) page(ctx context.Context, parent string, q funding.Query[F, funding.Order[Fld]]) (List[T], error) {
	return r.merged(ctx, []string{parent}, q)
}

// merged is page for the children of several parents, merged into one list in the order
// asked for (then by id), without repeats. A page per parent holds the merged list's page
// too: the first n+1 items of a union are among the first n+1 of its parts.
func (r *relation[T, F, Fld]) merged(ctx context.Context, parents []string, q funding.Query[F, funding.Order[Fld]]) (List[T], error) {
	if !r.perParent || q.Page.Limit == 0 {
		lists, err := r.list.LoadAll(ctx, keys(parents, argsKey(q.Filter, q.Order, nil)))
		if err != nil {
			return List[T]{}, err
		}
		if len(lists) == 1 {
			return whole(lists[0]), nil
		}
		return whole(sorted(r.e, slices.Concat(lists...), q.Order)), nil
	}
	lists, err := r.list.LoadAll(ctx, keys(parents, argsKey(q.Filter, q.Order, &q.Page)))
	if err != nil {
		return List[T]{}, err
	}
	items := lists[0]
	if len(lists) > 1 {
		items = sorted(r.e, slices.Concat(lists...), q.Order)
	}
	return List[T]{Items: items, Count: func(ctx context.Context) (int, error) {
		ns, err := r.count.LoadAll(ctx, keys(parents, argsKey(q.Filter, q.Order, nil)))
		total := 0
		for _, n := range ns {
			total += n
		}
		return total, err
	}}, nil
}

// rel makes a loader of the children (in collection coll) of parents by reference ref,
// named coll.ref for o.Observe. For each distinct set of arguments among the keys of
// a batch it runs one query for all their parents, and hands each parent its children in
// the query's order (or, if each is not nil, in the order each puts them in, given the
// arguments). parents says which parents a child belongs to (several, for list
// references). A query that fails fails the keys of its arguments only.
func rel[V any](o Options, coll, ref string, find func(ctx context.Context, w *funding.Within, args string) ([]V, error), parents func(V) []string, each func(args string, vs []V) []V) *Loader[Key, []V] {
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
			if each != nil && errs[i] == nil {
				out[i] = each(k.Args, out[i])
			}
		}
		return out, errs
	}, o.Wait)
}

type ctxKey struct{}

// lazy is a request's loaders, built at the first For: a request whose fields read no
// related objects (a top-level lookup or list alone) builds none.
type lazy struct {
	once sync.Once
	s    Store
	o    Options
	l    *Loaders
}

// Middleware puts fresh loaders over s, tuned by o, into each request's context.
func Middleware(s Store, o Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &lazy{s: s, o: o})))
	})
}

// ErrNoLoaders means a request reached a resolver without passing through Middleware.
var ErrNoLoaders = errors.New("loader: no loaders in context")

// For returns the request's loaders.
func For(ctx context.Context) (*Loaders, error) {
	lz, ok := ctx.Value(ctxKey{}).(*lazy)
	if !ok {
		return nil, ErrNoLoaders
	}
	lz.once.Do(func() { lz.l = New(lz.s, lz.o) })
	return lz.l, nil
}
