package server_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// returned counts the documents the store returns, by collection: the lengths of the
// firstBatch and nextBatch of every reply, as the driver's command monitor sees them.
type returned struct {
	mu   sync.Mutex
	coll map[int64]string // a command's collection, by request id
	docs map[string]int
}

func newReturned() *returned { return &returned{coll: map[int64]string{}, docs: map[string]int{}} }

func (r *returned) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.docs = map[string]int{}
}

func (r *returned) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.docs {
		n += d
	}
	return n
}

func (r *returned) of(coll string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.docs[coll]
}

func (r *returned) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			switch e.CommandName {
			case "find", "aggregate":
				r.coll[e.RequestID], _ = e.Command.Lookup(e.CommandName).StringValueOK()
			case "getMore":
				r.coll[e.RequestID], _ = e.Command.Lookup("collection").StringValueOK()
			}
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			coll, ok := r.coll[e.RequestID]
			if !ok {
				return
			}
			delete(r.coll, e.RequestID)
			for _, batch := range []string{"firstBatch", "nextBatch"} {
				if arr, ok := e.Reply.Lookup("cursor", batch).ArrayOK(); ok {
					vals, _ := arr.Values()
					r.docs[coll] += len(vals)
				}
			}
		},
	}
}

// TestNestedPagesReadWhatTheyReturn: on the per-parent plans a nested page reads at most
// first+1 documents per parent (at the last hop of Donor.allocations, per trust fund),
// where the batched plan reads every child, counted from the replies' batches; the issue's
// query on 30 donors, 600 projects and 3,000 allocations.
func TestNestedPagesReadWhatTheyReturn(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 600, Allocations: 3000, Seed: 1})
	docs := newReturned()
	s, _ := storetest.Open(t, d, docs.monitor())
	plans := []string{mongostore.NestedBatched, mongostore.NestedPerParentFind}
	if s.NestedReads() == mongostore.NestedPerParent {
		plans = append(plans, mongostore.NestedPerParent)
	}

	// What the query reaches: the first 10 donors by id, their trust funds, and the
	// allocations of those funds.
	donors := slices.Clone(d.Donors)
	slices.SortFunc(donors, func(a, b *funding.Donor) int { return funding.CompareKeys(a.ID, b.ID) })
	first := map[string]bool{}
	for _, dn := range donors[:10] {
		first[dn.ID] = true
	}
	funds := map[string]int{} // allocations per trust fund of those donors
	for _, tf := range d.TrustFunds {
		if first[tf.DonorID] {
			funds[tf.ID] = 0
		}
	}
	allocs := 0
	for _, a := range d.Allocations {
		if _, ok := funds[a.TrustFundID]; ok {
			funds[a.TrustFundID]++
			allocs++
		}
	}
	perFund := func(n int) int { // what a page of first n reads of each fund
		total := 0
		for _, c := range funds {
			total += min(c, n+1)
		}
		return total
	}

	for _, plan := range plans {
		a := &api{h: newHandler(s.WithNestedReads(plan), 0)}
		for _, c := range []struct {
			name, query string
			allocations int // documents of allocations the plan may return
		}{
			{"donors.allocations(first: 1)", `{ donors(first: 10) { nodes { name allocations(first: 1) { nodes { year } } } } }`, perFund(1)},
			{"donors.trustFunds.allocations(first: 2)", `{ donors(first: 10) { nodes { trustFunds { nodes { allocations(first: 2) { nodes { year } } } } } } }`, perFund(2)},
		} {
			docs.reset()
			var out struct{ Donors struct{ Nodes []any } }
			a.query(t, c.query, nil, &out)
			if len(out.Donors.Nodes) != 10 {
				t.Fatalf("%s: %d donors", c.name, len(out.Donors.Nodes))
			}
			got := docs.of("allocations")
			t.Logf("%s on the %s plan: %d documents returned (allocations %d, trust funds %d, donors %d)",
				c.name, plan, docs.total(), got, docs.of("trustFunds"), docs.of("donors"))
			if want := c.allocations; plan == mongostore.NestedBatched {
				if got != allocs {
					t.Errorf("%s, batched: %d allocations returned; want all %d of the donors' funds", c.name, got, allocs)
				}
			} else if got != want {
				t.Errorf("%s, %s: %d allocations returned; want %d, first+1 per fund of %d funds", c.name, plan, got, want, len(funds))
			}
			if docs.of("donors") != 11 || docs.of("trustFunds") != len(funds) {
				t.Errorf("%s, %s: %d donors, %d trust funds returned; want 11 (a page and one more) and the %d funds",
					c.name, plan, docs.of("donors"), docs.of("trustFunds"), len(funds))
			}
		}
	}
}

