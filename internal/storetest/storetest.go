// Package storetest gives tests a real store: an embedded FerretDB in a temporary
// directory, loaded with a dataset, with a counter of the commands the driver sends.
//
// With COOPGRAPH_TEST_MONGODB_URI set (for example mongodb://127.0.0.1:27017/), Open uses
// the MongoDB-compatible server at that address instead: a fresh database per test, named
// coopgraph_test_<random>, dropped when the test ends. Tests that need a store they can
// stop and start (StartRestartable) are skipped then.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

// URIVar names the environment variable that points the tests at an external store.
const URIVar = "COOPGRAPH_TEST_MONGODB_URI"

// ExternalURI returns the address of the external store the tests use
// (COOPGRAPH_TEST_MONGODB_URI), or "" when they use an embedded store.
func ExternalURI() string { return os.Getenv(URIVar) }

// SkipIfExternal skips the test when the tests use an external store; why says what
// the test needs that only an embedded store gives.
func SkipIfExternal(tb testing.TB, why string) {
	tb.Helper()
	if ExternalURI() != "" {
		tb.Skipf("%s is set: %s", URIVar, why)
	}
}

// Open starts an embedded FerretDB for the test, loads d into it (if d is not nil) and
// returns a store over it with its command counter (reset after loading). The monitors,
// if any, see every command too (loading included). Everything stops when the test ends.
//
// With COOPGRAPH_TEST_MONGODB_URI set, the store is a fresh database on that server
// instead, dropped when the test ends.
func Open(tb testing.TB, d *seed.Dataset, monitors ...*event.CommandMonitor) (*mongostore.Store, *Commands) {
	tb.Helper()
	ctx := context.Background()
	uri, dbName := ExternalURI(), "coopgraph"
	if uri != "" {
		dbName = freshDatabase(tb, uri)
	} else {
		e, err := embedded.Start(tb.TempDir(), io.Discard)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = e.Stop(10 * time.Second) })
		uri = e.URI()
	}
	cmds := &Commands{counts: map[string]int{}}
	s, err := mongostore.Connect(ctx, uri, dbName, mongostore.Options{Monitor: combine(append(monitors, &event.CommandMonitor{Started: cmds.started}))})
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

// freshDatabase returns the name of a new database on the server at uri, which is
// dropped (by a client of its own) when the test ends, after the test's own clients
// have closed.
func freshDatabase(tb testing.TB, uri string) string {
	tb.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	name := "coopgraph_test_" + hex.EncodeToString(b)
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		tb.Fatalf("%s=%s: %v", URIVar, uri, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, client.Database(name)); err != nil {
			tb.Errorf("drop the test database %s: %v", name, err)
		}
		_ = client.Disconnect(ctx)
	})
	return name
}

// dropDatabase drops db. A server without dropDatabase (the in-memory server of
// scripts/test-mongodb-compatible, which has no drop nor listCollections either) keeps
// it until it stops.
func dropDatabase(ctx context.Context, db *mongo.Database) error {
	err := db.Drop(ctx)
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Name == "CommandNotFound" {
		return nil
	}
	return err
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
// a temporary directory. It stops when the test ends. With COOPGRAPH_TEST_MONGODB_URI
// set, it skips the test: an external store cannot be stopped and started by it.
func StartRestartable(tb testing.TB) *Restartable {
	tb.Helper()
	SkipIfExternal(tb, "the test needs a store of its own to stop, restart or reach directly (an embedded one)")
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
