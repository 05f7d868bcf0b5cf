package loader

import (
	"context"
	"runtime/metrics"
	"sync"
	"time"
)

// Batching parameters. A batch is read once no new key has arrived for wait, or maxWait
// after its first key, or as soon as it holds maxBatch keys.
//
// The wait restarts with every key (unlike a fixed window counted from the first key):
// under load, the resolvers of one level of a query hand in their keys over more than a
// couple of milliseconds, and a fixed window would split them into several reads.
const (
	wait     = 2 * time.Millisecond
	maxWait  = 250 * time.Millisecond
	maxBatch = 1000
)

// Loader batches and caches the loads of one request: every key asked for while a batch
// is open goes to fetch in one call. fetch returns one value per key, in key order.
type Loader[K comparable, V any] struct {
	fetch func(context.Context, []K) ([]V, error)

	mu    sync.Mutex
	cache map[K]*result[V]
	open  *batch[K, V]
}

type result[V any] struct {
	done chan struct{}
	v    V
	err  error
}

type batch[K comparable, V any] struct {
	ctx     context.Context
	keys    []K
	results []*result[V]
	started time.Time // when the first key arrived
	last    time.Time // when the latest key arrived
	timer   *time.Timer
	closed  bool
}

// NewLoader returns a loader over fetch.
func NewLoader[K comparable, V any](fetch func(context.Context, []K) ([]V, error)) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, cache: map[K]*result[V]{}}
}

// Load returns the value of key, reading it with the other keys of its batch.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	r := l.enqueue(ctx, key)
	<-r.done
	return r.v, r.err
}

// LoadAll returns the values of keys, in order, read in one batch where possible.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	rs := make([]*result[V], len(keys))
	for i, k := range keys {
		rs[i] = l.enqueue(ctx, k)
	}
	out := make([]V, len(keys))
	for i, r := range rs {
		<-r.done
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
	if r, ok := l.cache[key]; ok {
		return r
	}
	r := &result[V]{done: make(chan struct{})}
	l.cache[key] = r
	b := l.open
	if b == nil {
		b = &batch[K, V]{ctx: ctx, started: time.Now()}
		b.timer = time.AfterFunc(wait, func() { l.expire(b) })
		l.open = b
	}
	b.last = time.Now()
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	if len(b.keys) >= maxBatch {
		b.timer.Stop()
		go l.dispatch(b)
	}
	return r
}

// expire runs when b's timer fires. It reads the batch once no key has arrived for wait
// and no other goroutine is ready to run (one of them may be a resolver about to hand in
// a key: on a busy machine the process can be descheduled for longer than wait), or once
// the batch is maxWait old. Otherwise it waits on.
func (l *Loader[K, V]) expire(b *batch[K, V]) {
	l.mu.Lock()
	quiet, age := time.Since(b.last), time.Since(b.started)
	if !b.closed && age < maxWait && (quiet < wait || schedulerBusy()) {
		b.timer.Reset(min(max(wait-quiet, wait/4), maxWait-age))
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.dispatch(b)
}

// dispatch closes batch b (once) and reads its keys.
func (l *Loader[K, V]) dispatch(b *batch[K, V]) {
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

	vs, err := l.fetch(b.ctx, b.keys)
	for i, r := range b.results {
		if err != nil {
			r.err = err
		} else {
			r.v = vs[i]
		}
		close(r.done)
	}
}

// schedulerBusy reports whether goroutines other than the caller are running or ready to.
func schedulerBusy() bool {
	samples := []metrics.Sample{
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/running:goroutines"},
	}
	metrics.Read(samples)
	for i, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			return false // metric unknown to this Go version: fall back to the quiet time alone
		}
		if n := s.Value.Uint64(); (i == 0 && n > 0) || (i == 1 && n > 1) {
			return true
		}
	}
	return false
}
