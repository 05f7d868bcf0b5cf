package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// Ids are decoded at the edge: a bad id fails its own field, on its own argument path,
// before any store read, and never a sibling that shares a loader batch with it.

// errorsAt returns the errors whose path ends in last.
func errorsAt(r gqlResponse, last string) []gqlError {
	var out []gqlError
	for _, e := range r.Errors {
		if len(e.Path) > 0 && e.Path[len(e.Path)-1] == last {
			out = append(out, e)
		}
	}
	return out
}

// TestBadIDFailsOnlyItsAlias: of two aliases of a donor's trust funds, the one with a
// malformed id in its filter fails, once per donor, with BAD_USER_INPUT on
// "filter.id.eq"; its sibling has no error. (Before, the ids were decoded inside the
// shared batch, and the sibling failed with the same error.) The response's data is
// still null: Donor.trustFunds is non-null, so the failed alias nulls its donor and, up
// the non-null list, the whole response, as the GraphQL spec requires.
func TestBadIDFailsOnlyItsAlias(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	_, r := a.post(t, `{ donors(first: 2) { nodes { a: trustFunds(filter: {id: {eq: "bad"}}) { totalCount } b: trustFunds { totalCount } } } }`, nil)
	if got := errorsAt(r, "a"); len(got) != 2 || len(r.Errors) != 2 {
		t.Fatalf("errors %+v; want two, one per donor, all on alias a", r.Errors)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "filter.id.eq" {
			t.Errorf("error %+v; want BAD_USER_INPUT on filter.id.eq", e)
		}
	}
}

// TestBadIDSiblingsKeepTheirData: under nullable parents, the aliases with a bad id (one
// malformed, one of another kind) are null with their error, and the siblings whose
// trust funds are read in the same batch return them.
func TestBadIDSiblingsKeepTheirData(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	q := fmt.Sprintf(`{
  x: donor(id: %[1]q) { a: trustFunds(filter: {id: {eq: "bad"}}) { totalCount } }
  w: donor(id: %[2]q) { a: trustFunds(filter: {donorId: {eq: %[3]q}}) { totalCount } }
  y: donor(id: %[2]q) { name b: trustFunds { totalCount } }
  z: donor(id: %[1]q) { b: trustFunds(filter: {id: {eq: %[3]q}}) { nodes { name } } }
}`, gid("Donor", "flanders"), gid("Donor", "netherlands"), gid("TrustFund", "ilo-flanders-tf"))
	_, r := a.post(t, q, nil)
	if got := errorsAt(r, "a"); len(got) != 2 || len(r.Errors) != 2 {
		t.Fatalf("errors %+v; want two, on the aliases a", r.Errors)
	}
	want := map[string]string{"x": "filter.id.eq", "w": "filter.donorId.eq"}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != want[e.Path[0].(string)] {
			t.Errorf("error %+v; want BAD_USER_INPUT on %s", e, want[e.Path[0].(string)])
		}
	}
	var got struct {
		X, W *struct{}
		Y    struct {
			Name string
			B    struct{ TotalCount int }
		}
		Z struct {
			B struct{ Nodes []struct{ Name string } }
		}
	}
	if err := json.Unmarshal(r.Data, &got); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
	if got.X != nil || got.W != nil || got.Y.B.TotalCount != 1 || len(got.Z.B.Nodes) != 1 {
		t.Errorf("data %s; want x and w null, y's one trust fund, z's one trust fund", r.Data)
	}
}

// TestBadIDBeforeStoreRead: a malformed id, or one of the wrong kind, in any argument is
// refused on its own path and the store is not read.
func TestBadIDBeforeStoreRead(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	for _, tc := range []struct{ query, field, message string }{
		{fmt.Sprintf(`{ donors(filter: {id: {in: [%q, "bad"]}}) { totalCount } }`, gid("Donor", "flanders")), "filter.id.in[1]", "not a coopgraph id"},
		{fmt.Sprintf(`{ projects(filter: {or: [{code: {eq: "X"}}, {donorId: {ne: %q}}]}) { totalCount } }`, gid("Project", "p")), "filter.or[1].donorId.ne", "is a Project id, not a Donor id"},
		{fmt.Sprintf(`{ nodes(ids: [%q, "bad"]) { id } }`, gid("Donor", "flanders")), "ids[1]", "not a coopgraph id"},
		{`query($id: ID!) { trustFund(id: $id) { name } }`, "id", "not a coopgraph id"},
		{fmt.Sprintf(`{ trustFund(id: %q) { name } }`, gid("Donor", "flanders")), "id", "is a Donor id, not a TrustFund id"},
	} {
		a.cmds.Reset()
		e := a.queryError(t, tc.query, map[string]any{"id": "bad"})
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != tc.field || !strings.Contains(e.Message, tc.message) {
			t.Errorf("%s: error %+v; want BAD_USER_INPUT on %s saying %q", tc.query, e, tc.field, tc.message)
		}
		if n := a.cmds.Reads(); n != 0 {
			t.Errorf("%s: the store was read %d times, want 0", tc.query, n)
		}
	}
}
