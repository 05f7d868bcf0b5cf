package server_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestOneKeyOneEquality reads one object by its id as the equality {_id: id}, without $in,
// sort or limit: the one filter the embedded FerretDB hands to SQLite instead of decoding
// the whole collection. Top-level lookups read at once, one equality each; two keys in
// one loader batch still go as one $in.
func TestOneKeyOneEquality(t *testing.T) {
	var mu sync.Mutex
	var finds []bson.Raw
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName == "find" {
			mu.Lock()
			finds = append(finds, e.Command)
			mu.Unlock()
		}
	}}
	s, cmds := storetest.Open(t, seed.Flanders(), mon)
	a := &api{h: newHandler(s, 0), cmds: cmds}
	sent := func(query string) []bson.Raw {
		mu.Lock()
		finds = nil
		mu.Unlock()
		var out map[string]any
		a.query(t, query, nil, &out)
		mu.Lock()
		defer mu.Unlock()
		return finds
	}

	got := sent(`{ country(code: "MW") { name } }`)
	if len(got) != 1 {
		t.Fatalf("%d finds, want 1", len(got))
	}
	if f := got[0].Lookup("filter").Document().String(); f != `{"_id": "MW"}` {
		t.Errorf("filter %s, want the equality {\"_id\": \"MW\"}", f)
	}
	if _, err := got[0].LookupErr("sort"); err == nil {
		t.Errorf("a one-key read sends a sort: %s", got[0])
	}

	got = sent(`{ a: country(code: "MW") { name } b: country(code: "MZ") { name } }`)
	if len(got) != 2 {
		t.Fatalf("%d finds for two top-level lookups, want 2", len(got))
	}
	for _, f := range got {
		if f := f.Lookup("filter").Document().String(); f != `{"_id": "MW"}` && f != `{"_id": "MZ"}` {
			t.Errorf("filter %s, want an equality", f)
		}
	}

	got = sent(`{ nodes(ids: ["` + globalID(funding.TypeCountry, "MW") + `", "` + globalID(funding.TypeCountry, "MZ") + `"]) { id } }`)
	if len(got) != 1 {
		t.Fatalf("%d finds for two keys of one batch, want 1", len(got))
	}
	if f := got[0].Lookup("filter").Document().String(); f != `{"_id": {"$in": ["MW","MZ"]}}` && f != `{"_id": {"$in": ["MZ","MW"]}}` {
		t.Errorf("filter %s, want one $in of both keys", f)
	}
}
