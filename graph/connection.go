package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// Page size limits of every connection.
const (
	defaultPageSize = 50
	maxPageSize     = 100
	maxOrderKeys    = 5
)

// Connection is one page of a list in the Relay connection shape. The GraphQL connection
// types are aliases of it, one per entity. Cursors are made only when a query selects
// them (an edge's cursor, pageInfo's startCursor or endCursor): each is an HMAC.
type Connection[T any] struct {
	items    []T
	cursor   func(i int) string // the cursor of items[i]
	pageInfo PageInfo
	count    func(context.Context) (int, error)
}

// Edge is one item of a page with its cursor.
type Edge[T any] struct {
	Node T
	c    *Connection[T]
	i    int
}

// Cursor is the edge's cursor.
func (e *Edge[T]) Cursor() string { return e.c.cursor(e.i) }

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	n               int                // the page's items
	cursor          func(i int) string // the cursor of the page's item i
}

// StartCursor is the cursor of the page's first item, nil if the page is empty.
func (p *PageInfo) StartCursor() *string { return p.cursorOf(0) }

// EndCursor is the cursor of the page's last item, nil if the page is empty.
func (p *PageInfo) EndCursor() *string { return p.cursorOf(p.n - 1) }

func (p *PageInfo) cursorOf(i int) *string {
	if p.n == 0 {
		return nil
	}
	c := p.cursor(i)
	return &c
}

// newPage returns the connection of items, whose cursors cursor makes, counted by count.
func newPage[T any](items []T, cursor func(i int) string, count func(context.Context) (int, error)) *Connection[T] {
	return &Connection[T]{items: items, cursor: cursor, pageInfo: PageInfo{n: len(items), cursor: cursor}, count: count}
}

// The connection and edge types of the schema.
type (
	CountryConnection    = Connection[*funding.Country]
	CountryEdge          = Edge[*funding.Country]
	DonorConnection      = Connection[*funding.Donor]
	DonorEdge            = Edge[*funding.Donor]
	AgreementConnection  = Connection[*funding.Agreement]
	AgreementEdge        = Edge[*funding.Agreement]
	TrustFundConnection  = Connection[*funding.TrustFund]
	TrustFundEdge        = Edge[*funding.TrustFund]
	AllocationConnection = Connection[*funding.Allocation]
	AllocationEdge       = Edge[*funding.Allocation]
	ProjectConnection    = Connection[*funding.Project]
	ProjectEdge          = Edge[*funding.Project]
	AuditEntryConnection = Connection[*funding.AuditEntry]
	AuditEntryEdge       = Edge[*funding.AuditEntry]
)

// Edges returns the page's items with their cursors.
func (c *Connection[T]) Edges() []*Edge[T] {
	out := make([]*Edge[T], len(c.items))
	for i, it := range c.items {
		out[i] = &Edge[T]{Node: it, c: c, i: i}
	}
	return out
}

// Nodes returns the page's items.
func (c *Connection[T]) Nodes() []T { return c.items }

// PageInfo returns where the page sits in the list.
func (c *Connection[T]) PageInfo() *PageInfo { return &c.pageInfo }

// TotalCount counts the whole list; it runs only when the field is selected.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) { return c.count(ctx) }

// list is the validated arguments of a list field.
type list[F any, Fld ~string] struct {
	filter *F
	order  []funding.Order[Fld]
	page   funding.Page
	sig    string  // the order, as cursors record it
	cur    cursors // the list's cursors
}

// listArgs validates the arguments every list field takes: filter, orderBy, first, after,
// last, before. cur is the list's cursors (Resolver.cursors): after and before must be
// cursors of this list and order.
func listArgs[F any, PF interface {
	*F
	Validate(string) error
}, Fld ~string](cur cursors, filter PF, orderBy []*funding.Order[Fld], first *int, after *string, last *int, before *string) (list[F, Fld], error) {
	l := list[F, Fld]{cur: cur}
	if err := filter.Validate("filter"); err != nil {
		return l, err
	}
	l.filter = (*F)(filter)
	if len(orderBy) > maxOrderKeys {
		return l, funding.Invalid("orderBy", "at most %d sort keys, got %d", maxOrderKeys, len(orderBy))
	}
	var sig []string
	for _, o := range orderBy {
		if o.Direction == "" {
			o.Direction = funding.ASC
		}
		l.order = append(l.order, *o)
		sig = append(sig, fmt.Sprintf("%s:%s", o.Field, o.Direction))
	}
	l.sig = strings.Join(sig, ",")
	size := func(field string, n *int) (int, error) {
		if n == nil {
			return defaultPageSize, nil
		}
		if *n < 1 || *n > maxPageSize {
			return 0, funding.Invalid(field, "%s must be between 1 and %d, got %d", field, maxPageSize, *n)
		}
		return *n, nil
	}
	var err error
	switch {
	case first != nil && last != nil:
		return l, funding.Invalid("last", "give first or last, not both")
	case last != nil:
		l.page.FromEnd = true
		l.page.Limit, err = size("last", last)
	default:
		l.page.Limit, err = size("first", first)
	}
	if err != nil {
		return l, err
	}
	if l.page.After, err = cur.decode("after", after, l.sig, len(l.order)); err != nil {
		return l, err
	}
	l.page.Before, err = cur.decode("before", before, l.sig, len(l.order))
	return l, err
}

