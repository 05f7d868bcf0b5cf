package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/coopgraph/coopgraph/internal/iati"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// runImport imports IATI activity files, one after the other, and prints each one's
// summary. Into an empty store it first loads the countries (and nothing else of the
// demo data), so that the projects' countries resolve.
func runImport(ctx context.Context, c config, stdout, stderr io.Writer) error {
	s, storeName, closeStore, err := openStore(ctx, c, stderr, nil)
	if err != nil {
		return err
	}
	defer closeStore()
	if empty, err := s.IsEmpty(ctx); err != nil {
		return err
	} else if empty && !c.dryRun {
		if err := s.PutCountries(ctx, seed.Flanders().Countries); err != nil {
			return err
		}
	}
	for _, name := range c.files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		o := iati.Options{DryRun: c.dryRun, Actor: "coopgraph import iati", Name: filepath.Base(name), Progress: progress(stderr, name, size), NewID: mongostore.NewID}
		start := time.Now()
		sum, err := iati.Import(ctx, s, f, o)
		f.Close()
		if isTerminal(stderr) {
			fmt.Fprintln(stderr)
		}
		if sum != nil {
			printSummary(stdout, name, storeName, sum, time.Since(start))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
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
		fmt.Fprintf(w, "\r%s: %d activities, %.0f/s, %.1f of %.1f MB read ", name, n, rate, float64(bytes)/1e6, float64(size)/1e6)
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
