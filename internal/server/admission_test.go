package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/metrics"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// The admission tests hold operations in flight with a command monitor that blocks the
// store's reads of the projects collection until the test releases them: heavyQuery reads
// it (lane reads_100: a scan counts 100), lookupQuery does not (lane reads_1).
const (
	heavyQuery  = `{ projects(first: 5) { totalCount nodes { title } } }`
	lookupQuery = `{ country(code: "MW") { name } }`
)

// admissionRig is a real server over an embedded store whose reads of projects block
// while armed.
type admissionRig struct {
	srv     *httptest.Server
	m       *metrics.Metrics
	log     *requestLines
	armed   atomic.Bool
	started chan struct{} // a blocked read began
	release chan struct{} // closed: blocked reads go on
	once    sync.Once
}

func newAdmissionRig(t *testing.T, load server.Load) *admissionRig {
	t.Helper()
	r := &admissionRig{m: metrics.New(), log: &requestLines{}, started: make(chan struct{}, 64), release: make(chan struct{})}
	block := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if coll, _ := e.Command.Lookup("find").StringValueOK(); coll == "projects" && r.armed.Load() {
			r.started <- struct{}{}
			<-r.release
		}
	}}
	s, _ := storetest.Open(t, seed.Flanders(), block)
	h := server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(r.log), NewID: mongostore.NewID, Metrics: r.m, Load: &load,
		PerParent: s.NestedReads() != mongostore.NestedBatched,
	})
	r.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		r.unblock()
		r.srv.Close()
	})
	r.armed.Store(true)
	return r
}

// unblock lets every blocked read go on.
func (r *admissionRig) unblock() {
	r.once.Do(func() {
		r.armed.Store(false)
		close(r.release)
	})
}

// send posts query in the background; its reply comes on the returned channel.
func (r *admissionRig) send(ctx context.Context, query string) <-chan reply {
	out := make(chan reply, 1)
	go func() { out <- r.post(ctx, query) }()
	return out
}

type reply struct {
	status     int
	retryAfter string
	body       string
	err        error
}

func (r *admissionRig) post(ctx context.Context, query string) reply {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	return reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: b.String(), err: err}
}

// gauge is the value of the admission series name for lane.
func (r *admissionRig) gauge(t *testing.T, name, lane string) float64 {
	t.Helper()
	return series(gather(t, r.m), name)["lane="+lane]
}

// await waits, without bound on a loaded machine but failing after a minute, until cond
// holds: a wait for a state, not a timed assertion.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

func ok(t *testing.T, what string, a reply) {
	t.Helper()
	if a.err != nil || a.status != http.StatusOK || strings.Contains(a.body, `"errors"`) {
		t.Errorf("%s: status %d, error %v, body %.300s", what, a.status, a.err, a.body)
	}
}

// TestAdmissionLanes: with the heavy lane full (one heavy query held at the store, the
// lane's limit being 1 at first with a ceiling of 2) a second heavy query waits in its
// queue, a lookup is admitted in its own lane and answered, and once the held read goes
// on the queued query is admitted and answered too.
func TestAdmissionLanes(t *testing.T) {
	r := newAdmissionRig(t, server.Load{MaxInFlight: 2, RequestTimeout: time.Minute})
	ctx := context.Background()
	first := r.send(ctx, heavyQuery)
	<-r.started
	second := r.send(ctx, heavyQuery)
	await(t, "the second heavy query to queue", func() bool { return r.gauge(t, "coopgraph_admission_queued", "reads_100") == 1 })
	if got := r.gauge(t, "coopgraph_admission_running", "reads_100"); got != 1 {
		t.Errorf("heavy lane running %v, want 1", got)
	}
	ok(t, "a lookup while the heavy lane is full", r.post(ctx, lookupQuery))
	if got := r.gauge(t, "coopgraph_admission_queued", "reads_100"); got != 1 {
		t.Errorf("after the lookup, heavy queue %v, want 1 (the second heavy query still waits)", got)
	}
	r.unblock()
	ok(t, "the held heavy query", <-first)
	ok(t, "the queued heavy query, once a slot freed", <-second)
	if got := r.gauge(t, "coopgraph_admission_queued", "reads_100"); got != 0 {
		t.Errorf("heavy queue %v after both, want 0", got)
	}
	if got := r.gauge(t, "coopgraph_admission_limit", "reads_100"); got < 1 || got > 2 {
		t.Errorf("heavy lane limit %v, want within [1, 2]", got)
	}
}

