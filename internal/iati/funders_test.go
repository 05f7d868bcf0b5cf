package iati_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// manyFunders is one activity with funders Funding organisations and transactions
// commitments of EUR i+1 (the i-th, from 0): a third name their provider by ref, a third
// by name only (both among the last 100 funders), a third name none (so their money comes
// from the first funder). It is the shape that made the import quadratic.
func manyFunders(funders, transactions int) string {
	var b strings.Builder
	b.WriteString(`<iati-activities version="2.03"><iati-activity default-currency="EUR" last-updated-datetime="2024-01-01T00:00:00Z">` +
		`<iati-identifier>XM-MANY-1</iati-identifier><reporting-org ref="XM-REP" type="40"><narrative>Reporter</narrative></reporting-org>` +
		`<title><narrative>Many funders</narrative></title><activity-status code="2"/><activity-date type="1" iso-date="2020-01-01"/>`)
	for i := range funders {
		fmt.Fprintf(&b, `<participating-org role="1" ref="XM-F-%d" type="10"><narrative>Funder %s</narrative></participating-org>`, i, alpha(i))
	}
	for i := range transactions {
		b.WriteString(`<transaction><transaction-type code="2"/><transaction-date iso-date="2020-01-01"/>`)
		fmt.Fprintf(&b, `<value value-date="2020-01-01">%d</value>`, i+1)
		switch late := funders - 1 - i%100; i % 3 {
		case 0:
			fmt.Fprintf(&b, `<provider-org ref="XM-F-%d"/>`, late)
		case 1:
			fmt.Fprintf(&b, `<provider-org><narrative>funder %s</narrative></provider-org>`, alpha(late))
		}
		b.WriteString(`</transaction>`)
	}
	b.WriteString(`</iati-activity></iati-activities>`)
	return b.String()
}

// alpha writes i in letters (a, b, …, z, ba, …), as names match by their letters only.
func alpha(i int) string {
	s := string(rune('a' + i%26))
	for i /= 26; i > 0; i /= 26 {
		s = string(rune('a'+i%26)) + s
	}
	return s
}

// TestImportManyFunders imports an activity with 14,119 funders and 5,499 transactions
// (a megabyte of XML): every transaction becomes an allocation from the funder it names,
// the 101 funders used become donors with a trust fund each, and the totals match.
func TestImportManyFunders(t *testing.T) {
	const funders, transactions = 14_119, 5_499
	s, _ := storetest.Open(t, seed.Flanders())
	before := counts(t, s)
	sum := importString(t, s, manyFunders(funders, transactions), iati.Options{})
	if sum.Created != 1 || len(sum.Skipped) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	want := int64(transactions) * (transactions + 1) / 2 * 100 // EUR 1 + 2 + … in cents
	if len(sum.Totals) != 1 || sum.Totals[0].Type != funding.Commitment || sum.Totals[0].FileUnits != want || sum.Totals[0].StoredUnits != want {
		t.Errorf("totals %+v, want one of commitments in EUR, %d in the file and stored", sum.Totals, want)
	}
	after := counts(t, s)
	for k, n := range map[string]int{"projects": 1, "allocations": transactions, "donors": 101, "trustFunds": 101} {
		if after[k]-before[k] != n {
			t.Errorf("%d %s added, want %d", after[k]-before[k], k, n)
		}
	}

	// Each allocation's money comes from the funder its transaction names.
	ctx := context.Background()
	project := funding.ID{Kind: funding.TypeProject, Local: iati.ProjectID("XM-MANY-1")}
	as, err := s.FindAllocations(ctx, funding.AllocationQuery{Filter: &funding.AllocationFilter{ProjectID: &funding.IDFilter{Eq: &project}}})
	if err != nil {
		t.Fatal(err)
	}
	funds := map[string]*funding.TrustFund{}
	fs, err := s.FindTrustFunds(ctx, funding.TrustFundQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		funds[f.ID] = f
	}
	ds, err := s.AllDonors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, d := range ds {
		refs[d.ID] = d.Ref
	}
	if len(as) != transactions {
		t.Fatalf("%d allocations read back, want %d", len(as), transactions)
	}
	for _, a := range as {
		var i int
		if _, err := fmt.Sscanf(a.Source, "IATI transaction %d", &i); err != nil {
			t.Fatalf("allocation %s: source %q", a.ID, a.Source)
		}
		i-- // from 0
		from := "XM-F-0"
		if i%3 != 2 {
			from = fmt.Sprintf("XM-F-%d", funders-1-i%100)
		}
		f := funds[a.TrustFundID]
		if f == nil || refs[f.DonorID] != from || a.Amount.Units != int64(i+1)*100 {
			t.Fatalf("transaction %d: %s from fund %s (donor ref %q), want EUR %d.00 from %s", i, a.Amount.Decimal(), a.TrustFundID, refs[f.DonorID], i+1, from)
		}
	}
}

// BenchmarkImportManyFunders measures the import of that activity (a dry run, so the
// store holds nothing new between runs).
func BenchmarkImportManyFunders(b *testing.B) {
	s, _ := storetest.Open(b, seed.Flanders())
	doc := manyFunders(14_119, 5_499)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := iati.Import(context.Background(), s, strings.NewReader(doc), iati.Options{NewID: mongostore.NewID, DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
}
