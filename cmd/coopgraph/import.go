package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/coopgraph/coopgraph/internal/iati"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// runImport imports IATI activity files, directories of them, URLs and standard input, one
// after the other, and prints each one's summary (and, with --report, writes every warning
// and left-out transaction as JSON). Everything it can check (the files, the report's
// path) is checked before anything is written. Into an empty store it first loads the
// countries (and nothing else of the demo data), so that the projects' countries resolve;
// an import marks the store used, so that serve never loads the demo data into it.
func runImport(ctx context.Context, c config, stdout, stderr io.Writer) error {
	srcs, err := sources(c.files, os.Stdin)
	if err != nil {
		return err
	}
	var report *os.File
	if c.report != "" {
		if report, err = os.Create(c.report); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
		defer report.Close()
	}
	s, storeName, closeStore, err := openStore(ctx, c, stderr, nil)
	if err != nil {
		return err
	}
	defer closeStore()
	if !c.dryRun {
		if err := s.MarkUsed(ctx, "import"); err != nil {
			return err
		}
		if empty, err := s.IsEmpty(ctx); err != nil {
			return err
		} else if empty {
			if err := s.PutCountries(ctx, seed.Flanders().Countries); err != nil {
				return err
			}
		}
	}
	var reports []fileReport
	err = importAll(ctx, s, storeName, srcs, c.dryRun, stdout, stderr, &reports)
	if report != nil {
		enc := json.NewEncoder(report)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(reports); werr != nil && err == nil {
			err = fmt.Errorf("--report: %w", werr)
		}
	}
	return err
}

// fileReport is what --report writes of one source: its name and its whole summary.
type fileReport struct {
	Source  string        `json:"source"`
	Summary *iati.Summary `json:"summary"`
}

// importAll imports each source in turn, printing its summary and adding it to reports.
func importAll(ctx context.Context, s *mongostore.Store, storeName string, srcs []source, dryRun bool, stdout, stderr io.Writer, reports *[]fileReport) error {
	for _, src := range srcs {
		rc, size, err := src.open(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", src.name, err)
		}
		r, err := gunzipped(rc)
		if err != nil {
			rc.Close()
			return fmt.Errorf("%s: %w", src.name, err)
		}
		o := iati.Options{DryRun: dryRun, Actor: "coopgraph import iati", Name: path.Base(src.name), Progress: progress(stderr, src.name, size), NewID: mongostore.NewID}
		start := time.Now()
		sum, err := iati.Import(ctx, s, r, o)
		rc.Close()
		if isTerminal(stderr) {
			fmt.Fprintln(stderr)
		}
		if sum != nil {
			printSummary(stdout, src.name, storeName, sum, time.Since(start))
			*reports = append(*reports, fileReport{src.name, sum})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", src.name, err)
		}
	}
	return nil
}

// progress reports, on one line of a terminal, the activities read per second and the bytes
// read; nothing when w is not a terminal.
func progress(w io.Writer, name string, size int64) func(int, int64) {
	if !isTerminal(w) {
		return nil
	}
	start, last := time.Now(), time.Time{}
	return func(n int, bytes int64) {
		if time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		rate := float64(n) / max(time.Since(start).Seconds(), 0.001)
		of := "" // the size of standard input, or of a download without Content-Length, is unknown
		if size > 0 {
			of = fmt.Sprintf(" of %.1f", float64(size)/1e6)
		}
		fmt.Fprintf(w, "\r%s: %d activities, %.0f/s, %.1f%s MB read ", name, n, rate, float64(bytes)/1e6, of)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
