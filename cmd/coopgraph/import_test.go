package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const exampleActivity = "../../internal/iati/testdata/examples/activity-standard-example-annotated.xml"

// renamed returns the example activity file with its identifier changed to id, so that
// several copies are several activities.
func renamed(t *testing.T, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(exampleActivity)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("AA-AAA-123456789-ABC123"), []byte(id))
}

// projects returns the codes of the projects stored in the embedded store in dir.
func projects(t *testing.T, dir string) []string {
	t.Helper()
	ctx := context.Background()
	s, _, closeStore, err := openStore(ctx, config{dataDir: dir, dbName: "coopgraph", storeTimeout: 5 * time.Second}, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	ps, err := s.FindProjects(ctx, funding.ProjectQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range ps {
		codes = append(codes, p.Code)
	}
	return codes
}

// TestImportSources: a file, a directory (its .xml and .xml.gz files, by name), an http
// URL and standard input, in one command, with the flags among them; --report writes each
// source's summary as JSON.
func TestImportSources(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "a.xml"), renamed(t, "XM-DIR-A"), 0o600); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(renamed(t, "XM-DIR-B"))
	_ = zw.Close()
	if err := os.WriteFile(filepath.Join(src, "b.xml.gz"), gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "notes.txt"), []byte("not IATI"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "c.xml")
	if err := os.WriteFile(file, renamed(t, "XM-FILE-C"), 0o600); err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/registry/d.xml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(renamed(t, "XM-URL-D"))
	}))
	defer web.Close()
	stdin, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = stdin.Write(renamed(t, "XM-STDIN-E"))
	_, _ = stdin.Seek(0, io.SeekStart)
	defer func(old *os.File) { os.Stdin = old }(os.Stdin)
	os.Stdin = stdin

	report := filepath.Join(t.TempDir(), "report.json")
	var out strings.Builder
	args := []string{"import", "iati", file, "--data-dir", data, src, web.URL + "/registry/d.xml", "--report", report, "-"}
	if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, name := range []string{file, filepath.Join(src, "a.xml"), filepath.Join(src, "b.xml.gz"), web.URL + "/registry/d.xml", "standard input"} {
		if !strings.Contains(out.String(), name+" (IATI") {
			t.Errorf("no summary of %s in:\n%s", name, out.String())
		}
	}
	got := strings.Join(projects(t, data), " ")
	for _, id := range []string{"XM-DIR-A", "XM-DIR-B", "XM-FILE-C", "XM-URL-D", "XM-STDIN-E"} {
		if !strings.Contains(got, id) {
			t.Errorf("project %s not stored; stored: %s", id, got)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var reports []struct {
		Source  string
		Summary map[string]any
	}
	if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 5 || reports[0].Source != file || reports[0].Summary == nil {
		t.Errorf("--report: %v, %d sources: %.300s", err, len(reports), b)
	}

	// A URL that is not there fails naming it; nothing after it is read.
	err = run(context.Background(), []string{"import", "iati", "--data-dir", data, web.URL + "/missing.xml"}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "/missing.xml") {
		t.Errorf("a missing URL: %v", err)
	}
}

// TestImportRefusedBeforeWriting: a flag after the files is a flag (a dry run writes
// nothing), and a wrong flag or a missing file anywhere refuses the command before
// anything is written.
func TestImportRefusedBeforeWriting(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "a.xml")
	if err := os.WriteFile(file, renamed(t, "XM-DRY-A"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"import", "iati", file, "--data-dir", data, "--dry-run"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dry run, nothing written") {
		t.Errorf("--dry-run after the file is not a dry run:\n%s", out.String())
	}
	for _, args := range [][]string{
		{"import", "iati", file, "--data-dir", data, "--dry-rn"},
		{"import", "iati", file, filepath.Join(data, "missing.xml"), "--data-dir", data},
		{"import", "iati", "--data-dir", data, "--report", filepath.Join(data, "no-such-dir", "r.json"), file},
		{"import", "iati", "--data-dir", data},
	} {
		if err := run(context.Background(), args, noEnv, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if ps := projects(t, data); len(ps) != 0 {
		t.Errorf("stored after a dry run and refused commands: %v", ps)
	}
	// A file literally named like a flag comes after --.
	if err := run(context.Background(), []string{"import", "iati", "--data-dir", data, "--", file}, noEnv, io.Discard, io.Discard); err != nil {
		t.Errorf("-- before the files: %v", err)
	}
}

// TestImportHelp: `coopgraph import --help`, `coopgraph help import` and `coopgraph import
// iati --help` print import's usage.
func TestImportHelp(t *testing.T) {
	for _, args := range [][]string{{"import", "--help"}, {"help", "import"}, {"import", "iati", "--help"}, {"help", "import", "iati"}} {
		var out strings.Builder
		if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
			t.Errorf("%q: %v", args, err)
		}
		if !strings.Contains(out.String(), "usage: coopgraph import iati") || !strings.Contains(out.String(), "--report") {
			t.Errorf("%q printed:\n%s", args, out.String())
		}
	}
}

// TestDemoDataOnlyInANewStore: serve loads the demo data into a data directory never used,
// not into one an import has used, even when the import stored nothing; `seed --reset`
// brings the demo data back in place of anything else.
func TestDemoDataOnlyInANewStore(t *testing.T) {
	ctx := context.Background()
	prepare := func(dir string) string {
		t.Helper()
		s, _, closeStore, err := openStore(ctx, config{dataDir: dir, dbName: "coopgraph", storeTimeout: 5 * time.Second}, io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer closeStore()
		note, err := prepareStore(ctx, s, config{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return note
	}
	if note := prepare(t.TempDir()); note != ", demo data loaded" {
		t.Errorf("a new directory: %q, want the demo data loaded", note)
	}

	used := t.TempDir()
	empty := filepath.Join(t.TempDir(), "empty.xml")
	if err := os.WriteFile(empty, []byte(`<iati-activities version="2.03"></iati-activities>`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import", "iati", "--data-dir", used, empty}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if note := prepare(used); note != "" {
		t.Errorf("after an import that stored nothing: %q, want no demo data", note)
	}

	var out strings.Builder
	for _, args := range [][]string{{"seed", "--synthetic", "--donors", "3", "--projects", "5", "--allocations", "10"}, {"seed", "--reset"}} {
		if err := run(ctx, append(args, "--data-dir", used), noEnv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if ps := projects(t, used); len(ps) == 0 || strings.Contains(strings.Join(ps, " "), "SYN") {
		t.Errorf("after seed --reset: projects %v, want the demo data's only", ps)
	}
	if !strings.Contains(out.String(), "all other data removed") {
		t.Errorf("seed --reset printed %q", out.String())
	}
}

// TestImportReport: --report writes every warning and every left-out transaction of each
// source with its activity, line, element, kind, reason and raw text.
func TestImportReport(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.json")
	file := "../../internal/iati/testdata/repair/v2-multi.xml"
	if err := run(context.Background(), []string{"import", "iati", "--dry-run", file, "--data-dir", t.TempDir(), "--report", report}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	type issue struct {
		Activity, Element, Kind, Reason, Raw string
		Line                                 int
	}
	var reports []struct {
		Source  string
		Summary struct {
			Warnings, LeftOut []issue
		}
	}
	if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("%v: %.300s", err, b)
	}
	sum := reports[0].Summary
	if len(sum.Warnings) == 0 || len(sum.LeftOut) == 0 {
		t.Fatalf("%d warnings, %d left out: %.500s", len(sum.Warnings), len(sum.LeftOut), b)
	}
	for _, is := range append(sum.Warnings, sum.LeftOut...) {
		if is.Activity == "" || is.Line <= 0 || is.Element == "" || is.Kind == "" || is.Reason == "" {
			t.Errorf("incomplete: %+v", is)
		}
	}
	for i := 1; i < len(sum.Warnings); i++ {
		if sum.Warnings[i].Line < sum.Warnings[i-1].Line {
			t.Errorf("warnings out of file order: line %d after %d", sum.Warnings[i].Line, sum.Warnings[i-1].Line)
		}
	}
	if lo := sum.LeftOut[0]; lo.Element != "transaction[2]" || lo.Raw == "" {
		t.Errorf("left out: %+v, want transaction[2] with its raw text", lo)
	}
}