// derefs turns gqlgen's list of input pointers into values.
func derefs[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// keyset is the position of item in the order of l.
func keyset[T, F any, Fld ~string](l list[F, Fld], e funding.Entity[T, F, Fld], item *T) funding.Keyset {
	vals := make([]any, len(l.order))
	for i, o := range l.order {
		vals[i] = e.SortKey(item, o.Field)
	}
	return funding.Keyset{Values: vals, ID: e.LocalID(item)}
}

// newConnection builds the connection of items, a page of l (with one extra item beyond
// the page's far end when there is more in that direction).
func newConnection[T, F any, Fld ~string](items []*T, l list[F, Fld], e funding.Entity[T, F, Fld], count func(context.Context) (int, error)) *Connection[*T] {
	more := len(items) > l.page.Limit
	var next, prev bool
	if l.page.FromEnd {
		if more {
			items = items[len(items)-l.page.Limit:]
		}
		prev, next = more, l.page.Before != nil
	} else {
		if more {
			items = items[:l.page.Limit]
		}
		next, prev = more, l.page.After != nil
	}
	c := newPage(items, func(i int) string { return l.cur.encode(l.sig, keyset(l, e, items[i])) }, count)
	c.pageInfo.HasNextPage, c.pageInfo.HasPreviousPage = next, prev
	return c
}

// storePage reads one page of a top-level list from the store: a keyset query for one
// item more than the page, and a count only if totalCount is selected.
func storePage[T, F any, Fld ~string](ctx context.Context, l list[F, Fld], e funding.Entity[T, F, Fld], s funding.Reader) (*Connection[*T], error) {
	p := l.page
	p.Limit++
	items, err := e.Find(s, ctx, funding.Query[F, funding.Order[Fld]]{Filter: l.filter, Order: l.order, Page: p})
	if err != nil {
		return nil, err
	}
	return newConnection(items, l, e, func(ctx context.Context) (int, error) { return e.Count(s, ctx, l.filter) }), nil
}

// nestedPage pages a nested list. load reads it through the request's loaders (one
// batched read per level for all parents): on the batched plan the whole list, filtered
// and sorted; on the per-parent plan one item more than the page from the window's start
// (or end) and one item beyond each cursor (loader.List). The page is cut here, in the
// same way for both, so both answer the same page, cursors and pageInfo.
func nestedPage[T, F any, Fld ~string](ctx context.Context, l list[F, Fld], e funding.Entity[T, F, Fld],
	load func(*loader.Loaders, funding.Query[F, funding.Order[Fld]]) (loader.List[T], error),
) (*Connection[*T], error) {
	ld, err := loader.For(ctx)
	if err != nil {
		return nil, err
	}
	p := l.page
	p.Limit++
	got, err := load(ld, funding.Query[F, funding.Order[Fld]]{Filter: l.filter, Order: l.order, Page: p})
	if err != nil {
		return nil, err
	}
	all := got.Items
	// The window between the cursors, then its first or last items.
	cmp := func(it *T, pos *funding.Keyset) int {
		ks := keyset(l, e, it)
		for i, o := range l.order {
			c := funding.CompareKeys(ks.Values[i], pos.Values[i])
			if o.Direction == funding.DESC {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return strings.Compare(ks.ID, pos.ID)
	}
	lo, hi := 0, len(all)
	for lo < hi && l.page.After != nil && cmp(all[lo], l.page.After) <= 0 {
		lo++
	}
	for hi > lo && l.page.Before != nil && cmp(all[hi-1], l.page.Before) >= 0 {
		hi--
	}
	if l.page.FromEnd {
		lo = max(lo, hi-l.page.Limit)
	} else {
		hi = min(hi, lo+l.page.Limit)
	}
	c := newConnection(all[lo:hi], l, e, got.Count)
	c.pageInfo.HasPreviousPage, c.pageInfo.HasNextPage = lo > 0, hi < len(all)
	return c, nil
}
