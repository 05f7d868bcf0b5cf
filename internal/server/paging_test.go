package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

type conn struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Nodes []struct{ ID string }
}

// walk pages through a list seven at a time, forwards (first/after) or backwards
// (last/before), and returns the ids in list order. field is the list's path in the
// response, e.g. "projects" or "donor.allocations".
func walk(t *testing.T, a *api, query string, vars map[string]any, path []string, backwards bool) []string {
	t.Helper()
	var ids []string
	var cursor *string
	for pages := 0; ; pages++ {
		v := map[string]any{"cursor": cursor}
		for k, x := range vars {
			v[k] = x
		}
		var data map[string]json.RawMessage
		a.query(t, query, v, &data)
		raw := data[path[0]]
		for _, p := range path[1:] {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			raw = m[p]
		}
		var c conn
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		page := make([]string, len(c.Nodes))
		for i, n := range c.Nodes {
			page[i] = n.ID
		}
		if backwards {
			ids = append(page, ids...)
			if !c.PageInfo.HasPreviousPage {
				return ids
			}
			cursor = c.PageInfo.StartCursor
		} else {
			ids = append(ids, page...)
			if !c.PageInfo.HasNextPage {
				return ids
			}
			cursor = c.PageInfo.EndCursor
		}
		if pages > 500 || len(page) == 0 {
			t.Fatalf("paging does not end (page %d has %d items)", pages, len(page))
		}
	}
}

// expected sorts items the way the API promises: by the order's keys, then by id.
func expected[T any, F ~string](items []*T, order []funding.Order[F], sortKey func(*T, F) any, id func(*T) string, typ funding.Kind) []string {
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b *T) int { return funding.Compare(a, b, order, sortKey, id) })
	out := make([]string, len(sorted))
	for i, x := range sorted {
		out[i] = globalID(typ, id(x))
	}
	return out
}

func orderArg[F ~string](order []funding.Order[F]) []map[string]string {
	out := []map[string]string{}
	for _, o := range order {
		m := map[string]string{"field": string(o.Field)}
		if o.Direction != "" {
			m["direction"] = string(o.Direction)
		}
		out = append(out, m)
	}
	return out
}

