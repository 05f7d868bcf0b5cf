package server_test

import (
	"testing"

	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
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

// BenchmarkFilteredPage10k asks for one filtered, sorted page (with its total) over 10,000
// synthetic projects: the dashboard query of the query-language issue.
func BenchmarkFilteredPage10k(b *testing.B) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 10000, Allocations: 20000, Seed: 1})
	a := newAPI(b, d)
	q := `{ projects(filter: { countryCode: { in: ["` + busiestCountry(d) + `", "MZ"] }, status: { in: [ACTIVE, COMPLETED] },
	                    startsOn: { gte: "2005-01-01" } },
	           orderBy: [{ field: STARTS_ON, direction: DESC }], first: 20) {
	    totalCount pageInfo { hasNextPage endCursor } nodes { code title startsOn } } }`
	var got struct {
		Projects struct {
			TotalCount int
			Nodes      []any
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		a.query(b, q, nil, &got)
	}
	if len(got.Projects.Nodes) != 20 || got.Projects.TotalCount < 20 {
		b.Fatalf("page has %d of %d projects", len(got.Projects.Nodes), got.Projects.TotalCount)
	}
	b.ReportMetric(float64(a.cmds.Reads())/float64(b.N), "reads/op")
}

// benchmarkReport runs a converted COUNTRY × YEAR report over n synthetic allocations,
// end to end: the store filters and streams them, the server aggregates.
func benchmarkReport(b *testing.B, n int) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: max(n/10, 100), Allocations: n, Seed: 1})
	s, _ := storetest.Open(b, d)
	limits := server.DefaultLimits
	limits.Reads = 2 * n // --max-reads raised, as for a large store
	a := newLimitedAPI(b, s, limits, server.DefaultLoad)
	var got reportResult
	b.ReportAllocs()
	for b.Loop() {
		a.query(b, reportQuery, map[string]any{"g": []string{"COUNTRY", "YEAR"}, "c": "USD"}, &got)
	}
	if got.FundingReport.AllocationCount != n {
		b.Fatalf("report covers %d allocations, want %d", got.FundingReport.AllocationCount, n)
	}
	b.ReportMetric(float64(got.FundingReport.Rows.TotalCount), "rows")
}

func BenchmarkFundingReport1k(b *testing.B)  { benchmarkReport(b, 1_000) }
func BenchmarkFundingReport10k(b *testing.B) { benchmarkReport(b, 10_000) }
func BenchmarkFundingReport100k(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 allocations take about two minutes in the embedded store; run without -short")
	}
	benchmarkReport(b, 100_000)
}

// BenchmarkOwnCost runs the three queries of scripts/bench/run: the trivial query and
// the Malawi walk on the demo data, the five-level example on synthetic data (10 donors,
// 100 projects, 500 allocations). With COOPGRAPH_TEST_MONGODB_URI pointing at a store in
// another process, its allocations, CPU profile and cpu-ms/op (the test process's CPU
// time per request: the API's, plus the test's encoding of the request and decoding of
// the answer) are the API's own:
//
//	COOPGRAPH_TEST_MONGODB_URI=mongodb://127.0.0.1:27017/ go test -run '^$' \
//	    -bench OwnCost -benchtime 200x -cpuprofile cpu.out ./internal/server/
func BenchmarkOwnCost(b *testing.B) {
	queries := map[string]string{}
	for _, e := range examples.All() {
		queries[e.Name] = e.Query
	}
	demo := newAPI(b, seed.Flanders())
	synthetic := newAPI(b, seed.Synthetic(seed.SyntheticOptions{Donors: 10, Projects: 100, Allocations: 500, Seed: 1}))
	for _, c := range []struct {
		name, query string
		a           *api
	}{
		{"trivial", `{ country(code: "MW") { name } }`, demo},
		{"malawi", queries["01-country-to-donors"], demo},
		{"five", queries["02-five-levels"], synthetic},
	} {
		b.Run(c.name, func(b *testing.B) {
			var got map[string]any
			b.ReportAllocs()
			c.a.cmds.Reset()
			start := cpuTime()
			for b.Loop() {
				c.a.query(b, c.query, nil, &got)
			}
			b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(c.a.cmds.Reads())/float64(b.N), "reads/op")
		})
	}
}
