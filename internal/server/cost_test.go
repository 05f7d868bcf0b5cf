package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// scanned is what the cost counts for scanning a collection of n documents (at least
// graph's minScan, 100).
func scanned(n int) int { return max(n, 100) }

// TestCostCountsScans: reports, counts, searches and relation filters read whole
// collections whatever their page, and cost what they read, so a query made of them is
// refused before it runs, naming the field that reads the most.
func TestCostCountsScans(t *testing.T) {
	const report = `{ fundingReport { total { amount } } }`
	reportReads := func(d *seed.Dataset) int { // the scans; the cost is its three fields
		return scanned(len(d.Allocations)) + scanned(len(d.TrustFunds)) + scanned(len(d.Projects))
	}
	t.Run("ReportOverMoreData", func(t *testing.T) {
		limits := server.DefaultLimits
		limits.Reads = 2000
		for _, d := range []*seed.Dataset{seed.Flanders(), seed.Synthetic(seed.SyntheticOptions{Donors: 6, Projects: 100, Allocations: 2000, Seed: 1})} {
			s, _ := storetest.Open(t, d)
			a := newLimitedAPI(t, s, limits, server.DefaultLoad)
			code, r := a.post(t, report, nil)
			want := reportReads(d)
			if want <= limits.Reads {
				if code != 200 || len(r.Errors) > 0 || r.Extensions["cost"] != float64(3) || r.Extensions["reads"] != float64(want) {
					t.Errorf("%d allocations: status %d, errors %+v, extensions %v; want an answer costing 3 and reading %d", len(d.Allocations), code, r.Errors, r.Extensions, want)
				}
				continue
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || r.Data != nil {
				t.Fatalf("%d allocations: data %s, errors %+v; want COMPLEXITY_LIMIT_EXCEEDED", len(d.Allocations), r.Data, r.Errors)
			}
			e := r.Errors[0]
			if e.Extensions["reads"] != float64(want) || !strings.Contains(e.Message, fmt.Sprintf("fundingReport may read up to %d documents, whatever its page: a report reads every allocation", want)) {
				t.Errorf("reads %v, message %q; want %d, naming fundingReport and what it reads", e.Extensions["reads"], e.Message, want)
			}
			t.Logf("%d allocations: %s", len(d.Allocations), e.Message)
		}
	})

	d := seed.Flanders()
	s, _ := storetest.Open(t, d)
	// The default limits: at most 50,000 documents read (seconds of the embedded store).
	a := newLimitedAPI(t, s, server.DefaultLimits, server.DefaultLoad)

	t.Run("IdenticalAliasesComputeOnce", func(t *testing.T) {
		// Two aliases of the same report are computed once (the request's memo), so the
		// second adds its fields to the cost and nothing to the reads; one with other
		// arguments adds both, and is computed on its own.
		c := newCountingAPI(t, d)
		reads := func(q string) (float64, float64, int) {
			c.cmds.Reset()
			_, r := c.post(t, q, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %+v", q, r.Errors)
			}
			return r.Extensions["cost"].(float64), r.Extensions["reads"].(float64), c.cmds.Reads()
		}
		oneCost, oneCounted, oneReads := reads(report)
		twoCost, twoCounted, twoReads := reads(`{ a: fundingReport { total { amount } } b: fundingReport { total { amount } } }`)
		otherCost, otherCounted, otherReads := reads(`{ a: fundingReport { total { amount } } b: fundingReport(currency: "USD") { total { amount } } }`)
		t.Logf("one report: cost %v, reads %v, %d store reads; two identical: %v, %v, %d; two different: %v, %v, %d",
			oneCost, oneCounted, oneReads, twoCost, twoCounted, twoReads, otherCost, otherCounted, otherReads)
		if oneCost != 3 || twoCost != 6 || otherCost != 6 {
			t.Errorf("costs %v, %v, %v; want 3, 6, 6 (the fields)", oneCost, twoCost, otherCost)
		}
		if want := float64(reportReads(d)); oneCounted != want || twoCounted != want || otherCounted != 2*want {
			t.Errorf("reads %v, %v, %v; want %v, the same, and twice it", oneCounted, twoCounted, otherCounted, want)
		}
		if twoReads != oneReads || otherReads <= oneReads {
			t.Errorf("store reads %d for one report, %d for two identical, %d for two different; want the same, then more", oneReads, twoReads, otherReads)
		}
	})
	t.Run("SearchCountsItsKinds", func(t *testing.T) {
		_, r := a.post(t, `{ search(text: "fl", types: [DONOR, COUNTRY]) { __typename } }`, nil)
		// 1 + 20 × 1 for the fields (first: 20 by default), and two collections scanned.
		if want := scanned(len(d.Donors)) + scanned(len(d.Countries)); r.Extensions["cost"] != float64(21) || r.Extensions["reads"] != float64(want) {
			t.Errorf("extensions %v, want cost 21 and reads %d", r.Extensions, want)
		}
	})
	t.Run("ManyCountsWithRelationFilters", func(t *testing.T) {
		// The shape: each alias counts the projects and follows three relations
		// (donorId: trust funds, then allocations; region: countries).
		e := a.queryError(t, countsWithRelationFilters(d), nil)
		// Each reads its page and one more (2), and scans the projects for its count, the
		// trust funds and allocations for donorId, the countries for region.
		each := 2 + scanned(len(d.Projects)) + scanned(len(d.TrustFunds)) + scanned(len(d.Allocations)) + scanned(len(d.Countries))
		if e.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || e.Extensions["reads"] != float64(199*each) {
			t.Fatalf("error %+v; want COMPLEXITY_LIMIT_EXCEEDED reading %d", e, 199*each)
		}
		if !strings.Contains(e.Message, "its filter follows relations") || !strings.Contains(e.Message, "donorId 1× reading trustFunds and allocations; region 1× reading countries") {
			t.Errorf("message %q does not name the relations read", e.Message)
		}
		t.Logf("%s", e.Message)
	})
	t.Run("ThousandRelationLeaves", func(t *testing.T) {
		// 50 × 20 donorId operators, as a variable: each reads the trust funds and then
		// the allocations.
		start := cpuTime()
		e := a.queryError(t, `query($f: ProjectFilter) { projects(first: 1, filter: $f) { nodes { code } } }`, map[string]any{"f": thousandDonorOperators(d)})
		want := 2 + 1000*(scanned(len(d.TrustFunds))+scanned(len(d.Allocations)))
		if e.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || e.Extensions["reads"] != float64(want) ||
			!strings.Contains(e.Message, "projects may read up to") || !strings.Contains(e.Message, "donorId 1000×") {
			t.Errorf("error %+v; want COMPLEXITY_LIMIT_EXCEEDED reading %d, naming projects and its 1000 donorId operators", e, want)
		}
		t.Logf("refused with %v of CPU: %s", cpuTime()-start, e.Message)
	})
}
