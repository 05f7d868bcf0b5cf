package main

import (
	"context"
	"fmt"
	"io"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// runSeed reloads the demo data (upserting by id, so nothing is duplicated), replaces all
// data with the demo data (--reset) or with a synthetic dataset (--synthetic).
func runSeed(ctx context.Context, c config, stdout, stderr io.Writer) error {
	s, storeName, closeStore, err := openStore(ctx, c, stderr, nil)
	if err != nil {
		return err
	}
	defer closeStore()
	d, what := seed.Flanders(), "the Flanders–ILO demo data"
	if c.synthetic || c.reset {
		if err := s.Drop(ctx); err != nil {
			return err
		}
		if err := s.EnsureIndexes(ctx); err != nil {
			return err
		}
		what += " (all other data removed)"
	}
	if c.synthetic {
		d = seed.Synthetic(seed.SyntheticOptions{Donors: c.donors, Projects: c.projects, Allocations: c.allocations, Seed: c.randSeed})
		what = fmt.Sprintf("synthetic data (rand seed %d)", c.randSeed)
	}
	if err := s.MarkUsed(ctx, "seed"); err != nil {
		return err
	}
	if err := seed.Load(ctx, s, d); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "coopgraph: loaded %s into %s: %d donors, %d agreements, %d trust funds, %d projects, %d allocations, %d countries\n",
		what, storeName, len(d.Donors), len(d.Agreements), len(d.TrustFunds), len(d.Projects), len(d.Allocations), len(d.Countries))
	return nil
}
