package iati_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

func importString(t *testing.T, s *mongostore.Store, doc string, o iati.Options) *iati.Summary {
	t.Helper()
	o.NewID = mongostore.NewID
	sum, err := iati.Import(context.Background(), s, strings.NewReader(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Created + sum.Updated + sum.Unchanged + len(sum.Skipped); n != sum.Activities {
		t.Errorf("%d activities, %d accounted for: %+v", sum.Activities, n, sum)
	}
	return sum
}

func example(t *testing.T) string {
	b, err := os.ReadFile(ref + "examples/activity-standard-example-annotated.xml")
	if err != nil {
		t.Skipf("reference data not here: %v", err)
	}
	return string(b)
}

// counts are the numbers of stored objects of every kind.
func counts(t *testing.T, s *mongostore.Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	var err error
	var n int
	n, err = s.CountProjects(ctx, nil)
	out["projects"] = n
	if n, err = s.CountAllocations(ctx, nil); err == nil {
		out["allocations"] = n
	}
	if n, err = s.CountDonors(ctx, nil); err == nil {
		out["donors"] = n
	}
	if n, err = s.CountTrustFunds(ctx, nil); err == nil {
		out["trustFunds"] = n
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkTotals(t *testing.T, sum *iati.Summary, want int) {
	t.Helper()
	if len(sum.Totals) != want {
		t.Errorf("%d totals, want %d: %+v", len(sum.Totals), want, sum.Totals)
	}
	for _, tt := range sum.Totals {
		if tt.File != tt.Stored || !tt.Balanced {
			t.Errorf("%s %s: file %s, stored %s", tt.Type, tt.Currency, tt.File, tt.Stored)
		}
	}
}

func TestImportExampleTwiceAndNewer(t *testing.T) {
	doc := example(t)
	s, _ := storetest.Open(t, seed.Flanders())
	ctx := context.Background()
	before := counts(t, s)
	sum := importString(t, s, doc, iati.Options{})
	if sum.Created != 1 || len(sum.Skipped) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	checkTotals(t, sum, 1)
	after := counts(t, s)
	for k, n := range map[string]int{"projects": 1, "allocations": 1, "donors": 1, "trustFunds": 1} {
		if after[k] != before[k]+n {
			t.Errorf("%s: %d before, %d after, want %d more", k, before[k], after[k], n)
		}
	}
	id := iati.ProjectID("AA-AAA-123456789-ABC123")
	ps, err := s.ProjectsByID(ctx, []string{id})
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	p := ps[0]
	if p.Version != 1 {
		t.Errorf("version %d", p.Version)
	}

	// Again: nothing changes, not even a version.
	sum = importString(t, s, doc, iati.Options{})
	if sum.Unchanged != 1 || sum.Created+sum.Updated != 0 {
		t.Errorf("re-import: %+v", sum)
	}
	checkTotals(t, sum, 1)
	if again := counts(t, s); !reflect.DeepEqual(again, after) {
		t.Errorf("re-import changed counts: %v, was %v", again, after)
	}
	ps, _ = s.ProjectsByID(ctx, []string{id})
	as, _ := s.FindAllocations(ctx, funding.AllocationQuery{})
	if ps[0].Version != 1 {
		t.Errorf("re-import: version %d", ps[0].Version)
	}
	for _, a := range as {
		if a.ProjectID == id && a.Version != 1 {
			t.Errorf("re-import: allocation %s version %d", a.ID, a.Version)
		}
	}

	// A newer version replaces the project's fields and its transactions.
	newer := strings.Replace(doc, `last-updated-datetime="2014-09-10T07:15:37Z"`, `last-updated-datetime="2015-01-01T00:00:00Z"`, 1)
	newer = strings.Replace(newer, "<narrative>Activity title</narrative>", "<narrative>Activity title, revised</narrative>", 1)
	newer = strings.Replace(newer, `<transaction-type code="1" />`, `<transaction-type code="3" />`, 1)
	sum = importString(t, s, newer, iati.Options{})
	if sum.Updated != 1 {
		t.Errorf("newer: %+v", sum)
	}
	checkTotals(t, sum, 1)
	ps, _ = s.ProjectsByID(ctx, []string{id})
	if ps[0].Version != 2 || ps[0].Title != "Activity title, revised" {
		t.Errorf("newer: version %d title %q", ps[0].Version, ps[0].Title)
	}
	if c := counts(t, s); !reflect.DeepEqual(c, after) {
		t.Errorf("newer changed counts: %v, was %v", c, after)
	}
	// The older file is now skipped as unchanged.
	if sum = importString(t, s, doc, iati.Options{}); sum.Unchanged != 1 {
		t.Errorf("older: %+v", sum)
	}
	if sum.Totals[0].Type != funding.IncomingFunds || sum.Totals[0].Stored != "0.00" || sum.Totals[0].Balanced || sum.Totals[1].Type != funding.Disbursement || sum.Totals[1].Stored != "1000.00" {
		t.Errorf("older: totals %+v", sum.Totals)
	}
}

func TestImportLegacy(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	ctx := context.Background()
	sum := importString(t, s, legacy, iati.Options{})
	if sum.Created != 1 {
		t.Fatalf("%+v", sum)
	}
	checkTotals(t, sum, 4)
	id := iati.ProjectID("GB-1-LEGACY-7")
	as, err := s.FindAllocations(ctx, funding.AllocationQuery{Filter: &funding.AllocationFilter{ProjectID: &funding.IDFilter{Eq: &funding.ID{Kind: funding.TypeProject, Local: id}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[funding.TransactionType]string{}
	for _, a := range as {
		got[a.Type] = a.Amount.Decimal() + " " + a.Amount.Currency + " " + a.Date.String()
	}
	want := map[funding.TransactionType]string{
		funding.Commitment: "1000.50 GBP 2010-02-01", funding.Disbursement: "20.00 EEK 2010-03-01",
		funding.Expenditure: "7.00 GBP 2011-01-01", funding.IncomingFunds: "3.00 GBP 2011-01-01",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("allocations %v, want %v", got, want)
	}
	ps, _ := s.ProjectsByID(ctx, []string{id})
	p := ps[0]
	if p.Status != funding.ProjectActive || p.ImplementingAgency != "Water Aid" || p.ActualEndsOn.String() != "2011-12-31" ||
		len(p.Regions) != 1 || p.Regions[0].Code != "298" || p.Countries[0].Share != 5000 {
		t.Errorf("project %+v", p)
	}
	ds, _ := s.AllDonors(ctx)
	found := false
	for _, d := range ds {
		if d.Ref == "GB-1" {
			found = d.Name == "DFID" && d.Type == funding.DonorGovernment
		}
	}
	if !found {
		t.Error("no donor GB-1 named DFID, a government")
	}
}

// TestImportSchemaTests runs every file of IATI's schema tests, as published (all with an
// empty iati-identifier, so all skipped and reported) and with an identifier filled in:
// every file imports; should-fail files whose fault is in an element the import reads
// report that fault, as a transaction left out or a warning (or, without any date, the
// activity skipped).
func TestImportSchemaTests(t *testing.T) {
	files, _ := filepath.Glob(ref + "tests/activity-tests/*/*.xml")
	more, _ := filepath.Glob(ref + "tests/activity-tests/*/*/*.xml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("reference data not here")
	}
	s, _ := storetest.Open(t, seed.Flanders())
	reasons := map[string]string{ // the reason each faulty file reports
		"01-missing-transaction-type.xml":       "left out: it has no transaction-type",
		"03-missing-value.xml":                  "it has no value",
		"22-incorrect-date-value-date.xml":      "value-date",
		"39-contains-text-transaction-type.xml": `left out: transaction-type "X"`,
		"40-non-decimal-value.xml":              "not a decimal number",
		"21-sector-missing-code.xml":            "warning: a sector has no code",
		"21-transaction.xml":                    `left out: transaction-type "X"`,
		"27-decimal-currency.xml":               `left out: transaction-type "X"`,
		// No date at all (no activity-date, no transaction), so no start.
		"01-activity-id-empty.xml": "skipped: it has no date",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		sum := importString(t, s, string(b), iati.Options{})
		if len(sum.Skipped) != 1 || !strings.Contains(sum.Skipped[0].Reasons[0], "no iati-identifier") {
			t.Errorf("%s as published: %+v", name, sum)
		}
		filled := strings.Replace(string(b), "<iati-identifier></iati-identifier>", "<iati-identifier>TEST-"+name+"</iati-identifier>", 1)
		sum = importString(t, s, filled, iati.Options{})
		var reported []string
		for _, k := range sum.Skipped {
			reported = append(reported, "skipped: "+strings.Join(k.Reasons, "; "))
		}
		for _, l := range sum.LeftOut {
			reported = append(reported, "left out: "+l.Reason)
		}
		for _, w := range sum.Warnings {
			reported = append(reported, "warning: "+w.Reason)
		}
		checkColumns(t, sum)
		want, faulty := reasons[name]
		if faulty && !strings.Contains(strings.Join(reported, "\n"), want) {
			t.Errorf("%s: %+v, want %q reported", name, sum, want)
		}
		if !faulty && len(sum.LeftOut) > 0 {
			t.Errorf("%s: left out %+v", name, sum.LeftOut)
		}
		if sum.Created != 1 && !strings.HasPrefix(want, "skipped") {
			t.Errorf("%s: %+v, want it imported", name, sum)
		}
	}
}

func TestImportDryRun(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	before := counts(t, s)
	sum := importString(t, s, example(t), iati.Options{DryRun: true})
	if sum.Created != 1 || !sum.DryRun {
		t.Errorf("%+v", sum)
	}
	checkTotals(t, sum, 1)
	if after := counts(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("a dry run wrote: %v, was %v", after, before)
	}
}

// TestImportVersionFields: the version an import compares is kept in fields of its own
// (the last-updated-datetime to the millisecond, a digest), not in the source text; a
// time with microseconds and an offset re-imports as unchanged.
func TestImportVersionFields(t *testing.T) {
	doc := strings.Replace(example(t), `last-updated-datetime="2014-09-10T07:15:37Z"`, `last-updated-datetime="2014-09-10T09:15:37.123456+02:00"`, 1)
	s, _ := storetest.Open(t, seed.Flanders())
	ctx := context.Background()
	sum, err := iati.Import(ctx, s, strings.NewReader(doc), iati.Options{Name: "example.xml", NewID: mongostore.NewID})
	if err != nil || sum.Created != 1 {
		t.Fatal(sum, err)
	}
	ps, err := s.ProjectsByID(ctx, []string{iati.ProjectID("AA-AAA-123456789-ABC123")})
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	p := ps[0]
	if p.Source != "IATI activity file example.xml, reported by Organisation name" ||
		!p.LastUpdatedAt.Equal(time.Date(2014, 9, 10, 7, 15, 37, 123000000, time.UTC)) || len(p.ImportDigest) != 16 {
		t.Errorf("source %q, lastUpdatedAt %v, digest %q", p.Source, p.LastUpdatedAt, p.ImportDigest)
	}
	if sum = importString(t, s, doc, iati.Options{Name: "renamed.xml"}); sum.Unchanged != 1 {
		t.Errorf("re-import: %+v", sum)
	}
	// Without a last-updated-datetime (a version older than any dated one): stored as zero,
	// and the digest alone tells a changed activity.
	undated := strings.Replace(doc, `last-updated-datetime="2014-09-10T09:15:37.123456+02:00"`, "", 1)
	undated = strings.ReplaceAll(undated, "AA-AAA-123456789-ABC123", "AA-AAA-123456789-UNDATED")
	for i, want := range []string{"created", "unchanged", "updated"} {
		if i == 2 {
			undated = strings.Replace(undated, "<narrative>Activity title</narrative>", "<narrative>Activity title, revised</narrative>", 1)
		}
		sum = importString(t, s, undated, iati.Options{})
		if got := map[string]int{"created": sum.Created, "unchanged": sum.Unchanged, "updated": sum.Updated}; got[want] != 1 {
			t.Errorf("undated, import %d: %+v, want %s", i+1, sum, want)
		}
	}
	ps, _ = s.ProjectsByID(ctx, []string{iati.ProjectID("AA-AAA-123456789-UNDATED")})
	if p := ps[0]; p.Version != 2 || !p.LastUpdatedAt.IsZero() || p.Source != "IATI activity file, reported by Organisation name" {
		t.Errorf("undated: version %d, lastUpdatedAt %v, source %q", p.Version, p.LastUpdatedAt, p.Source)
	}
}
