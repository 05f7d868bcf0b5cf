package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// plans returns an API over s for each plan of nested reads s can run: the batched one,
// a find per parent, and, where the store has $unionWith (MongoDB, not the embedded
// FerretDB), one aggregate per level.
func plans(t *testing.T, d *seed.Dataset) (map[string]*api, *seed.Dataset) {
	t.Helper()
	s, cmds := storetest.Open(t, d)
	out := map[string]*api{
		mongostore.NestedBatched:       {h: newHandler(s.WithNestedReads(mongostore.NestedBatched), 0), cmds: cmds},
		mongostore.NestedPerParentFind: {h: newHandler(s.WithNestedReads(mongostore.NestedPerParentFind), 0), cmds: cmds},
	}
	if s.NestedReads() == mongostore.NestedPerParent {
		out[mongostore.NestedPerParent] = &api{h: newHandler(s, 0), cmds: cmds}
	} else {
		t.Logf("the store has no $unionWith (nested reads %s): the aggregate per level is not tried here; scripts/test-mongodb-compatible tries it", s.NestedReads())
	}
	return out, d
}

// data posts a query that must succeed and returns its data, compacted.
func (a *api) data(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	code, r := a.post(t, query, vars)
	if code != 200 || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %+v", code, r.Errors)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, r.Data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const pageFields = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }`

// TestNestedPlansAgree: every plan of nested reads answers the same JSON, cursors and
// pageInfo included, for nested pages forwards and backwards, after and before cursors
// (alone, together, near either end), filters, orders and totalCount, on relations of
// one hop, of two hops merged at the last (Donor.allocations, Country.allocations), by id
// (Project.donors) and by a list reference (Country.projects, Agreement.trustFunds).
func TestNestedPlansAgree(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 6, Projects: 80, Allocations: 240, Seed: 7})
	apis, _ := plans(t, d)
	base := apis[mongostore.NestedBatched]
	var codes []string
	busiest, projects := "", map[string]int{}
	for i, p := range d.Projects {
		for _, c := range p.Countries {
			if i < 6 {
				codes = append(codes, c.CountryCode)
			}
			if projects[c.CountryCode]++; projects[c.CountryCode] > projects[busiest] {
				busiest = c.CountryCode
			}
		}
	}

	queries := []struct {
		name, query string
		vars        map[string]any
	}{
		{"donors", `{ donors(first: 5) { nodes { id
			trustFunds(first: 2, orderBy: [{field: NAME}]) { ` + pageFields + `
				nodes { allocations(first: 3, orderBy: [{field: YEAR, direction: DESC}, {field: AMOUNT}], filter: {year: {gte: 2012}}) { ` + pageFields + ` } } }
			allocations(first: 2, orderBy: [{field: AMOUNT, direction: DESC}]) { ` + pageFields + ` }
			backwards: allocations(last: 3, filter: {year: {lt: 2020}}) { ` + pageFields + ` }
			agreements(last: 2) { ` + pageFields + ` nodes { trustFunds(first: 1) { ` + pageFields + ` } } }
			projects(first: 2, orderBy: [{field: TITLE, direction: DESC}]) { ` + pageFields + ` }
		} } }`, nil},
		{"countries", `query($codes: [String!]) { countries(filter: {code: {in: $codes}}) { nodes { code
			projects(first: 2, orderBy: [{field: STARTS_ON}]) { ` + pageFields + `
				nodes { donors(first: 1) { ` + pageFields + ` } trustFunds(last: 1) { ` + pageFields + ` } allocations(last: 2, orderBy: [{field: YEAR}]) { ` + pageFields + ` } } }
			allocations(first: 3, orderBy: [{field: IMPLEMENTING_AGENCY}]) { ` + pageFields + ` }
			donors(first: 1) { ` + pageFields + ` }
			partnerDonors(last: 1) { ` + pageFields + ` }
		} } }`, map[string]any{"codes": codes}},
	}
	for _, q := range queries {
		want := base.data(t, q.query, q.vars)
		for name, a := range apis {
			if got := a.data(t, q.query, q.vars); got != want {
				t.Errorf("%s on the %s plan:\n got %s\nwant %s", q.name, name, got, want)
			}
		}
	}

	// Cursors: pages after and before positions taken from the batched plan's answer,
	// of a list below one parent, for a relation of each shape.
	lists := []struct{ name, query, field string }{
		{"Donor.allocations", `query($id: ID!, $first: Int, $last: Int, $after: String, $before: String) { donor(id: $id) { list: allocations(first: $first, last: $last, after: $after, before: $before, orderBy: [{field: YEAR}]) { ` + pageFields + ` } } }`,
			globalID(funding.TypeDonor, d.Donors[0].ID)},
		{"TrustFund.allocations", `query($id: ID!, $first: Int, $last: Int, $after: String, $before: String) { trustFund(id: $id) { list: allocations(first: $first, last: $last, after: $after, before: $before, orderBy: [{field: AMOUNT, direction: DESC}], filter: {year: {gte: 2000}}) { ` + pageFields + ` } } }`,
			globalID(funding.TypeTrustFund, d.TrustFunds[0].ID)},
		{"Country.projects", `query($id: String!, $first: Int, $last: Int, $after: String, $before: String) { country(code: $id) { list: projects(first: $first, last: $last, after: $after, before: $before) { ` + pageFields + ` } } }`,
			busiest},
	}
	for _, l := range lists {
		cursors := cursorsOf(t, base, l.query, map[string]any{"id": l.field, "first": 100})
		if len(cursors) < 5 {
			t.Fatalf("%s: %d items; the test wants at least 5", l.name, len(cursors))
		}
		c1, c4, last := cursors[1], cursors[len(cursors)-2], cursors[len(cursors)-1]
		for _, v := range []map[string]any{
			{"first": 2, "after": c1}, {"last": 2, "before": c4}, {"first": 2, "after": c1, "before": c4},
			{"last": 1, "after": c1, "before": c4}, {"first": 10, "after": c4}, {"last": 10, "before": c1},
			{"first": 3, "after": last}, {"last": 3, "before": cursors[0]}, {"first": 2, "after": c4, "before": c1},
			{"last": 2}, {"first": 1},
		} {
			v["id"] = l.field
			want := base.data(t, l.query, v)
			for name, a := range apis {
				if got := a.data(t, l.query, v); got != want {
					t.Errorf("%s %s on the %s plan:\n got %s\nwant %s", l.name, argsOf(v), name, got, want)
				}
			}
		}
	}
}

// cursorsOf returns the cursors of the list "list" below the query's one object.
func cursorsOf(t *testing.T, a *api, query string, vars map[string]any) []string {
	t.Helper()
	var data map[string]struct {
		List struct {
			Edges []struct{ Cursor string }
		}
	}
	if err := json.Unmarshal([]byte(a.data(t, query, vars)), &data); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, obj := range data {
		for _, e := range obj.List.Edges {
			out = append(out, e.Cursor)
		}
	}
	return out
}

// argsOf names a page's arguments for a message.
func argsOf(v map[string]any) string {
	var parts []string
	for _, k := range []string{"first", "last", "after", "before"} {
		if x, ok := v[k]; ok {
			s := fmt.Sprint(x)
			if len(s) > 8 {
				s = s[:8] + "…"
			}
			parts = append(parts, k+"="+s)
		}
	}
	return strings.Join(parts, " ")
}
