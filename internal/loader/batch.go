package loader

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultWait is how long a batch waits for another key before it is read, and
// DefaultMaxWaits how many waits it may wait at most, counted from its first key.
//
// A batch is read once no load has arrived for wait (a debounce: the resolvers of one
// level of a query hand in their keys one after another, and each load restarts the
// wait), or DefaultMaxWaits waits after its first key, or at maxBatch keys, whichever
// comes first. Nothing else in the process lengthens that window: a key alone is read
// after wait, however busy other goroutines are (before, a batch waited while any
// goroutine was runnable: 52 ms instead of 2 ms with one busy goroutine).
//
// Chosen by measurement on a 2-core machine (docs/benchmarks.md, "Issue 12"): while the
// process has a CPU, the keys of one level arrive microseconds apart, so 1 ms of quiet
// ends a level; but a level of 500 parents takes 10–40 ms to hand in all its keys, so a
// bound of 10 waits split the five-level query over 100 donors into 12–46 reads where 50
// waits kept it near 5. A split costs one more store read (run concurrently with the
// first), never one per parent.
const (
	DefaultWait     = time.Millisecond
	DefaultMaxWaits = 50 // the README and --batch-wait's usage name it
	maxBatch        = 1000
)

// Loader batches and caches the loads of one request: every key asked for while a batch
// is open goes to fetch in one call, and each key gets its own value or error.
type Loader[K comparable, V any] struct {
	fetch func(context.Context, []K) ([]V, []error)
	wait  time.Duration

	mu    sync.Mutex
	cache map[K]*result[V]
	open  *batch[K, V]
}

type result[V any] struct {
	done chan struct{}
	b    batchRef // the batch that reads it
	v    V
	err  error
}

// batchRef is a batch whatever its key and value types: what a result needs to read it.
type batchRef interface {
	due() <-chan struct{}
	dispatch()
}

type batch[K comparable, V any] struct {
	l       *Loader[K, V]
	ctx     context.Context
	keys    []K
	results []*result[V]
	started time.Time // when the first key arrived
	last    time.Time // when the latest load arrived
	timer   *time.Timer
	ready   chan struct{} // closed when the batch is due to be read
	closed  bool
}

// NewLoader returns a loader over fetch that waits wait (DefaultWait if 0) for more keys,
// and at most DefaultMaxWaits waits after a batch's first key.
// fetch returns one value per key, in key order, and either no errors, one error for all
// keys, or one error per key (nil for a key that succeeded; its value may then be
// missing). A fetch that returns other counts, or panics, fails every key of its batch
// with an error: it never takes the process down.
func NewLoader[K comparable, V any](fetch func(context.Context, []K) ([]V, []error), wait time.Duration) *Loader[K, V] {
	if wait <= 0 {
		wait = DefaultWait
	}
	return &Loader[K, V]{fetch: fetch, wait: wait} // the cache is made at the first load: most of a request's loaders see none
}

// Load returns the value of key, reading it with the other keys of its batch.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	r := l.enqueue(ctx, key)
	r.wait()
	return r.v, r.err
}

// wait waits for r. When r's batch is due, the first of its waiters to notice reads it,
// on its own goroutine: the timer's goroutine only says when. A resolver's goroutine has
// already grown the stack the driver needs; a new goroutine per read grew its stack
// four or five times, 5 % of a nested query's CPU.
func (r *result[V]) wait() {
	select {
	case <-r.done:
	case <-r.b.due():
		r.b.dispatch()
		<-r.done
	}
}

// LoadAll returns the values of keys, in order, read in one batch where possible; or the
// error of the first key that failed.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	rs := make([]*result[V], len(keys))
	for i, k := range keys {
		rs[i] = l.enqueue(ctx, k)
	}
	out := make([]V, len(keys))
	for i, r := range rs {
		r.wait()
		if r.err != nil {
			return nil, r.err
		}
		out[i] = r.v
	}
	return out, nil
}

// enqueue returns the cached result of key, or adds key to the open batch.
func (l *Loader[K, V]) enqueue(ctx context.Context, key K) *result[V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.open; b != nil {
		// Any load, even of a cached key, shows the resolvers are still at work.
		b.last = time.Now()
	}
	if r, ok := l.cache[key]; ok {
		return r
	}
	if l.cache == nil {
		l.cache = map[K]*result[V]{}
	}
	b := l.open
	if b == nil {
		now := time.Now()
		b = &batch[K, V]{l: l, ctx: ctx, started: now, last: now, ready: make(chan struct{})}
		b.timer = time.AfterFunc(l.wait, b.expire)
		l.open = b
	}
	r := &result[V]{done: make(chan struct{}), b: b}
	l.cache[key] = r
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	if len(b.keys) >= maxBatch {
		b.timer.Stop()
		go b.dispatch()
	}
	return r
}

// expire runs when b's timer fires: it marks the batch due (its waiters read it), or
// sets the timer again for the rest of its window.
func (b *batch[K, V]) expire() {
	l := b.l
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	left := min(l.wait-now.Sub(b.last), DefaultMaxWaits*l.wait-now.Sub(b.started))
	if !b.closed && left > 0 {
		b.timer.Reset(left)
		return
	}
	if l.open == b {
		l.open = nil // later keys go to a new batch
	}
	close(b.ready)
}

func (b *batch[K, V]) due() <-chan struct{} { return b.ready }

// dispatch closes batch b (once) and reads its keys.
func (b *batch[K, V]) dispatch() {
	l := b.l
	l.mu.Lock()
	if b.closed {
		l.mu.Unlock()
		return
	}
	b.closed = true
	if l.open == b {
		l.open = nil
	}
	l.mu.Unlock()

	vs, errs := l.call(b.ctx, b.keys)
	for i, r := range b.results {
		r.v, r.err = vs[i], errs[i]
		close(r.done)
	}
}

// call runs fetch and returns exactly one value and one error per key (see NewLoader).
func (l *Loader[K, V]) call(ctx context.Context, keys []K) (vs []V, errs []error) {
	n := len(keys)
	defer func() {
		if p := recover(); p != nil {
			vs, errs = make([]V, n), repeat(n, fmt.Errorf("loader: fetch panicked: %v", p))
		}
	}()
	vs, errs = l.fetch(ctx, keys)
	switch {
	case len(errs) == 0:
		errs = make([]error, n)
	case len(errs) == 1 && n != 1:
		errs = repeat(n, errs[0])
	case len(errs) != n:
		return make([]V, n), repeat(n, fmt.Errorf("loader: fetch returned %d errors for %d keys", len(errs), n))
	}
	if len(vs) != n {
		if vs != nil || !allFailed(errs) {
			return make([]V, n), repeat(n, fmt.Errorf("loader: fetch returned %d values for %d keys", len(vs), n))
		}
		vs = make([]V, n)
	}
	return vs, errs
}

// repeat returns n copies of err.
func repeat(n int, err error) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// allFailed reports whether every error is set.
func allFailed(errs []error) bool {
	for _, err := range errs {
		if err == nil {
			return false
		}
	}
	return true
}
