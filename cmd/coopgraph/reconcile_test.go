//go:build !noembed

package main

import (
	"context"
	"io"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/embedded"
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
)

// TestServeReconciles leaves in a data directory what a server killed during two writes
// leaves (a stored change with its audit entry pending, a claim and pending entry of a
// change not stored), then starts `coopgraph serve` on it: before serving, it commits the
// first entry and removes the claim and the second entry.
func TestServeReconciles(t *testing.T) {
	dir := t.TempDir()
	if err := run(context.Background(), []string{"seed", "--data-dir", dir}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	withStore(t, dir, func(s *mongostore.Store, raw *mongo.Database) {
		stored := &funding.AuditEntry{ID: mongostore.NewID(), At: time.Now(), Actor: "t", Action: funding.ActionUpdate,
			EntityType: funding.TypeDonor, EntityID: "flanders", Version: 2}
		lost := *stored
		lost.ID, lost.EntityID = mongostore.NewID(), "ilo" // no such donor: its change is not stored
		for _, e := range []*funding.AuditEntry{stored, &lost} {
			if err := s.BeginAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := s.FindDonors(ctx, funding.DonorQuery{Within: &funding.Within{Ref: "id", IDs: []string{"flanders"}}})
		if err != nil || len(ds) != 1 {
			t.Fatalf("read flanders: %v %v", ds, err)
		}
		ds[0].Name, ds[0].Version, ds[0].Change = "Stored", 2, stored.ID
		if err := s.DonorWriter().Replace(ctx, ds[0], 1); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Collection("versionClaims").InsertOne(ctx, bson.D{{Key: "_id", Value: "donors/flanders/3"}, {Key: "at", Value: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	})

	_, stop := startServer(t, dir)
	stop()

	withStore(t, dir, func(s *mongostore.Store, raw *mongo.Database) {
		es, err := s.FindAudit(ctx, funding.AuditQuery{Limit: 10})
		if err != nil || len(es) != 1 || es[0].EntityID != "flanders" {
			t.Errorf("committed audit entries: %+v (%v), want the stored change's only", es, err)
		}
		for _, c := range []struct {
			coll   string
			filter bson.D
		}{{"auditLog", bson.D{{Key: "committed", Value: false}}}, {"versionClaims", bson.D{}}} {
			if n, err := raw.Collection(c.coll).CountDocuments(ctx, c.filter); err != nil || n != 0 {
				t.Errorf("%d left in %s (%v), want none", n, c.coll, err)
			}
		}
	})
}

// withStore runs f with a store over the embedded store in dir, and a plain client of its
// database, then stops it.
func withStore(t *testing.T, dir string, f func(*mongostore.Store, *mongo.Database)) {
	t.Helper()
	e, err := embedded.Start(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Stop(10 * time.Second) }()
	s, err := mongostore.Connect(context.Background(), e.URI(), "coopgraph", mongostore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	raw, err := mongo.Connect(options.Client().ApplyURI(e.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Disconnect(context.Background())
	f(s, raw.Database("coopgraph"))
}