// TestPagingProperty: for each entity and a sample of orderings, paging through the whole
// list seven at a time forwards, and backwards, returns every item exactly once, in order.
func TestPagingProperty(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 9, Projects: 80, Allocations: 200, Seed: 11})
	a := newAPI(t, d)
	check := func(t *testing.T, list, orderType string, order any, want []string) {
		t.Helper()
		q := fmt.Sprintf(`query($order: [%[2]s!], $cursor: String) { %[1]s(orderBy: $order, first: 7, after: $cursor) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }`, list, orderType)
		if got := walk(t, a, q, map[string]any{"order": order}, []string{list}, false); !slices.Equal(got, want) {
			t.Errorf("forwards: %d ids, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
		q = fmt.Sprintf(`query($order: [%[2]s!], $cursor: String) { %[1]s(orderBy: $order, last: 7, before: $cursor) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }`, list, orderType)
		if got := walk(t, a, q, map[string]any{"order": order}, []string{list}, true); !slices.Equal(got, want) {
			t.Errorf("backwards: %d ids, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
	}
	projectOrders := [][]funding.ProjectOrder{nil, {{Field: "STARTS_ON", Direction: funding.DESC}}, {{Field: "STATUS"}, {Field: "TITLE", Direction: funding.DESC}}, {{Field: "ENDS_ON"}}}
	for _, o := range projectOrders {
		t.Run(fmt.Sprint("projects", o), func(t *testing.T) {
			check(t, "projects", "ProjectOrder", orderArg(o), expected(d.Projects, withAsc(o), (*funding.Project).SortKey, func(p *funding.Project) string { return p.ID }, funding.TypeProject))
		})
	}
	for _, o := range [][]funding.AllocationOrder{{{Field: "YEAR"}}, {{Field: "AMOUNT", Direction: funding.DESC}, {Field: "YEAR"}}} {
		t.Run(fmt.Sprint("allocations", o), func(t *testing.T) {
			check(t, "allocations", "AllocationOrder", orderArg(o), expected(d.Allocations, withAsc(o), (*funding.Allocation).SortKey, func(x *funding.Allocation) string { return x.ID }, funding.TypeAllocation))
		})
	}
	for _, o := range [][]funding.DonorOrder{{{Field: "NAME"}}, {{Field: "COOPERATING_SINCE", Direction: funding.DESC}}} {
		t.Run(fmt.Sprint("donors", o), func(t *testing.T) {
			check(t, "donors", "DonorOrder", orderArg(o), expected(d.Donors, withAsc(o), (*funding.Donor).SortKey, func(x *funding.Donor) string { return x.ID }, funding.TypeDonor))
		})
	}
	t.Run("trustFunds [ENDS_ON DESC]", func(t *testing.T) {
		o := []funding.TrustFundOrder{{Field: "ENDS_ON", Direction: funding.DESC}}
		check(t, "trustFunds", "TrustFundOrder", orderArg(o), expected(d.TrustFunds, o, (*funding.TrustFund).SortKey, func(x *funding.TrustFund) string { return x.ID }, funding.TypeTrustFund))
	})
	t.Run("agreements [SIGNED_ON]", func(t *testing.T) {
		o := []funding.AgreementOrder{{Field: "SIGNED_ON", Direction: funding.ASC}}
		check(t, "agreements", "AgreementOrder", orderArg(o), expected(d.Agreements, o, (*funding.Agreement).SortKey, func(x *funding.Agreement) string { return x.ID }, funding.TypeAgreement))
	})
	t.Run("countries [REGION NAME]", func(t *testing.T) {
		o := []funding.CountryOrder{{Field: "REGION", Direction: funding.ASC}, {Field: "NAME", Direction: funding.ASC}}
		check(t, "countries", "CountryOrder", orderArg(o), expected(d.Countries, o, (*funding.Country).SortKey, func(x *funding.Country) string { return x.Code }, funding.TypeCountry))
	})
	t.Run("nested donor.allocations [AMOUNT DESC]", func(t *testing.T) {
		donor := d.Donors[0]
		funds := map[string]bool{}
		for _, tf := range d.TrustFunds {
			funds[tf.ID] = tf.DonorID == donor.ID
		}
		var mine []*funding.Allocation
		for _, al := range d.Allocations {
			if funds[al.TrustFundID] {
				mine = append(mine, al)
			}
		}
		o := []funding.AllocationOrder{{Field: "AMOUNT", Direction: funding.DESC}}
		want := expected(mine, o, (*funding.Allocation).SortKey, func(x *funding.Allocation) string { return x.ID }, funding.TypeAllocation)
		if len(want) < 8 {
			t.Fatalf("donor has only %d allocations; pick a bigger one", len(want))
		}
		vars := map[string]any{"id": globalID(funding.TypeDonor, donor.ID), "order": orderArg(o)}
		fwd := `query($id: ID!, $order: [AllocationOrder!], $cursor: String) { donor(id: $id) { allocations(orderBy: $order, first: 7, after: $cursor) {
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } }`
		if got := walk(t, a, fwd, vars, []string{"donor", "allocations"}, false); !slices.Equal(got, want) {
			t.Errorf("forwards: %d ids, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
		back := `query($id: ID!, $order: [AllocationOrder!], $cursor: String) { donor(id: $id) { allocations(orderBy: $order, last: 7, before: $cursor) {
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } }`
		if got := walk(t, a, back, vars, []string{"donor", "allocations"}, true); !slices.Equal(got, want) {
			t.Errorf("backwards: %d ids, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
	})
}

// withAsc fills in the default direction.
func withAsc[F ~string](o []funding.Order[F]) []funding.Order[F] {
	out := slices.Clone(o)
	for i := range out {
		if out[i].Direction == "" {
			out[i].Direction = funding.ASC
		}
	}
	return out
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestPagingWhileWriting: projects added while a client pages (some sorting before its
// position, some after) never make it see an item twice or miss one that was there.
func TestPagingWhileWriting(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 3, Projects: 40, Allocations: 60, Seed: 3})
	s, cmds := storetest.Open(t, d)
	a := &api{h: newHandler(s, 0), cmds: cmds}
	q := `query($cursor: String) { projects(orderBy: [{field: STARTS_ON, direction: DESC}], first: 7, after: $cursor) {
		pageInfo { hasNextPage endCursor } nodes { id startsOn } } }`
	seen := map[string]int{}
	var cursor *string
	for page := 0; ; page++ {
		var got struct {
			Projects struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Nodes []struct{ ID, StartsOn string }
			}
		}
		a.query(t, q, map[string]any{"cursor": cursor}, &got)
		for _, n := range got.Projects.Nodes {
			seen[n.ID]++
		}
		if page == 2 {
			// One project that sorts before the client's position, one after.
			early, late := *d.Projects[0], *d.Projects[1]
			early.ID, early.Code, early.StartsOn = "zz-new-early", "NEW/1", funding.MustDate("2099-01-01")
			late.ID, late.Code, late.StartsOn = "zz-new-late", "NEW/2", funding.MustDate("1900-01-01")
			if err := s.PutProjects(context.Background(), []*funding.Project{&early, &late}); err != nil {
				t.Fatal(err)
			}
		}
		if !got.Projects.PageInfo.HasNextPage {
			break
		}
		cursor = got.Projects.PageInfo.EndCursor
	}
	for _, p := range d.Projects {
		if n := seen[globalID(funding.TypeProject, p.ID)]; n != 1 {
			t.Errorf("project %s seen %d times", p.ID, n)
		}
	}
	if seen[globalID(funding.TypeProject, "zz-new-late")] != 1 || seen[globalID(funding.TypeProject, "zz-new-early")] != 0 {
		t.Errorf("the project added behind the position must not appear, the one ahead must: %v", seen)
	}
}