// TestCostCountsReads: the documents a query may read are counted (--max-reads). A nested list on
// the batched plan reads every child of its parents, so the same query passes on a small
// store and is refused on a larger one, naming the list; on the per-parent plan it reads
// first+1 per parent and passes on both.
func TestCostCountsReads(t *testing.T) {
	const query = `{ donors(first: 2) { nodes { name allocations(first: 1) { nodes { year } } } } }`
	limits := server.DefaultLimits
	limits.Reads = 1000
	for _, c := range []struct {
		allocations int
		refused     bool // on the batched plan
	}{{300, false}, {3000, true}} {
		d := seed.Synthetic(seed.SyntheticOptions{Donors: 6, Projects: 100, Allocations: c.allocations, Seed: 1})
		s, _ := storetest.Open(t, d)
		for _, plan := range []string{mongostore.NestedBatched, mongostore.NestedPerParentFind} {
			ps := s.WithNestedReads(plan)
			a := &api{h: server.NewServer(server.Deps{
				Store: ps, Ping: ps.Ping, Log: slog.New(slog.DiscardHandler), NewID: mongostore.NewID,
				Limits: &limits, PerParent: plan != mongostore.NestedBatched,
			})}
			code, r := a.post(t, query, nil)
			refused := plan == mongostore.NestedBatched && c.refused
			if !refused {
				if code != 200 || len(r.Errors) > 0 {
					t.Errorf("%d allocations, %s: status %d, errors %+v; want an answer", c.allocations, plan, code, r.Errors)
				}
				continue
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || r.Data != nil {
				t.Fatalf("%d allocations, %s: data %s, errors %+v; want COMPLEXITY_LIMIT_EXCEEDED", c.allocations, plan, r.Data, r.Errors)
			}
			msg := r.Errors[0].Message
			if !strings.Contains(msg, "donors.nodes.allocations may read up to") || !strings.Contains(msg, "allocations") {
				t.Errorf("message %q does not name the list that reads the most", msg)
			}
			if reads, _ := r.Errors[0].Extensions["reads"].(float64); int(reads) < c.allocations {
				t.Errorf("reads %v; want at least the %d allocations the list may read", reads, c.allocations)
			}
		}
	}
}

// BenchmarkNestedPages runs the nested query (10 donors, one allocation each)
// over 30 donors, 600 projects and 3,000 allocations on each plan the store runs well
// (all three with COOPGRAPH_TEST_MONGODB_URI on a MongoDB-compatible server), and reports
// the documents the store returned per query.
func BenchmarkNestedPages(b *testing.B) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 600, Allocations: 3000, Seed: 1})
	docs := newReturned()
	s, _ := storetest.Open(b, d, docs.monitor())
	plans := []string{mongostore.NestedBatched}
	if s.NestedReads() == mongostore.NestedPerParent {
		// On the embedded FerretDB, a find per parent decodes the whole collection
		// each time: seconds per query (docs/benchmarks.md).
		plans = append(plans, mongostore.NestedPerParent, mongostore.NestedPerParentFind)
	}
	const query = `{ donors(first: 10) { nodes { name allocations(first: 1) { nodes { year } } } } }`
	for _, plan := range plans {
		b.Run(plan, func(b *testing.B) {
			a := &api{h: newHandler(s.WithNestedReads(plan), 0)}
			var got struct{ Donors struct{ Nodes []any } }
			docs.reset()
			b.ReportAllocs()
			for b.Loop() {
				a.query(b, query, nil, &got)
			}
			b.ReportMetric(float64(docs.total())/float64(b.N), "docs/op")
		})
	}
}
