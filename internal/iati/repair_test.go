package iati_test

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// checkColumns checks that each total adds up: file = stored + left out + rounding,
// exactly, and the rounding is at most half a minor unit per rounded value.
func checkColumns(t *testing.T, sum *iati.Summary) {
	t.Helper()
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("%q is not a decimal", s)
		}
		return r
	}
	for _, x := range sum.Totals {
		got := new(big.Rat).Add(rat(x.Stored), rat(x.LeftOut))
		got.Add(got, rat(x.Rounding))
		if got.Cmp(rat(x.File)) != 0 || !x.Balanced {
			t.Errorf("%s %s: file %s ≠ stored %s + left out %s + rounding %s", x.Type, x.Currency, x.File, x.Stored, x.LeftOut, x.Rounding)
		}
		half := new(big.Rat).SetFrac64(int64(x.Rounded), 2)
		half.Quo(half, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(funding.MinorDigits(x.Currency))), nil)))
		if new(big.Rat).Abs(rat(x.Rounding)).Cmp(half) > 0 {
			t.Errorf("%s %s: rounding %s of %d values is over half a minor unit each", x.Type, x.Currency, x.Rounding, x.Rounded)
		}
	}
}

// checkIssues checks that warnings and left-out transactions are in file order, name a
// 1-based element whose start tag is on their line, and name no internal field.
func checkIssues(t *testing.T, name string, doc string, sum *iati.Summary) {
	t.Helper()
	lines := strings.Split(doc, "\n")
	for _, list := range [][]iati.Issue{sum.Warnings, sum.LeftOut} {
		if !slices.IsSortedFunc(list, func(a, b iati.Issue) int { return a.Line - b.Line }) {
			t.Errorf("%s: issues not in file order: %+v", name, list)
		}
		for _, is := range list {
			el, _, _ := strings.Cut(strings.Split(is.Element, "/")[0], "[")
			if strings.Contains(is.Element, "[0]") || strings.Contains(is.Element, "project.") {
				t.Errorf("%s: element %q", name, is.Element)
			}
			if is.Line > 0 && !strings.Contains(lines[is.Line-1], "<"+el) {
				t.Errorf("%s: %+v: line %d is %q", name, is, is.Line, lines[is.Line-1])
			}
		}
	}
	for i := 1; i < len(sum.Skipped); i++ {
		if sum.Skipped[i].Line < sum.Skipped[i-1].Line {
			t.Errorf("%s: skipped not in file order: %+v", name, sum.Skipped)
		}
	}
}

// columns lists a summary's totals as "TYPE CUR: file = stored + left out (n) + rounding (n)".
func columns(sum *iati.Summary) []string {
	var out []string
	for _, x := range sum.Totals {
		out = append(out, fmt.Sprintf("%s %s: %s = %s + %s (%d) + %s (%d)", x.Type, x.Currency, x.File, x.Stored, x.LeftOut, x.LeftOutCount, x.Rounding, x.Rounded))
	}
	return out
}