// TestAdmissionQueueTimeout: a query that cannot start within its lane's queue target (at
// most a quarter of the request timeout: 250 ms here) is answered 503 OVERLOADED with
// Retry-After of at least a second, counted as shed for queue_timeout and logged so; the
// server then answers the next query.
func TestAdmissionQueueTimeout(t *testing.T) {
	r := newAdmissionRig(t, server.Load{MaxInFlight: 1, RequestTimeout: time.Second})
	ctx := context.Background()
	held := r.send(ctx, heavyQuery)
	<-r.started
	a := r.post(ctx, lookupQuery) // another lane, but the ceiling is 1
	n, _ := strconv.Atoi(a.retryAfter)
	if a.status != http.StatusServiceUnavailable || n < 1 || !strings.Contains(a.body, "OVERLOADED") {
		t.Errorf("a query that could not start: status %d, Retry-After %q, body %s; want 503, ≥ 1, OVERLOADED", a.status, a.retryAfter, a.body)
	}
	r.unblock()
	<-held // its deadline passed while held: it may be a TIMEOUT
	ok(t, "the next query", r.post(ctx, lookupQuery))
	if got := series(gather(t, r.m), "coopgraph_requests_shed_total")["reason=queue_timeout"]; got != 1 {
		t.Errorf("shed for queue_timeout: %v, want 1", got)
	}
	if got := r.log.count(func(l map[string]any) bool { return l["shed"] == metrics.QueueTimeout && l["status"] == int64(503) }); got != 1 {
		t.Errorf("%d request lines with shed=queue_timeout and status 503, want 1: %v", got, r.log.all())
	}
}

// TestAdmissionCanceledLeavesQueue: a queued query whose client goes away leaves the
// queue while the slot it waited for is still taken.
func TestAdmissionCanceledLeavesQueue(t *testing.T) {
	r := newAdmissionRig(t, server.Load{MaxInFlight: 1, RequestTimeout: time.Minute})
	held := r.send(context.Background(), heavyQuery)
	<-r.started
	ctx, cancel := context.WithCancel(context.Background())
	queued := r.send(ctx, heavyQuery)
	await(t, "the second query to queue", func() bool { return r.gauge(t, "coopgraph_admission_queued", "reads_100") == 1 })
	cancel()
	await(t, "the canceled query to leave the queue", func() bool { return r.gauge(t, "coopgraph_admission_queued", "reads_100") == 0 })
	if got := r.gauge(t, "coopgraph_admission_running", "reads_100"); got != 1 {
		t.Errorf("running %v, want 1: the held query only", got)
	}
	if a := <-queued; a.err == nil {
		t.Errorf("the canceled request was answered: %d %s", a.status, a.body)
	}
	r.unblock()
	ok(t, "the held query", <-held)
	ok(t, "the next query", r.post(context.Background(), heavyQuery))
}

// TestDisconnectStopsStoreWork: a client that goes away in the middle of a heavy query
// (199 counts over 3,000 allocations) stops its store work: once the server has logged
// the request, no command on allocations starts any more, fewer were started than the
// query needs, and the server answers the next request.
func TestDisconnectStopsStoreWork(t *testing.T) {
	var onAllocations atomic.Int64
	var counting atomic.Bool // not while the store is loaded
	begun := make(chan struct{})
	var once sync.Once
	monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if !counting.Load() {
			return
		}
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		if c, ok := e.Command.Lookup("collection").StringValueOK(); ok {
			coll = c // getMore
		}
		if coll == "allocations" && onAllocations.Add(1) >= 5 {
			once.Do(func() { close(begun) })
		}
	}}
	s, _ := storetest.Open(t, seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 300, Allocations: 3000, Seed: 1}), monitor)
	limits := server.DefaultLimits
	limits.Cost, limits.Reads = 1<<30, 1<<30 // the work itself, not the limits that refuse it
	lines := &requestLines{}
	srv := httptest.NewServer(server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(lines), NewID: mongostore.NewID, Limits: &limits,
		PerParent: s.NestedReads() != mongostore.NestedBatched,
	}))
	defer srv.Close()
	counting.Store(true)

	var aliases []string
	for i := range 199 {
		aliases = append(aliases, fmt.Sprintf(`a%d: allocations(first: 1, filter: {year: {gte: %d}}) { totalCount }`, i, 1900+i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &admissionRig{srv: srv}
	gone := r.send(ctx, "{ "+strings.Join(aliases, "\n")+" }")
	<-begun
	cancel()
	if a := <-gone; a.err == nil {
		t.Fatalf("the heavy query was answered before the cancel: %d", a.status)
	}
	await(t, "the server to end the canceled request", func() bool {
		return lines.count(func(l map[string]any) bool { return l["canceled"] == true }) == 1
	})
	settled := onAllocations.Load()
	ok(t, "the next request", r.post(context.Background(), lookupQuery))
	if after := onAllocations.Load(); after != settled {
		t.Errorf("%d commands on allocations started after the canceled request ended", after-settled)
	}
	if settled >= 2*199 {
		t.Errorf("%d commands on allocations: the whole query ran, want it stopped", settled)
	}
	t.Logf("%d commands on allocations before the canceled request ended (the whole query: about %d)", settled, 2*199)
}

// requestLines is a slog handler that keeps the attributes of the request lines.
type requestLines struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (h *requestLines) Enabled(context.Context, slog.Level) bool { return true }
func (h *requestLines) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *requestLines) WithGroup(string) slog.Handler            { return h }

func (h *requestLines) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "request" {
		return nil
	}
	l := map[string]any{}
	rec.Attrs(func(a slog.Attr) bool {
		l[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, l)
	return nil
}

func (h *requestLines) count(match func(map[string]any) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, l := range h.lines {
		if match(l) {
			n++
		}
	}
	return n
}

func (h *requestLines) all() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.lines...)
}
