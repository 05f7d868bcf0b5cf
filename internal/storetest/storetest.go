// Package storetest gives tests a real store: an embedded FerretDB in a temporary
// directory, loaded with a dataset, with a counter of the commands the driver sends.
package storetest

import (
	"context"
	"io"
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
// returns a store over it with its command counter (reset after loading). Everything
// stops when the test ends.
func Open(tb testing.TB, d *seed.Dataset) (*mongostore.Store, *Commands) {
	tb.Helper()
	ctx := context.Background()
	e, err := embedded.Start(tb.TempDir(), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Stop(10 * time.Second) })
	cmds := &Commands{counts: map[string]int{}}
	s, err := mongostore.Connect(ctx, e.URI(), "coopgraph", &event.CommandMonitor{Started: cmds.started})
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
