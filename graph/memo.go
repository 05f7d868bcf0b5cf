package graph

import (
	"context"
	"encoding/json"
	"sync"
)

// A request's memo of what its fields computed by reading whole collections (reports,
// series, flows): aliases that ask for the same one, with the same arguments, compute it
// once, and so do the pages of one CSV export. What they keep is read only.
type memo struct {
	mu   sync.Mutex
	done map[string]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
	err  error
}

type memoKey struct{}

// WithMemo returns ctx with an empty memo, for one request.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{done: map[string]*memoEntry{}})
}

// memoized returns what compute returns for the query q of kind, computed once per
// request (each time where ctx has no memo). A failure is kept too: the aliases that ask
// for the same thing fail alike.
func memoized[T, Q any](ctx context.Context, kind string, q Q, compute func(context.Context, Q) (T, error)) (T, error) {
	m, _ := ctx.Value(memoKey{}).(*memo)
	key, err := json.Marshal(q)
	if m == nil || err != nil {
		return compute(ctx, q)
	}
	m.mu.Lock()
	e := m.done[kind+string(key)]
	if e == nil {
		e = &memoEntry{}
		m.done[kind+string(key)] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v, e.err = compute(ctx, q) })
	v, _ := e.v.(T)
	return v, e.err
}
