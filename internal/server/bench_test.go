package server_test

import (
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// BenchmarkTrivialQuery measures the fixed cost of a request: HTTP handling, parsing
// (cached after the first run), one loader read and the JSON response.
func BenchmarkTrivialQuery(b *testing.B) {
	a := newAPI(b, seed.Flanders())
	var got struct{ Country struct{ Name string } }
	b.ReportAllocs()
	for b.Loop() {
		a.query(b, `{ country(code: "MW") { name } }`, nil, &got)
	}
}

// BenchmarkFiveLevels runs the five-level query (donors → trust funds → allocations →
// project → countries) over synthetic data: 30 donors, 600 projects, 3000 allocations.
func BenchmarkFiveLevels(b *testing.B) {
	a := newAPI(b, seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 600, Allocations: 3000, Seed: 1}))
	var got struct{ Donors struct{ Nodes []any } }
	b.ReportAllocs()
	for b.Loop() {
		a.query(b, fiveLevels, nil, &got)
	}
	b.ReportMetric(float64(a.cmds.Reads())/float64(b.N), "reads/op")
}
