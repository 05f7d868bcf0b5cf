package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestOpen loads the demo data and reads it back through the store Open returns, with
// the reads counted (on the embedded store, or on the external one when set).
func TestOpen(t *testing.T) {
	s, cmds := Open(t, seed.Flanders())
	if empty, err := s.IsEmpty(context.Background()); err != nil || empty {
		t.Fatalf("IsEmpty after loading = %v, %v; want false", empty, err)
	}
	if n := cmds.Counts()["count"] + cmds.Counts()["aggregate"]; n != 1 {
		t.Errorf("counted %v, want one count (or aggregate) command", cmds.Counts())
	}
}

// TestExternalDatabaseDropped shows that each test gets a database of its own on the
// external store, and that it is gone when the test ends.
func TestExternalDatabaseDropped(t *testing.T) {
	uri := ExternalURI()
	if uri == "" {
		t.Skipf("%s is not set", URIVar)
	}
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	names := func() []string {
		ns, err := client.ListDatabaseNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	var a, b string
	t.Run("fresh", func(t *testing.T) {
		a, b = freshDatabase(t, uri), freshDatabase(t, uri)
		if a == b || !strings.HasPrefix(a, "coopgraph_test_") {
			t.Fatalf("databases %q and %q, want two different coopgraph_test_ names", a, b)
		}
		for _, n := range []string{a, b} {
			if _, err := client.Database(n).Collection("c").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
				t.Fatal(err)
			}
		}
		if ns := names(); !slices.Contains(ns, a) || !slices.Contains(ns, b) {
			t.Fatalf("databases %v, want %s and %s among them", ns, a, b)
		}
	})
	if ns := names(); slices.Contains(ns, a) || slices.Contains(ns, b) {
		t.Errorf("after the test: databases %v still hold %s or %s", ns, a, b)
	}
}
