// Package storetest gives tests a real store: an embedded FerretDB in a temporary
// directory, loaded with a dataset, with a counter of the commands the driver sends.
package storetest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/embedded"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// Commands counts the commands a store's client sends, by command name.
type Commands struct {
	mu     sync.Mutex
	counts map[string]int
}

// Reset forgets the commands counted so far.
func (c *Commands) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

// Reads returns the number of find and aggregate commands counted.
func (c *Commands) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts["find"] + c.counts["aggregate"]
}

// Counts returns a copy of the counts by command name.
func (c *Commands) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

func (c *Commands) started(_ context.Context, e *event.CommandStartedEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[e.CommandName]++
}

// Open starts an embedded FerretDB for the test, loads d into it (if d is not nil) and
// returns a store over it with its command counter (reset after loading). The monitors,
// if any, see every command too (loading included). Everything stops when the test ends.
func Open(tb testing.TB, d *seed.Dataset, monitors ...*event.CommandMonitor) (*mongostore.Store, *Commands) {
	tb.Helper()
	ctx := context.Background()
	e, err := embedded.Start(tb.TempDir(), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Stop(10 * time.Second) })
	cmds := &Commands{counts: map[string]int{}}
	s, err := mongostore.Connect(ctx, e.URI(), "coopgraph", mongostore.Options{Monitor: combine(append(monitors, &event.CommandMonitor{Started: cmds.started}))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	if err := s.EnsureIndexes(ctx); err != nil {
		tb.Fatal(err)
	}
	if d != nil {
		if err := seed.Load(ctx, s, d); err != nil {
			tb.Fatal(err)
		}
	}
	cmds.Reset()
	return s, cmds
}

// combine returns a monitor that passes every event to each of ms.
func combine(ms []*event.CommandMonitor) *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			for _, m := range ms {
				if m.Started != nil {
					m.Started(ctx, e)
				}
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			for _, m := range ms {
				if m.Succeeded != nil {
					m.Succeeded(ctx, e)
				}
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			for _, m := range ms {
				if m.Failed != nil {
					m.Failed(ctx, e)
				}
			}
		},
	}
}

// Restartable is an embedded FerretDB that a test stops and starts again at the same
// loopback address over the same files, to take the store away from a running server
// and bring it back.
type Restartable struct {
	tb   testing.TB
	dir  string
	addr string
	e    *embedded.Store // nil while stopped
}

// StartRestartable starts an embedded FerretDB on a free loopback port with its files in
// a temporary directory. It stops when the test ends.
func StartRestartable(tb testing.TB) *Restartable {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &Restartable{tb: tb, dir: tb.TempDir(), addr: l.Addr().String()}
	_ = l.Close()
	r.Start()
	tb.Cleanup(func() {
		if r.e != nil {
			_ = r.e.Stop(10 * time.Second)
		}
	})
	return r
}

// URI is the store's address; it stays the same across restarts.
func (r *Restartable) URI() string { return "mongodb://" + r.addr + "/" }

// Stop stops the store and waits until it has closed its connections and files.
func (r *Restartable) Stop() {
	r.tb.Helper()
	if err := r.e.Stop(10 * time.Second); err != nil {
		r.tb.Fatal(err)
	}
	r.e = nil
}

// Start starts the store (again) at its address over its files. Start and Stop are
// called from the test's goroutine, one at a time.
func (r *Restartable) Start() {
	r.tb.Helper()
	e, err := embedded.StartAt(r.dir, r.addr, io.Discard)
	if err != nil {
		r.tb.Fatal(err)
	}
	r.e = e
}