// TestImportRepairs imports files shaped like the real publishers' files of issue 18
// (testdata/repair): every activity is kept, every readable amount is stored, to the
// minor unit, and what was repaired or left out is reported in file order.
func TestImportRepairs(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	ctx := context.Background()
	cases := []struct {
		file       string
		activities int
		totals     []string
		warnings   map[string]int // by kind
		leftOut    int
		budgets    [2]int
	}{
		{"v101-text-dates.xml", 2, []string{
			"COMMITMENT USD: 250000.00 = 250000.00 + 0.00 (0) + 0.00 (0)",
			"DISBURSEMENT USD: 128000.50 = 128000.50 + 0.00 (0) + 0.00 (0)",
		}, map[string]int{"date-fallback": 4}, 0, [2]int{1, 1}},
		{"v10-legacy.xml", 2, []string{
			"COMMITMENT USD: 65000000.00 = 65000000.00 + 0.00 (0) + 0.00 (0)",
			"DISBURSEMENT USD: 3700000.50 = 3700000.50 + 0.00 (0) + 0.00 (0)",
		}, map[string]int{"identity": 2, "code-from-name": 2}, 0, [2]int{}},
		{"v2-multi.xml", 4, []string{
			"INCOMING_FUNDS KRW: 247800000000 = 247800000000 + 0 (0) + 0 (0)",
			"COMMITMENT EUR: 80000.00 = 80000.00 + 0.00 (0) + 0.00 (0)",
			"DISBURSEMENT EUR: 25000.10 = 25000.10 + 0.00 (0) + 0.00 (0)",
			"DISBURSEMENT KRW: 1500000000 = 1500000000 + 0 (0) + 0 (0)",
			"EXPENDITURE USD: 1112742.39448867 = 1112742.40 + 0.00 (0) + -0.00551133 (2)",
			" : 0.00 = 0.00 + 0.00 (1) + 0.00 (0)",
		}, map[string]int{"scaled": 2, "vocabulary-dropped": 1, "merged": 1, "end-before-start": 1, "rounded": 2}, 1, [2]int{2, 1}},
	}
	stored := storedByType(t, s)
	for _, c := range cases {
		b, err := os.ReadFile(ref + "repair/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		sum := importString(t, s, string(b), iati.Options{})
		if sum.Activities != c.activities || sum.Created != c.activities || len(sum.Skipped) != 0 {
			t.Errorf("%s: %d activities, %d created, skipped %+v", c.file, sum.Activities, sum.Created, sum.Skipped)
		}
		if got := columns(sum); !reflect.DeepEqual(got, c.totals) {
			t.Errorf("%s: totals\n%s\nwant\n%s", c.file, strings.Join(got, "\n"), strings.Join(c.totals, "\n"))
		}
		checkColumns(t, sum)
		checkIssues(t, c.file, string(b), sum)
		kinds := map[string]int{}
		for _, w := range sum.Warnings {
			kinds[w.Kind]++
		}
		if !reflect.DeepEqual(kinds, c.warnings) {
			t.Errorf("%s: warnings %v, want %v:\n%+v", c.file, kinds, c.warnings, sum.Warnings)
		}
		if len(sum.LeftOut) != c.leftOut || [2]int{sum.Budgets, sum.PlannedDisbursements} != c.budgets {
			t.Errorf("%s: left out %+v, budgets %d, planned disbursements %d", c.file, sum.LeftOut, sum.Budgets, sum.PlannedDisbursements)
		}
		// The stored allocations are the file's readable transactions, to the minor unit.
		after := storedByType(t, s)
		for _, x := range sum.Totals {
			k := string(x.Type) + " " + x.Currency
			if x.Type != "" && funding.FormatUnits(after[k]-stored[k], funding.MinorDigits(x.Currency)) != x.Stored {
				t.Errorf("%s: %s stored %d, summary %s", c.file, k, after[k]-stored[k], x.Stored)
			}
		}
		stored = after
		// Again: all unchanged, the same summary.
		again := importString(t, s, string(b), iati.Options{})
		if again.Unchanged != c.activities || !reflect.DeepEqual(columns(again), c.totals) {
			t.Errorf("%s again: %+v", c.file, again)
		}
	}

	project := func(id string) *funding.Project {
		t.Helper()
		ps, err := s.ProjectsByID(ctx, []string{iati.ProjectID(id)})
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s: %v %v", id, ps, err)
		}
		return ps[0]
	}
	// Legacy: identity from other-identifier and the reporting org, a country and a
	// region by name, sectors by ref.
	p := project("44000-P012345")
	if !reflect.DeepEqual(p.Countries, []funding.CountryShare{{CountryCode: "MW", Share: 10000}}) || p.EndsOn != (funding.Date{}) ||
		!reflect.DeepEqual(p.Sectors, []funding.SectorShare{{Vocabulary: "WB", Code: "EP", Share: 6000}, {Vocabulary: "WB", Code: "ES", Share: 4000}}) ||
		!reflect.DeepEqual(p.Themes, []string{"Primary education", "Secondary education"}) {
		t.Errorf("legacy project %+v", p)
	}
	if p := project("44000-P067890"); !reflect.DeepEqual(p.Regions, []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 10000}}) {
		t.Errorf("Africa: regions %+v", p.Regions)
	}
	// 16.67 × 6, scaled to 100 by largest remainder.
	want := []int{1667, 1667, 1667, 1667, 1666, 1666}
	for _, id := range []string{"KR-GOV-010-2021-001", "GB-CHC-202918-XYZ"} {
		var got []int
		for _, x := range project(id).Sectors {
			got = append(got, x.Share)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sector shares %v, want %v", id, got, want)
		}
	}
	// The same sector twice merged; one region vocabulary; a theme of its full name.
	long := "Community-led total sanitation in rural districts of the Sahel and coastal West Africa"
	p = project("NL-KVK-27108436-A-02")
	if !reflect.DeepEqual(p.Sectors, []funding.SectorShare{{Vocabulary: "1", Code: "14030", Share: 10000}, {Vocabulary: "99", Code: "WASH-1", Share: 10000}}) ||
		!reflect.DeepEqual(p.Regions, []funding.RegionShare{{Vocabulary: "1", Code: "289", Share: 10000}}) || !slices.Contains(p.Themes, long) {
		t.Errorf("NL project: %+v", p)
	}
	n, err := s.CountProjects(ctx, &funding.ProjectFilter{Theme: &funding.CodeFilter{Eq: &long}})
	if err != nil || n != 1 {
		t.Errorf("projects of theme %q: %d, %v", long, n, err)
	}
	// An end before the start, kept as given.
	if p := project("XM-DAC-47066-DP.1234"); p.StartsOn.String() != "2021-12-31" || p.EndsOn.String() != "2021-01-01" {
		t.Errorf("IOM project dates %s – %s", p.StartsOn, p.EndsOn)
	}
}

