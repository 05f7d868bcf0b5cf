package server

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
)

// Byte budgets of the server's caches: what a flood of unique large documents can keep
// live is their sum, about 37 MiB.
const (
	queryCacheBytes    = 32 << 20 // parsed and validated documents (gqlgen's query cache)
	apqCacheBytes      = 4 << 20  // automatic persisted queries, by hash
	measuredCacheBytes = 1 << 20  // documents found within the limits
)

// astBytesPerByte is what a parsed document keeps live per byte of its text, a bound
// measured on the README's examples (10 to 17 bytes).
const astBytesPerByte = 20

// entryOverhead is what an entry costs besides its value: the key's hash, the list
// element and the map entry.
const entryOverhead = 128

// cache is a least-recently-used cache bounded by bytes: each entry is charged the size
// of its key and value (size) and entryOverhead, and an entry larger than a quarter of the budget is not
// kept. Keys are stored as their SHA-256, so a long document is not kept twice. It is
// gqlgen's graphql.Cache.
type cache[T any] struct {
	budget int
	size   func(key string, value T) int
	onSize func(int) // told the bytes in use after each change (a metric), or nil

	mu    sync.Mutex
	used  int
	order *list.List // of *cacheEntry[T], most recently used first
	items map[[sha256.Size]byte]*list.Element
}

type cacheEntry[T any] struct {
	key   [sha256.Size]byte
	value T
	bytes int
}

var (
	_ graphql.Cache[*ast.QueryDocument] = (*cache[*ast.QueryDocument])(nil)
	_ graphql.Cache[string]             = (*cache[string])(nil)
)

func newCache[T any](budget int, size func(key string, value T) int, onSize func(int)) *cache[T] {
	return &cache[T]{budget: budget, size: size, onSize: onSize, order: list.New(), items: map[[sha256.Size]byte]*list.Element{}}
}

// Get returns the value kept under key.
func (c *cache[T]) Get(_ context.Context, key string) (T, bool) {
	k := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry[T]).value, true
	}
	var zero T
	return zero, false
}

// Add keeps value under key, dropping the least recently used entries to stay within the
// budget.
func (c *cache[T]) Add(_ context.Context, key string, value T) {
	n := c.size(key, value) + entryOverhead
	if n > c.budget/4 {
		return
	}
	k := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(k)
	c.items[k] = c.order.PushFront(&cacheEntry[T]{key: k, value: value, bytes: n})
	c.used += n
	for c.used > c.budget {
		c.remove(c.order.Back().Value.(*cacheEntry[T]).key)
	}
	c.report()
}

// Remove drops what is kept under key.
func (c *cache[T]) Remove(key string) {
	k := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.remove(k) {
		c.report()
	}
}

func (c *cache[T]) remove(k [sha256.Size]byte) bool {
	e, ok := c.items[k]
	if !ok {
		return false
	}
	c.order.Remove(e)
	delete(c.items, k)
	c.used -= e.Value.(*cacheEntry[T]).bytes
	return true
}

func (c *cache[T]) report() {
	if c.onSize != nil {
		c.onSize(c.used)
	}
}

// persisted is the cache of automatic persisted queries. gqlgen's extension adds a query
// as soon as its hash checks out, before it is parsed: here that Add does nothing, and the
// limiter keeps the query once it has validated and is within the limits (keep).
type persisted struct{ *cache[string] }

// Add does nothing: see keep.
func (persisted) Add(context.Context, string, string) {}

// keep keeps the query of rc if it came with its hash.
func (p persisted) keep(ctx context.Context, rc *graphql.OperationContext) {
	if s, ok := rc.Stats.GetExtension("APQ").(*extension.ApqStats); ok && s.SentQuery {
		p.cache.Add(ctx, s.Hash, rc.RawQuery)
	}
}

// docBytes is what a parsed document keeps live: its text (the AST holds it) and its
// nodes.
func docBytes(text string, _ *ast.QueryDocument) int { return len(text) * (1 + astBytesPerByte) }

// textBytes is what a persisted query keeps: its text.
func textBytes(_ string, text string) int { return len(text) }

// namesBytes is what a measured document keeps: the names of its Int variables.
func namesBytes(_ string, names []string) int {
	n := 0
	for _, s := range names {
		n += len(s) + 16
	}
	return n
}
