package graph

import (
	"context"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
)

// ImportSummary is what an IATI import did (schema type ImportSummary).
type ImportSummary struct {
	DryRun               bool
	Version              string
	Activities           int
	Created              int
	Updated              int
	Unchanged            int
	Skipped              []*SkippedActivity
	Totals               []*ImportTotal
	WarningCount         int
	Warnings             []iati.IssueGroup
	LeftOutCount         int
	LeftOut              []iati.IssueGroup
	Budgets              int
	PlannedDisbursements int
}

// SkippedActivity is an activity an import skipped.
type SkippedActivity struct {
	Identifier string
	Line       int
	Reasons    []string
}

// ImportTotal is what one transaction type adds up to in one currency: in the file,
// stored, left out and rounded off.
type ImportTotal struct {
	TransactionType *funding.TransactionType
	Currency        string
	File            string
	InFile, Stored  funding.Money
	LeftOut         string
	LeftOutCount    int
	Rounding        string
	Rounded         int
	Balanced        bool
}

// importExamples is how many issues of each kind the mutation returns.
const importExamples = 5

// importIATI imports the IATI activity file text for the request's actor.
func (r *Resolver) importIATI(ctx context.Context, text string, dryRun bool) (*ImportSummary, error) {
	sum, err := iati.Import(ctx, r.Store, strings.NewReader(text), iati.Options{DryRun: dryRun, Actor: actor(ctx), NewID: r.Edit.NewID})
	if err != nil { // broken XML is EINVALID on xml
		return nil, err
	}
	out := &ImportSummary{DryRun: sum.DryRun, Version: sum.Version, Activities: sum.Activities, Created: sum.Created,
		Updated: sum.Updated, Unchanged: sum.Unchanged, Skipped: []*SkippedActivity{}, Totals: []*ImportTotal{},
		WarningCount: len(sum.Warnings), Warnings: iati.Groups(sum.Warnings, importExamples),
		LeftOutCount: len(sum.LeftOut), LeftOut: iati.Groups(sum.LeftOut, importExamples),
		Budgets: sum.Budgets, PlannedDisbursements: sum.PlannedDisbursements}
	for _, s := range sum.Skipped {
		out.Skipped = append(out.Skipped, &SkippedActivity{Identifier: s.Identifier, Line: s.Line, Reasons: s.Reasons})
	}
	for _, t := range sum.Totals {
		x := &ImportTotal{Currency: t.Currency, File: t.File, InFile: funding.Money{Units: t.FileUnits, Currency: t.Currency},
			Stored: funding.Money{Units: t.StoredUnits, Currency: t.Currency}, LeftOut: t.LeftOut, LeftOutCount: t.LeftOutCount,
			Rounding: t.Rounding, Rounded: t.Rounded, Balanced: t.Balanced}
		if t.Type != "" {
			x.TransactionType = &t.Type
		}
		out.Totals = append(out.Totals, x)
	}
	return out, nil
}
