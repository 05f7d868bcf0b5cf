package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// BenchmarkBaseline is internal/server's BenchmarkOwnCost for the baseline: the same
// three queries on the same data, with the same cpu-ms/op (the test process's CPU time
// per request), so that the two compare without a load run. With
// COOPGRAPH_TEST_MONGODB_URI pointing at a store in another process, the figures are the
// baseline's own (and the test's encoding and decoding):
//
//	COOPGRAPH_TEST_MONGODB_URI=mongodb://127.0.0.1:27017/ go test -run '^$' \
//	    -bench Baseline -benchtime 200x ./scripts/bench/baseline/
func BenchmarkBaseline(b *testing.B) {
	queries := map[string]string{}
	for _, e := range examples.All() {
		queries[e.Name] = e.Query
	}
	demo := Handler(benchDB(b, seed.Flanders()))
	synthetic := Handler(benchDB(b, seed.Synthetic(seed.SyntheticOptions{Donors: 10, Projects: 100, Allocations: 500, Seed: 1})))
	for _, c := range []struct {
		name, query string
		h           http.Handler
	}{
		{"trivial", TrivialQuery, demo},
		{"malawi", queries["01-country-to-donors"], demo},
		{"five", queries["02-five-levels"], synthetic},
	} {
		b.Run(c.name, func(b *testing.B) {
			var got map[string]any
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := json.Unmarshal(ask(b, c.h, c.query), &got); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// benchDB is open, or with COOPGRAPH_TEST_MONGODB_URI set a fresh database on that
// server, loaded with d and dropped when the benchmark ends.
func benchDB(b *testing.B, d *seed.Dataset) *mongo.Database {
	uri := storetest.ExternalURI()
	if uri == "" {
		return open(b, d)
	}
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		b.Fatal(err)
	}
	db := client.Database(fmt.Sprintf("baseline_bench_%d", time.Now().UnixNano()))
	b.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	s := mongostore.New(db)
	if err := s.EnsureIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	if err := seed.Load(ctx, s, d); err != nil {
		b.Fatal(err)
	}
	return db
}

// cpuTime is the CPU time the test process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
