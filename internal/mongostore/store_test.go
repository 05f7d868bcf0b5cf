package mongostore_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestRoundTrip writes the demo dataset and reads every entity back unchanged: no field
// is lost or altered by the mapping to storage documents.
func TestRoundTrip(t *testing.T) {
	d := seed.Flanders()
	s, _ := storetest.Open(t, d)
	ctx := context.Background()

	donors, err := s.FindDonors(ctx, funding.DonorQuery{})
	checkReadBack(t, "donors", donors, sortedByID(d.Donors, func(x *funding.Donor) string { return x.ID }), err)
	agreements, err := s.FindAgreements(ctx, funding.AgreementQuery{})
	checkReadBack(t, "agreements", agreements, sortedByID(d.Agreements, func(x *funding.Agreement) string { return x.ID }), err)
	funds, err := s.FindTrustFunds(ctx, funding.TrustFundQuery{})
	checkReadBack(t, "trust funds", funds, sortedByID(d.TrustFunds, func(x *funding.TrustFund) string { return x.ID }), err)
	projects, err := s.FindProjects(ctx, funding.ProjectQuery{})
	checkReadBack(t, "projects", projects, sortedByID(d.Projects, func(x *funding.Project) string { return x.ID }), err)
	allocations, err := s.FindAllocations(ctx, funding.AllocationQuery{})
	checkReadBack(t, "allocations", allocations, sortedByID(d.Allocations, func(x *funding.Allocation) string { return x.ID }), err)
	countries, err := s.FindCountries(ctx, funding.CountryQuery{})
	checkReadBack(t, "countries", countries, sortedByID(d.Countries, func(x *funding.Country) string { return x.Code }), err)

	// Writing the same data again duplicates nothing.
	if err := seed.Load(ctx, s, d); err != nil {
		t.Fatal(err)
	}
	for name, count := range map[string]func(context.Context) (int, error){
		"donors":      func(ctx context.Context) (int, error) { return s.CountDonors(ctx, nil) },
		"allocations": func(ctx context.Context) (int, error) { return s.CountAllocations(ctx, nil) },
		"countries":   func(ctx context.Context) (int, error) { return s.CountCountries(ctx, nil) },
	} {
		n, err := count(ctx)
		want := map[string]int{"donors": len(d.Donors), "allocations": len(d.Allocations), "countries": len(d.Countries)}[name]
		if err != nil || n != want {
			t.Errorf("after reloading, %d %s (%v), want %d", n, name, err, want)
		}
	}

	p, err := s.ProjectByCode(ctx, "MLW/18/01/FLA")
	if err != nil || p == nil || p.Budget == nil || p.Budget.Units != 27544200 {
		t.Errorf("ProjectByCode = %+v, %v", p, err)
	}
	if p, err := s.ProjectByCode(ctx, "NOPE"); p != nil || err != nil {
		t.Errorf("ProjectByCode(unknown) = %+v, %v; want nil, nil", p, err)
	}
}

// checkReadBack compares entities read back with those written, after checking and
// clearing the bookkeeping the store adds.
func checkReadBack(t *testing.T, name string, got, want any, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// Seed data is stored as version 1 with its creation time; compare the rest.
	metas := func(v any) []*funding.Meta {
		var out []*funding.Meta
		rv := reflect.ValueOf(v)
		for i := range rv.Len() {
			out = append(out, rv.Index(i).Elem().FieldByName("Meta").Addr().Interface().(*funding.Meta))
		}
		return out
	}
	for _, m := range metas(got) {
		if m.Version != 1 || m.CreatedAt.IsZero() || !m.UpdatedAt.Equal(m.CreatedAt) {
			t.Errorf("%s: stored bookkeeping %+v, want version 1 and its creation time", name, *m)
		}
		*m = funding.Meta{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s read back differ from what was written:\n got %+v\nwant %+v", name, got, want)
	}
}

func sortedByID[T any](xs []*T, id func(*T) string) []*T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b *T) int { return strings.Compare(id(a), id(b)) })
	return out
}
