package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Page size limits of every connection.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// Connection is one page of a list in the Relay connection shape. The GraphQL connection
// types are aliases of it, one per entity.
type Connection[T any] struct {
	edges    []*Edge[T]
	pageInfo PageInfo
	count    func(context.Context) (int, error)
}

// Edge is one item of a page with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
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
)

// Edges returns the page's items with their cursors.
func (c *Connection[T]) Edges() []*Edge[T] { return c.edges }

// Nodes returns the page's items.
func (c *Connection[T]) Nodes() []T {
	out := make([]T, len(c.edges))
	for i, e := range c.edges {
		out[i] = e.Node
	}
	return out
}

// PageInfo returns where the page sits in the list.
func (c *Connection[T]) PageInfo() *PageInfo { return &c.pageInfo }

// TotalCount counts the whole list; it runs only when the field is selected.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) { return c.count(ctx) }

// page is a validated request for one page: at most first items after the item afterID.
type page struct {
	first   int
	afterID string
}

// newPage validates the first and after arguments of a connection field.
func newPage(first *int, after *string) (page, error) {
	p := page{first: defaultPageSize}
	if first != nil {
		if *first < 1 || *first > maxPageSize {
			return page{}, funding.Invalid("first", "first must be between 1 and %d, got %d", maxPageSize, *first)
		}
		p.first = *first
	}
	if after != nil {
		id, err := decodeCursor(*after)
		if err != nil {
			return page{}, err
		}
		p.afterID = id
	}
	return p, nil
}

// cursorData is what a cursor encodes: the position of an item in its list.
type cursorData struct {
	ID string `json:"id"`
}

func encodeCursor(id string) string {
	b, _ := json.Marshal(cursorData{ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (string, error) {
	var c cursorData
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return "", funding.Invalid("after", "%q is not a cursor returned by this API", s)
	}
	return c.ID, nil
}

// newConnection builds a page from items (at most first+1, in id order, starting after
// p.afterID). An extra item means there is a next page.
func newConnection[T any](items []T, p page, id func(T) string, count func(context.Context) (int, error)) *Connection[T] {
	c := &Connection[T]{count: count}
	c.pageInfo.HasPreviousPage = p.afterID != ""
	if len(items) > p.first {
		items = items[:p.first]
		c.pageInfo.HasNextPage = true
	}
	c.edges = make([]*Edge[T], len(items))
	for i, it := range items {
		c.edges[i] = &Edge[T]{Cursor: encodeCursor(id(it)), Node: it}
	}
	if len(c.edges) > 0 {
		c.pageInfo.StartCursor = &c.edges[0].Cursor
		c.pageInfo.EndCursor = &c.edges[len(c.edges)-1].Cursor
	}
	return c
}

// sliceConnection builds a page from the whole list all, sorted by id: nested lists are
// loaded whole in one batched read per level and paged here.
func sliceConnection[T any](all []T, p page, id func(T) string) *Connection[T] {
	start := 0
	if p.afterID != "" {
		start = sort.Search(len(all), func(i int) bool { return id(all[i]) > p.afterID })
	}
	c := newConnection(all[start:min(len(all), start+p.first+1)], p, id, func(context.Context) (int, error) { return len(all), nil })
	c.pageInfo.HasPreviousPage = start > 0
	return c
}
