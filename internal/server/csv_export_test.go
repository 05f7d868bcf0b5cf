package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// TestCSVExportNeutralisesFormulas: a name or title that a spreadsheet would run as a
// formula (=, +, -, @, tab, carriage return first) is exported with a leading single
// quote; amounts, negative ones too, stay plain numbers.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	d := seed.Flanders()
	d.Donors[0].Name = `=HYPERLINK("http://evil.example","click")`
	d.Projects[0].Title = "+SUM(1;2)"
	d.Projects[1].Title = "-2+3"
	d.Projects[2].Title = "@cmd"
	d.Projects[3].Title = "\tTabbed"
	d.Projects[4].Title = "-250.50" // a number: harmless, kept as it is
	var negative int
	for _, al := range d.Allocations {
		if al.ProjectID == d.Projects[5].ID {
			al.Amount.Units = -al.Amount.Units // IATI corrections are negative
			negative++
		}
	}
	if negative == 0 {
		t.Fatal("the sixth project has no allocations")
	}
	a := newAPI(t, d)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=DONOR,PROJECT", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	lines, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range lines[0] {
		col[h] = i
	}
	titles, donors := map[string]string{}, map[string]bool{}
	var negatives int
	number := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	for _, l := range lines[1:] {
		titles[l[col["project_code"]]] = l[col["project_title"]]
		donors[l[col["donor"]]] = true
		if !number.MatchString(l[col["total"]]) || !number.MatchString(l[col["allocation_count"]]) {
			t.Errorf("amounts are not plain numbers: %q", l)
		}
		if strings.HasPrefix(l[col["total"]], "-") {
			negatives++
		}
		for _, c := range l {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !number.MatchString(c) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	if !donors[`'=HYPERLINK("http://evil.example","click")`] {
		t.Errorf("donors %v: the formula-like name is not neutralised", donors)
	}
	for i, want := range []string{"'+SUM(1;2)", "'-2+3", "'@cmd", "'\tTabbed", "-250.50"} {
		if got := titles[d.Projects[i].Code]; got != want {
			t.Errorf("project %s exported as %q, want %q", d.Projects[i].Code, got, want)
		}
	}
	if negatives == 0 {
		t.Errorf("no negative total among %d rows", len(lines)-1)
	}
}

// blockingMonitor holds the nth find on collection until its operation's context ends
// (the request's deadline), so that a chosen store read fails the way a slow store makes
// it fail, at a known point.
func blockingMonitor(collection string, nth int32) *event.CommandMonitor {
	var seen atomic.Int32
	return &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		if e.CommandName != "find" {
			return
		}
		if c, ok := e.Command.Lookup("find").StringValueOK(); ok && c == collection && seen.Add(1) == nth {
			<-ctx.Done()
		}
	}}
}

// exportServer is a server over d whose export asks for pageRows rows a page, with the
// request timeout, the store's commands seen by m (if not nil), and its log in log.
func exportServer(t *testing.T, d *seed.Dataset, pageRows int, timeout time.Duration, m *event.CommandMonitor, log io.Writer) http.Handler {
	t.Helper()
	var ms []*event.CommandMonitor
	if m != nil {
		ms = append(ms, m)
	}
	s, _ := storetest.Open(t, d, ms...)
	return server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, NewID: mongostore.NewID, Log: slog.New(slog.NewTextHandler(log, nil)),
		PerParent: s.NestedReads() != mongostore.NestedBatched, Load: &server.Load{RequestTimeout: timeout, MaxInFlight: 4},
		ExportPageRows: pageRows,
	})
}

