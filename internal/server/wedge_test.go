package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestStoreWorkAlwaysEnds replays the shape that wedged the embedded store: four requests
// at once of 199 aliases, each a relation filter and a count (reads that hold a cursor),
// cut off by their deadline. Before, their cursors were closed with the requests' done
// contexts, so never killed, and held every connection of the store: each later read,
// and /readyz's, timed out for minutes. Now the aliases of a request take turns at the
// store (at most half the driver's pool at once for all requests), cursors are closed
// with a live context, and the store serves the next read at once. Run against a
// standalone FerretDB by scripts/test-external-store too.
func TestStoreWorkAlwaysEnds(t *testing.T) {
	var open, most atomic.Int64 // store commands started and not yet finished
	done := func() { open.Add(-1) }
	monitor := &event.CommandMonitor{
		Started: func(context.Context, *event.CommandStartedEvent) {
			n := open.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		},
		Succeeded: func(context.Context, *event.CommandSucceededEvent) { done() },
		Failed:    func(context.Context, *event.CommandFailedEvent) { done() },
	}
	d := seed.Flanders()
	s, _ := storetest.Open(t, d, monitor)
	limits := server.DefaultLimits
	limits.Cost, limits.Reads = 1<<30, 1<<30 // the shape itself, not the limits that refuse it
	h := server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(slog.DiscardHandler), NewID: mongostore.NewID,
		Limits: &limits, Load: &server.Load{RequestTimeout: 2 * time.Second, MaxInFlight: 32},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	storm := countsWithRelationFilters(d)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = postTo(t, srv.URL, storm)
		}()
	}
	wg.Wait()
	t.Logf("the four requests: statuses %v; at most %d store commands at once", statuses, most.Load())
	if m := most.Load(); m > 60 {
		t.Errorf("%d store commands at once: the requests' reads are not bounded (want at most half the pool, 50, and the lent reads of streams)", m)
	}

	// Then a read of the store and readiness answer: at once on an idle machine, after the
	// commands the four left running at the store end on a slow one (-race), never after
	// the minutes a wedge lasted.
	start := time.Now()
	var status int
	var body string
	for time.Since(start) < 30*time.Second {
		status, body = postTo(t, srv.URL, `{ donors(first: 2) { nodes { name } } }`)
		if status == http.StatusOK && strings.Contains(body, "Government of Flanders") {
			break
		}
	}
	t.Logf("a read answered %v after the four requests", time.Since(start).Round(time.Millisecond))
	if status != http.StatusOK || !strings.Contains(body, "Government of Flanders") {
		t.Errorf("a read after the four requests: %d %s", status, body)
	}
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after the four requests: %d", resp.StatusCode)
	}
	// Nothing is left running at the store.
	deadline := time.Now().Add(5 * time.Second)
	for open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d store commands still running after the requests ended", n)
	}
}

// postTo sends query to the server at url and returns the status and body.
func postTo(t *testing.T, url, query string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
