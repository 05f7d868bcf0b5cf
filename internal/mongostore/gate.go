package mongostore

import (
	"context"
	"sync"
)

// A read holds the store from its command until its cursor is closed: a connection of the
// driver's pool for each round trip, and, on FerretDB, one of its SQLite connections for
// as long as the cursor is open. Unbounded, the aliases of four requests opened a hundred
// cursors at once, each holding one of the embedded store's hundred SQLite connections
// while waiting for a getMore that needed a driver connection that a find waiting for a
// SQLite connection held: no read could finish until the requests' deadlines, and every
// later read timed out.
//
// So the reads of requests (those whose context went through Store.RequestScope) pass a
// gate: at most half the driver's pool are open at once (a report's stream lends its turn
// to the reads it makes while its cursor is open, so a turn may be two connections), and
// each request holds at most its fair share of that, the gate's size divided by the
// requests holding or waiting for a turn: alone, a request's aliases read in parallel;
// beside others, they wait their turn. Reads outside a request (the CLI, the import, the
// start-up) do not wait.
type gate struct {
	size int

	mu     sync.Mutex
	open   int             // turns held
	shares map[*share]bool // requests holding or waiting for a turn
	freed  chan struct{}   // closed (and replaced) when a turn is given back
}

// share is one request's use of the gate.
type share struct {
	g             *gate
	held, waiting int // guarded by g.mu
}

func newGate(poolSize uint64) *gate {
	return &gate{size: max(1, int(poolSize/2)), shares: map[*share]bool{}, freed: make(chan struct{})}
}

type (
	shareKey struct{}
	turnKey  struct{}
)

// RequestScope returns ctx for one request: its store reads pass the gate as one request.
func (s *Store) RequestScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, shareKey{}, &share{g: s.gate})
}

// enter waits for a turn of ctx's request, unless ctx already holds one (a read made
// while a stream of the same read is open) or belongs to no request. It returns the
// context to read with and the function that gives the turn back.
func enter(ctx context.Context) (context.Context, func(), error) {
	sh, _ := ctx.Value(shareKey{}).(*share)
	if sh == nil || ctx.Value(turnKey{}) != nil {
		return ctx, func() {}, nil
	}
	g := sh.g
	g.mu.Lock()
	sh.waiting++
	g.shares[sh] = true
	for g.open >= g.size || sh.held >= max(1, g.size/len(g.shares)) {
		freed := g.freed
		g.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			g.mu.Lock()
			sh.waiting--
			g.forget(sh)
			g.mu.Unlock()
			return ctx, func() {}, ctx.Err()
		}
		g.mu.Lock()
	}
	sh.waiting--
	sh.held++
	g.open++
	g.mu.Unlock()
	var once sync.Once
	return context.WithValue(ctx, turnKey{}, true), func() { once.Do(func() { g.leave(sh) }) }, nil
}

// leave gives back a turn of sh and wakes the waiters.
func (g *gate) leave(sh *share) {
	g.mu.Lock()
	defer g.mu.Unlock()
	sh.held--
	g.open--
	g.forget(sh)
}

// forget drops sh from the requests sharing the gate once it holds and waits for nothing,
// and wakes the waiters: a turn is free, or their shares grew.
func (g *gate) forget(sh *share) {
	if sh.held == 0 && sh.waiting == 0 {
		delete(g.shares, sh)
	}
	g.wake()
}

// wake wakes every waiter to look again.
func (g *gate) wake() {
	close(g.freed)
	g.freed = make(chan struct{})
}
