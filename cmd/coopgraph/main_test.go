package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) string { return "" }

// TestServeAndSeed runs the real binary's run: it starts on a free port with the embedded
// store, serves the demo data, reseeding duplicates nothing, and it stops cleanly.
func TestServeAndSeed(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServer(t, dir)
	countsBefore := counts(t, base)
	if countsBefore["donors"] < 1 || countsBefore["allocations"] < 20 || countsBefore["countries"] != 249 {
		t.Fatalf("demo data not loaded: %v", countsBefore)
	}
	stop()

	// Reseeding the same directory twice leaves the same number of everything.
	for range 2 {
		var out strings.Builder
		if err := run(context.Background(), []string{"seed", "--data-dir", dir}, noEnv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "loaded the Flanders–ILO demo data") {
			t.Errorf("seed printed %q", out.String())
		}
	}
	base, stop = startServer(t, dir)
	defer stop()
	if after := counts(t, base); !equalCounts(after, countsBefore) {
		t.Errorf("after reseeding twice: %v, before: %v", after, countsBefore)
	}
}

func TestSeedSynthetic(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	args := []string{"seed", "--synthetic", "--donors", "4", "--projects", "30", "--allocations", "90", "--rand-seed", "3", "--data-dir", dir}
	if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, stop := startServer(t, dir)
	defer stop()
	got := counts(t, base)
	if got["donors"] != 4 || got["projects"] != 30 || got["allocations"] != 90 {
		t.Errorf("synthetic data: %v, want 4 donors, 30 projects, 90 allocations", got)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"seed", "--synthetic", "--donors", "0"}, {"serve", "extra"}} {
		if err := run(context.Background(), args, noEnv, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}

// startServer runs `coopgraph --addr 127.0.0.1:0 --data-dir dir` and returns its base URL
// (read from the start-up line) and a function that stops it and checks it stopped cleanly.
func startServer(t *testing.T, dir string) (string, func()) {
	t.Helper()
	base, stop := serve(t, io.Discard, "--data-dir", dir)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	return base, func() {
		if err := stop(); err != nil {
			t.Errorf("run returned %v after shutdown", err)
		}
	}
}

func counts(t *testing.T, base string) map[string]int {
	t.Helper()
	q := `{"query":"{ donors { totalCount } agreements { totalCount } trustFunds { totalCount } projects { totalCount } allocations { totalCount } countries { totalCount } }"}`
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data map[string]struct{ TotalCount int }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for k, v := range r.Data {
		out[k] = v.TotalCount
	}
	return out
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSchemaCommand: `coopgraph schema` prints the served SDL, and --check accepts the
// committed schema.graphqls and refuses one that differs.
func TestSchemaCommand(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"schema"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "fundingReport(") || !strings.Contains(out.String(), "type Donor implements Node") {
		t.Errorf("schema output lacks the API: %.200s", out.String())
	}
	if err := run(context.Background(), []string{"schema", "--check", "../../schema.graphqls"}, noEnv, io.Discard, io.Discard); err != nil {
		t.Errorf("the committed schema does not match: %v", err)
	}
	changed := filepath.Join(t.TempDir(), "schema.graphqls")
	src, _ := os.ReadFile("../../schema.graphqls")
	_ = os.WriteFile(changed, []byte(strings.Replace(string(src), "A body that gives money", "A body that lends money", 1)), 0o644)
	if err := run(context.Background(), []string{"schema", "--check", changed}, noEnv, io.Discard, io.Discard); err == nil {
		t.Error("a changed description passed the check")
	}
}

// TestImportCommand runs `coopgraph import iati` on IATI's example activity twice: one
// activity created, then unchanged, said in the singular.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := "../../internal/iati/testdata/examples/activity-standard-example-annotated.xml"
	for _, want := range []string{": 1 activity: 1 created, 0 updated, 0 unchanged, 0 skipped\n", ": 1 activity: 0 created, 0 updated, 1 unchanged, 0 skipped\n"} {
		var out strings.Builder
		if err := run(context.Background(), []string{"import", "iati", "--data-dir", dir, file}, noEnv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "INCOMING_FUNDS       EUR                   1000.00              1000.00                     0.00           0.00") {
			t.Errorf("printed %q, want %q and the totals", out.String(), want)
		}
	}
}