// TestImportSummaryExamples checks the left-out transaction and the warnings' texts.
func TestImportSummaryExamples(t *testing.T) {
	b, err := os.ReadFile(ref + "repair/v2-multi.xml")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := storetest.Open(t, seed.Flanders())
	sum := importString(t, s, string(b), iati.Options{DryRun: true})
	checkColumns(t, sum)
	want := iati.Issue{Activity: "NL-KVK-27108436-A-02", Line: 47, Element: "transaction[2]", Kind: "type",
		Reason: "it has no transaction-type; value: empty", Raw: `transaction-type "", value ""`}
	if len(sum.LeftOut) != 1 || sum.LeftOut[0] != want {
		t.Errorf("left out %+v\nwant %+v", sum.LeftOut, want)
	}
	got := map[string]string{}
	for _, w := range sum.Warnings {
		got[w.Kind] += fmt.Sprintf("%s line %d %s: %s (%s)\n", w.Activity, w.Line, w.Element, w.Reason, w.Raw)
	}
	for kind, w := range map[string]string{
		"scaled":             "KR-GOV-010-2021-001 line 13 sector[1]: the percentages of sectors of vocabulary 1 add up to 100.02: scaled to 100 (100.02)\n",
		"vocabulary-dropped": "NL-KVK-27108436-A-02 line 38 recipient-region[2]: region vocabulary 2: dropped",
		"merged":             "NL-KVK-27108436-A-02 line 40 sector[2]: 14030 is also sector[1]: merged, their percentages added (14030)\n",
		"end-before-start":   "XM-DAC-47066-DP.1234 line 63 activity-date[2]: the planned end is before the planned start (2021-12-31): kept as given (2021-01-01)\n",
		"rounded":            "XM-DAC-47066-DP.1234 line 66 transaction[1]/value: more decimals than USD has: rounded half to even to 1112742.40 (1112742.39948867)\n",
	} {
		if !strings.HasPrefix(got[kind], w) {
			t.Errorf("%s: %q, want %q", kind, got[kind], w)
		}
	}
}

// storedByType sums the stored allocations per "TYPE CUR", in minor units.
func storedByType(t *testing.T, s *mongostore.Store) map[string]int64 {
	t.Helper()
	as, err := s.FindAllocations(context.Background(), funding.AllocationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, a := range as {
		out[string(a.Type)+" "+a.Amount.Currency] += a.Amount.Units
	}
	return out
}
