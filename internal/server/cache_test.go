package server_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/metrics"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestCachesBoundedByBytes floods the server with unique large documents (padded by a
// comment): those refused (they do not parse, are invalid, or are over a limit) are kept
// by no cache, and those that run are kept within each cache's byte budget, as
// coopgraph_cache_bytes on /metrics says.
func TestCachesBoundedByBytes(t *testing.T) {
	m := metrics.New()
	s, _ := storetest.Open(t, seed.Flanders())
	h := handlerWith(s, server.Deps{Metrics: m})
	pad := func(i int) string { return fmt.Sprintf("\n# %d %s\n", i, strings.Repeat("x", 100<<10)) }
	held := func() map[string]float64 { return series(gather(t, m), "coopgraph_cache_bytes") }
	apq := func(q string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
	}
	aliases := "{" + strings.Repeat(" a: __typename", server.DefaultLimits.Aliases+1) + " }"
	refused := []string{
		"{ __typename", // does not parse
		"{ nope }",     // invalid
		`{ donors(first: 100) { nodes { trustFunds(first: 100) { nodes { allocations { nodes { year } } } } } } }`, // over the cost limit
		aliases, // over a document limit
	}
	for i := range 50 {
		for _, q := range refused {
			q += pad(i)
			for _, body := range []map[string]any{{"query": q}, {"query": q, "extensions": apq(q)}} {
				if _, r := send(t, h, body, nil); len(r.Errors) == 0 {
					t.Fatalf("%.40q: no error", q)
				}
			}
		}
	}
	if got, want := held(), map[string]float64{"cache=query": 0, "cache=apq": 0, "cache=measured": 0}; !maps.Equal(got, want) {
		t.Errorf("after refused documents, the caches hold %v bytes; want none", got)
	}

	for i := range 300 {
		q := "{ __typename }" + pad(i)
		if _, r := send(t, h, map[string]any{"query": q, "extensions": apq(q)}, nil); len(r.Errors) > 0 {
			t.Fatalf("%+v", r.Errors)
		}
	}
	got := held()
	for cache, limit := range map[string]float64{"query": 32 << 20, "apq": 4 << 20, "measured": 1 << 20} { // cache.go
		if n := got["cache="+cache]; n <= 0 || n > limit {
			t.Errorf("%s cache: %v bytes after 300 documents of 100 KiB that ran; want some, at most %v", cache, n, limit)
		}
	}
	t.Logf("bytes held after 300 documents of 100 KiB: %v", got)
	// The last one is kept: sent by its hash alone, it runs.
	last := "{ __typename }" + pad(299)
	if _, r := send(t, h, map[string]any{"extensions": apq(last)}, nil); len(r.Errors) > 0 {
		t.Errorf("APQ by hash: %+v", r.Errors)
	}
}
