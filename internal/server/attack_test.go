package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestAttackSuite sends the shapes that killed, wedged or starved the server, one after
// another, to one server with the default settings over the demo data, while a client asks
// a cheap question every 20 ms. Each shape is refused or answered correctly, the cheap
// client gets every answer, during and after, and the heap stays flat. (The other shapes
// have tests of their own: TestConcurrentTextFilters, TestStoreWorkAlwaysEnds,
// TestCostCountsScans, TestCachesBoundedByBytes, TestCSVExport*, TestImportManyFunders,
// TestNoSuggestionsWithoutIntrospection, TestMetricLabelsNotCrowdedOut, FuzzIntArguments.)
func TestAttackSuite(t *testing.T) {
	d := seed.Flanders()
	a := newAPI(t, d)
	srv := httptest.NewServer(a.h)
	defer srv.Close()

	var answered, failed atomic.Int64
	var failures sync.Map
	stop := make(chan struct{})
	var cheap sync.WaitGroup
	cheap.Add(1)
	go func() {
		defer cheap.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			status, body := postTo(t, srv.URL, `{ country(code: "MW") { name } }`)
			if status == http.StatusOK && strings.HasPrefix(body, `{"data":{"country":{"name":"Malawi"}}`) {
				answered.Add(1)
			} else {
				failed.Add(1)
				failures.Store(failed.Load(), fmt.Sprintf("%d %.200s", status, body))
			}
		}
	}()

	refused := func(name string, r gqlResponse, code, field string) {
		t.Helper()
		if len(r.Errors) == 0 {
			t.Errorf("%s: data %.200s; want it refused with %s", name, r.Data, code)
			return
		}
		e := r.Errors[0]
		if e.Extensions["code"] != code || field != "" && e.Extensions["field"] != field {
			t.Errorf("%s: error %+v; want %s on %q", name, e, code, field)
		}
	}
	fund := globalID(funding.TypeTrustFund, d.TrustFunds[0].ID)

	t.Run("BalanceOfTheLastYear", func(t *testing.T) {
		// One balance per year up to 2147483647 ran out of memory.
		_, r := a.post(t, `query($id: ID!) { trustFund(id: $id) { balance(year: 2147483647) { year } } }`, map[string]any{"id": fund})
		refused("balance(year: 2147483647)", r, "BAD_USER_INPUT", "year")
	})
	t.Run("FourRequestsOfCountsWithRelationFilters", func(t *testing.T) {
		// Four of these at once held every connection of the store for minutes.
		q := countsWithRelationFilters(d)
		var wg sync.WaitGroup
		rs := make([]gqlResponse, 4)
		for i := range rs {
			wg.Add(1)
			go func() { defer wg.Done(); _, rs[i] = a.post(t, q, nil) }()
		}
		wg.Wait()
		for _, r := range rs {
			refused("199 counts with relation filters", r, "COMPLEXITY_LIMIT_EXCEEDED", "")
		}
	})
	t.Run("ThousandRelationOperators", func(t *testing.T) {
		_, r := a.post(t, `query($f: AllocationFilter) { fundingReport(filter: $f) { total { amount } } }`, map[string]any{"f": thousandDonorOperators(d)})
		refused("a report filtered by 1,000 donorId operators", r, "COMPLEXITY_LIMIT_EXCEEDED", "")
	})
	t.Run("TenReports", func(t *testing.T) {
		// Ten aliases of a report over the demo data read a few thousand documents: served,
		// each the same as the report alone.
		var one struct{ FundingReport struct{ AllocationCount int } }
		a.query(t, `{ fundingReport { allocationCount } }`, nil, &one)
		var q strings.Builder
		q.WriteString("{")
		for i := range 10 {
			fmt.Fprintf(&q, ` r%d: fundingReport(groupBy: [YEAR]) { allocationCount rows(first: 100) { totalCount } }`, i)
		}
		q.WriteString(" }")
		var ten map[string]struct{ AllocationCount int }
		a.query(t, q.String(), nil, &ten)
		for k, r := range ten {
			if r.AllocationCount != one.FundingReport.AllocationCount || r.AllocationCount != len(d.Allocations) {
				t.Errorf("%s: %d allocations; alone %d, stored %d", k, r.AllocationCount, one.FundingReport.AllocationCount, len(d.Allocations))
			}
		}
	})
	t.Run("UnparsableMegabytes", func(t *testing.T) {
		// 1,000 unique documents of about 1 MiB that do not parse kept about 1 GiB: the
		// caches held every text they saw.
		heap := func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		before := heap()
		pad := strings.Repeat("x", 1_000_000)
		for i := range 300 {
			code, r := a.post(t, fmt.Sprintf("{ donors { nodes { name } } # %d %s\n", i, pad), nil)
			if code == http.StatusOK && len(r.Errors) == 0 || len(r.Errors) == 0 {
				t.Fatalf("document %d: status %d, errors %+v; want a syntax error", i, code, r.Errors)
			}
		}
		after := heap()
		t.Logf("heap %d MiB before 300 unparsable documents of 1 MB, %d MiB after", before>>20, after>>20)
		if after > before+64<<20 {
			t.Errorf("the heap grew from %d to %d MiB", before>>20, after>>20)
		}
	})

	close(stop)
	cheap.Wait()
	// And after: the cheap client and readiness.
	if status, body := postTo(t, srv.URL, `{ country(code: "MW") { name } }`); status != http.StatusOK || !strings.Contains(body, "Malawi") {
		t.Errorf("after the attacks: %d %s", status, body)
	}
	t.Logf("the cheap client: %d answers, %d failures during the attacks", answered.Load(), failed.Load())
	if failed.Load() > 0 || answered.Load() == 0 {
		failures.Range(func(_, v any) bool { t.Errorf("the cheap client: %v", v); return true })
		t.Errorf("the cheap client: %d answers, %d failures; want every one answered", answered.Load(), failed.Load())
	}
}