// TestCSVExportFirstPageFails: when the first page runs out of time with an error on every
// one of its rows, the export answers a short JSON error (each distinct error once, no
// data), not the page's thousands of errors.
func TestCSVExportFirstPageFails(t *testing.T) {
	storetest.SkipIfExternal(t, "the monitor counts the embedded store's reads")
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 30, Projects: 300, Allocations: 1500, Seed: 1})
	// The report reads no donors; the rows' donors are read in one batch, which waits for
	// the deadline, so that every row fails.
	h := exportServer(t, d, 0, 2*time.Second, blockingMonitor("donors", 1), io.Discard)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=DONOR,PROJECT", nil))
	var body struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("status %d, not JSON: %v: %.300s", rec.Code, err, rec.Body)
	}
	if rec.Code != http.StatusServiceUnavailable || body.Data != nil || len(body.Errors) == 0 || len(body.Errors) > 5 || rec.Body.Len() > 2000 {
		t.Fatalf("status %d, %d bytes, %d errors: %.500s; want 503 with at most 5 errors and no data", rec.Code, rec.Body.Len(), len(body.Errors), rec.Body)
	}
	for _, e := range body.Errors {
		if c := e.Extensions["code"]; c != "TIMEOUT" && c != "UNAVAILABLE" {
			t.Errorf("error %+v, want TIMEOUT or UNAVAILABLE", e)
		}
	}
}

// TestCSVExportLaterPageFails: the export runs under one deadline; when it passes during a
// page after the first, the download is broken off (the client sees an unexpected end,
// not a short file that looks complete), and the server goes on serving.
func TestCSVExportLaterPageFails(t *testing.T) {
	storetest.SkipIfExternal(t, "the monitor counts the embedded store's reads")
	// Pages of 10 rows, of one report computed once (its reads: allocations, trust funds,
	// projects); each page reads its rows' projects, and the second page's read (the third
	// of projects) waits for the deadline.
	var log syncBuffer
	h := exportServer(t, seed.Flanders(), 10, 2*time.Second, blockingMonitor("projects", 3), &log)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/export/funding-report.csv?groupBy=PROJECT,YEAR")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("status %d, read error %v after %d bytes; want 200 and a broken body", resp.StatusCode, err, len(b))
	}
	if lines := strings.Count(string(b), "\n"); lines < 11 || !strings.HasPrefix(string(b), "project_code,project_title,year,") {
		t.Errorf("%d lines before the break, want the header and the first page's 10 rows: %.100s", lines, b)
	}
	// The store read that failed was the second page's; the server still answers.
	resp2, err := http.Get(srv.URL + "/readyz")
	if err != nil || resp2.StatusCode != http.StatusOK {
		t.Errorf("after the broken export: %v %v", resp2, err)
	}
	if resp2 != nil {
		resp2.Body.Close()
	}
	if l := log.String(); !strings.Contains(l, "path=/export/funding-report.csv status=200") || !strings.Contains(l, "aborted=true") {
		t.Errorf("the broken export is not logged as aborted:\n%s", l)
	}
}

// TestCSVExportOneDeadline: every page of an export runs under the same deadline, the
// request's, not a fresh one per page; and the report is computed once for all pages (the
// request's memo): the allocations are read once.
func TestCSVExportOneDeadline(t *testing.T) {
	var mu sync.Mutex
	deadlines := map[time.Time]int{}
	allocationReads := 0
	m := &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		if c, ok := e.Command.Lookup("find").StringValueOK(); ok {
			dl, _ := ctx.Deadline()
			mu.Lock()
			deadlines[dl]++
			if c == "allocations" {
				allocationReads++
			}
			mu.Unlock()
		}
	}}
	h := exportServer(t, seed.Flanders(), 10, time.Minute, m, io.Discard)
	mu.Lock()
	clear(deadlines) // the seed's reads
	allocationReads = 0
	mu.Unlock()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=PROJECT,YEAR", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	rows := strings.Count(rec.Body.String(), "\n") - 1
	pages := (rows + 9) / 10
	mu.Lock()
	defer mu.Unlock()
	for dl, n := range deadlines {
		if dl.IsZero() || n < pages || len(deadlines) != 1 {
			t.Errorf("%d rows in pages of 10 read the store under the deadlines %v; want one deadline for the reads of %d pages", rows, deadlines, pages)
			break
		}
	}
	if allocationReads != 1 {
		t.Errorf("%d pages read the allocations %d times; want once (the report computed once a request)", pages, allocationReads)
	}
}
