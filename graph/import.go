package graph

import (
	"context"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
)

// ImportSummary is what an IATI import did (schema type ImportSummary).
type ImportSummary struct {
	DryRun     bool
	Version    string
	Activities int
	Created    int
	Updated    int
	Unchanged  int
	Skipped    []*SkippedActivity
	Totals     []*ImportTotal
}

// SkippedActivity is an activity an import skipped.
type SkippedActivity struct {
	Identifier string
	Line       int
	Reasons    []string
}

// ImportTotal is one transaction type's sum in one currency, in the file and stored.
type ImportTotal struct {
	TransactionType funding.TransactionType
	InFile, Stored  funding.Money
}

// importIATI imports the IATI activity file text for the request's actor.
func (r *Resolver) importIATI(ctx context.Context, text string, dryRun bool) (*ImportSummary, error) {
	sum, err := iati.Import(ctx, r.Store, strings.NewReader(text), iati.Options{DryRun: dryRun, Actor: actor(ctx), NewID: r.Edit.NewID})
	if err != nil { // broken XML is EINVALID on xml
		return nil, err
	}
	out := &ImportSummary{DryRun: sum.DryRun, Version: sum.Version, Activities: sum.Activities, Created: sum.Created,
		Updated: sum.Updated, Unchanged: sum.Unchanged, Skipped: []*SkippedActivity{}, Totals: []*ImportTotal{}}
	for _, s := range sum.Skipped {
		out.Skipped = append(out.Skipped, &SkippedActivity{Identifier: s.Identifier, Line: s.Line, Reasons: s.Reasons})
	}
	for _, t := range sum.Totals {
		out.Totals = append(out.Totals, &ImportTotal{TransactionType: t.Type,
			InFile: funding.Money{Units: t.File, Currency: t.Currency}, Stored: funding.Money{Units: t.Stored, Currency: t.Currency}})
	}
	return out, nil
}
