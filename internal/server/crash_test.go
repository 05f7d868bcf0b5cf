package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestCrashDuringWrite kills a write at each of its steps (after the version claim, after
// the store write, before the audit commit), restarts the store and the server on the same
// data (the server reconciles at start-up, as `coopgraph serve` does), and shows that the
// object is still changeable with the version it has, and that its history holds exactly
// one committed entry per stored change and nothing pending.
func TestCrashDuringWrite(t *testing.T) {
	skills := map[string]any{"id": skillsProjectID}
	cases := []struct {
		name   string
		step   mongostore.WriteStep
		stored bool // whether the change is stored when the process dies
	}{
		{"after the claim", mongostore.StepClaimed, false},
		{"after the write", mongostore.StepWritten, true},
		{"before the audit commit", mongostore.StepCommitting, true},
	}
	for _, c := range cases {
		t.Run("update "+c.name, func(t *testing.T) {
			rig := newCrashRig(t)
			v := rig.version(t, "project", skills)
			rig.crash(t, c.step, updateProjectM, inputVars(map[string]any{"id": skillsProjectID, "expectedVersion": v, "title": "Crashed"}))
			rig.restart(t)
			if c.stored {
				v++
			}
			if got := rig.version(t, "project", skills); got != v {
				t.Fatalf("after the restart the project is at version %d, want %d", got, v)
			}
			rig.checkHistory(t, skillsProjectID, versions(2, v), nil)
			// Still changeable: an update with the version it has succeeds.
			var out any
			rig.m.ok(t, rig.m.editor, updateProjectM, inputVars(map[string]any{"id": skillsProjectID, "expectedVersion": v, "title": "After"}), &out)
			rig.checkHistory(t, skillsProjectID, versions(2, v+1), nil)
		})
		t.Run("delete "+c.name, func(t *testing.T) {
			rig := newCrashRig(t)
			var made struct {
				CreateCountry struct{ Country struct{ ID string } }
			}
			rig.m.ok(t, rig.m.editor, createCountryM, inputVars(countryInput("XK", "XKX", "Kosovo")), &made)
			id := made.CreateCountry.Country.ID
			rig.crash(t, c.step, `mutation($input: DeleteInput!) { deleteCountry(input: $input) { deletedId } }`,
				inputVars(map[string]any{"id": id, "expectedVersion": 1}))
			rig.restart(t)
			if c.stored {
				rig.checkHistory(t, id, nil, []string{"CREATE v1", "DELETE v1"})
				// The code may be used again.
				rig.m.ok(t, rig.m.editor, createCountryM, inputVars(countryInput("XK", "XKX", "Kosovo")), &made)
				rig.checkHistory(t, id, nil, []string{"CREATE v1", "DELETE v1", "CREATE v1"})
				return
			}
			rig.checkHistory(t, id, nil, []string{"CREATE v1"})
			var out any
			rig.m.ok(t, rig.m.editor, `mutation($input: DeleteInput!) { deleteCountry(input: $input) { deletedId } }`,
				inputVars(map[string]any{"id": id, "expectedVersion": 1}), &out)
			rig.checkHistory(t, id, nil, []string{"CREATE v1", "DELETE v1"})
		})
	}
	for _, c := range cases[1:] { // a create claims nothing
		t.Run("createAllocations "+c.name, func(t *testing.T) {
			rig := newCrashRig(t)
			before := rig.m.count(t, "allocations")
			rig.crash(t, c.step, createAllocationsM, inputVars([]any{allocationInput("10.00", "EUR"), allocationInput("20.00", "EUR")}))
			rig.restart(t)
			if got := rig.m.count(t, "allocations"); got != before+2 {
				t.Fatalf("%d allocations after the restart, want %d", got, before+2)
			}
			ids := rig.newAllocations(t)
			if len(ids) != 2 {
				t.Fatalf("%d allocations with a write token, want 2", len(ids))
			}
			for _, id := range ids {
				rig.checkHistory(t, id, nil, []string{"CREATE v1"})
				var out any
				rig.m.ok(t, rig.m.editor, `mutation($input: UpdateAllocationInput!) { updateAllocation(input: $input) { allocation { version } } }`,
					inputVars(map[string]any{"id": id, "expectedVersion": 1, "implementingAgency": "UNDP"}), &out)
				rig.checkHistory(t, id, nil, []string{"CREATE v1", "UPDATE v2"})
			}
		})
	}
}

// crashRig is an embedded store, loaded with the demo data, that outlives the servers a
// test starts over it: one that crashes part way through a write, then, after the store
// restarts, a fresh one that reconciles at start-up as `coopgraph serve` does.
type crashRig struct {
	store *storetest.Restartable
	keys  *auth.Keyring
	raw   *mongo.Database // to see what the API does not show: pending entries, claims
	m     *mutAPI         // the server now running
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	c := &crashRig{store: storetest.StartRestartable(t)}
	kr, keys := newKeys(t)
	c.keys = kr
	c.m = &mutAPI{viewer: keys[auth.Viewer], editor: keys[auth.Editor], admin: keys[auth.Admin]}
	s := c.connect(t, nil)
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(context.Background(), s, seed.Flanders()); err != nil {
		t.Fatal(err)
	}
	c.m.h = newKeyedHandler(s, kr, false)
	raw, err := mongo.Connect(options.Client().ApplyURI(c.store.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Disconnect(context.Background()) })
	c.raw = raw.Database("coopgraph")
	return c
}

// connect returns a new client of the store; step is its test hook (nil: none).
func (c *crashRig) connect(t *testing.T, step func(mongostore.WriteStep)) *mongostore.Store {
	t.Helper()
	s, err := mongostore.Connect(context.Background(), c.store.URI(), "coopgraph", mongostore.Options{AtStep: step})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// crash sends the mutation to a server whose writes stop dead at step, as if the process
// were killed there (the hook panics, so nothing after it runs), and checks that the
// request failed. The server is dropped.
func (c *crashRig) crash(t *testing.T, step mongostore.WriteStep, query string, vars map[string]any) {
	t.Helper()
	s := c.connect(t, func(at mongostore.WriteStep) {
		if at == step {
			panic(fmt.Sprintf("killed at %s", step))
		}
	})
	status, r := postKey(t, newKeyedHandler(s, c.keys, false), c.m.editor, query, vars)
	if status == http.StatusOK && len(r.Errors) == 0 {
		t.Fatalf("the write did not stop at %s: it succeeded (%s)", step, r.Data)
	}
	_ = s.Close(context.Background())
}

// restart stops the store and starts it again over the same files, then starts a new
// server that reconciles before serving.
func (c *crashRig) restart(t *testing.T) {
	t.Helper()
	c.store.Stop()
	c.store.Start()
	s := c.connect(t, nil)
	if _, err := s.Reconcile(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	c.m.h = newKeyedHandler(s, c.keys, false)
}

// version returns the version of the object that field (e.g. "project") finds by vars.
func (c *crashRig) version(t *testing.T, field string, vars map[string]any) int {
	t.Helper()
	var got map[string]struct{ Version int }
	c.m.ok(t, c.m.viewer, fmt.Sprintf(`query($id: ID!) { %s(id: $id) { version } }`, field), vars, &got)
	return got[field].Version
}

// newAllocations returns the global ids of the allocations a request stored (those with a
// write token; the demo data has none).
func (c *crashRig) newAllocations(t *testing.T) []string {
	t.Helper()
	cur, err := c.raw.Collection("allocations").Find(context.Background(), bson.D{{Key: "writeToken", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, graph.GlobalID(funding.ID{Kind: funding.TypeAllocation, Local: d.ID}))
	}
	return ids
}

// checkHistory checks the committed audit entries of the object id, oldest first: updates
// to the versions given, or (if updates is nil) the actions given as "CREATE v1". It also
// checks that nothing is pending and no version claim is left.
func (c *crashRig) checkHistory(t *testing.T, id string, updates []int, want []string) {
	t.Helper()
	if updates != nil {
		for _, v := range updates {
			want = append(want, fmt.Sprintf("UPDATE v%d", v))
		}
	}
	var got []string
	entries := c.m.auditLog(t, map[string]any{"entityId": id})
	for i := len(entries) - 1; i >= 0; i-- {
		got = append(got, fmt.Sprintf("%s v%d", entries[i].Action, entries[i].Version))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("history of %s: %q, want %q", id, got, want)
	}
	left := func(coll string, f bson.D) {
		if n, err := c.raw.Collection(coll).CountDocuments(context.Background(), f); err != nil || n != 0 {
			t.Errorf("%d documents left in %s (%v), want none", n, coll, err)
		}
	}
	left("auditLog", bson.D{{Key: "committed", Value: false}})
	left("versionClaims", bson.D{})
}

// versions is from, from+1, …, to.
func versions(from, to int) []int {
	var out []int
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}
