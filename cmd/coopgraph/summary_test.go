package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestImportCommandRepairs runs `coopgraph import iati` on files shaped like the real
// publishers' files of issue 18 and on one without a version whose 305 transactions have
// text-only dates: every activity is imported, no printed line is over 200 characters,
// warnings are grouped by kind, and the budgets are said to be not imported.
func TestImportCommandRepairs(t *testing.T) {
	var b strings.Builder
	b.WriteString("<iati-activities>\n <iati-activity default-currency=\"EUR\">\n  <iati-identifier>XX-TEST-305</iati-identifier>\n" +
		"  <title><narrative>Many transactions</narrative></title>\n  <activity-date type=\"2\" iso-date=\"2019-04-01\"/>\n")
	for i := range 305 {
		fmt.Fprintf(&b, "  <transaction><transaction-type code=\"3\"/><transaction-date>2019-Q%d</transaction-date><value>%d.01</value></transaction>\n", i%4+1, i+1)
	}
	b.WriteString(" </iati-activity>\n</iati-activities>\n")
	many := filepath.Join(t.TempDir(), "many.xml")
	if err := os.WriteFile(many, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{"../../internal/iati/testdata/repair/v101-text-dates.xml", "../../internal/iati/testdata/repair/v10-legacy.xml",
		"../../internal/iati/testdata/repair/v2-multi.xml", many}
	var out strings.Builder
	if err := run(context.Background(), append([]string{"import", "iati", "--data-dir", dir}, files...), noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"v101-text-dates.xml (IATI 1.01): 2 activities: 2 created, 0 updated, 0 unchanged, 0 skipped\n",
		"v10-legacy.xml (IATI 1.0): 2 activities: 2 created, 0 updated, 0 unchanged, 0 skipped\n",
		"v2-multi.xml (IATI 2.02): 4 activities: 4 created, 0 updated, 0 unchanged, 0 skipped\n",
		"many.xml (IATI version not given): 1 activity: 1 created, 0 updated, 0 unchanged, 0 skipped\n",
		"  EXPENDITURE          USD          1112742.39448867           1112742.40                     0.00    -0.00551133\n",
		"  DISBURSEMENT         EUR                  46668.05             46668.05                     0.00           0.00\n",
		"    date-fallback: 305\n",
		"  not imported: 2 budget and 1 planned-disbursement elements\n",
		"  transactions left out: 1\n    type: 1\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > 200 {
			t.Errorf("a line of %d characters: %s", n, line)
		}
	}
	if n := strings.Count(out.String(), "2019-04-01 (\"\")"); n != 3 {
		t.Errorf("%d examples of the 305 warnings, want 3", n)
	}
}
