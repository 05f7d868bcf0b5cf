package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopgraph/coopgraph/internal/iati"
)

// maxLine is the longest line printSummary prints, in characters; the summary's full
// lists are in its JSON.
const maxLine = 200

// printSummary prints what an import did: counts; per transaction type and currency the
// file's total, what is stored, what was left out and the rounding (file = stored + left
// out + rounding); skipped activities; warnings and left-out transactions grouped by kind
// with the first few of each, in file order; the elements not imported.
func printSummary(w io.Writer, name, storeName string, s *iati.Summary, took time.Duration) {
	p := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if utf8.RuneCountInString(line) > maxLine {
			line = string([]rune(line)[:maxLine-1]) + "…"
		}
		fmt.Fprintln(w, line)
	}
	verb := "imported into"
	if s.DryRun {
		verb = "checked (dry run, nothing written) against"
	}
	activities := "activities"
	if s.Activities == 1 {
		activities = "activity"
	}
	version := "IATI " + s.Version
	if s.Version == "" {
		version = "IATI version not given"
	}
	p("%s (%s): %d %s: %d created, %d updated, %d unchanged, %d skipped",
		name, version, s.Activities, activities, s.Created, s.Updated, s.Unchanged, len(s.Skipped))
	p("  %s %s in %s", verb, storeName, took.Round(time.Millisecond))
	if len(s.Totals) > 0 {
		stored := "stored"
		if s.DryRun {
			stored = "would be stored"
		}
		p("  %-20s %-8s %20s %20s %24s %14s", "transaction type", "currency", "in the file", stored, "left out", "rounding")
		for _, t := range s.Totals {
			typ, cur := string(t.Type), t.Currency
			if typ == "" {
				typ = "(type unreadable)"
			}
			if cur == "" {
				cur = "(none)"
			}
			left := t.LeftOut
			if t.LeftOutCount > 0 {
				left = fmt.Sprintf("%d: %s", t.LeftOutCount, t.LeftOut)
			}
			mark := ""
			if !t.Balanced {
				mark = "  (does not add up: the store holds another version of some activities)"
			}
			p("  %-20s %-8s %20s %20s %24s %14s%s", typ, cur, t.File, t.Stored, left, t.Rounding, mark)
		}
	}
	for _, k := range s.Skipped {
		id := k.Identifier
		if id == "" {
			id = "(no identifier)"
		}
		p("  skipped %s (line %d): %s", id, k.Line, strings.Join(k.Reasons, "; "))
	}
	groups := func(what string, issues []iati.Issue) {
		if len(issues) == 0 {
			return
		}
		p("  %s: %d", what, len(issues))
		for _, g := range iati.Groups(issues, 3) {
			p("    %s: %d", g.Kind, g.Count)
			for _, is := range g.Examples {
				id := is.Activity
				if id == "" {
					id = "(no identifier)"
				}
				p("      %s line %d %s: %s (%q)", id, is.Line, is.Element, is.Reason, is.Raw)
			}
		}
	}
	groups("warnings (repaired, or dropped from their field; the activities and their money are kept)", s.Warnings)
	groups("transactions left out", s.LeftOut)
	if s.Budgets+s.PlannedDisbursements > 0 {
		p("  not imported: %d budget and %d planned-disbursement elements", s.Budgets, s.PlannedDisbursements)
	}
}
