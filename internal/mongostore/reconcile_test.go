package mongostore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestInsertUndoKeepsOthers inserts a batch whose second document's id is taken by a
// document another request wrote: the batch fails, its first document is removed again,
// and the other request's document stays as it was.
func TestInsertUndoKeepsOthers(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	ctx := context.Background()
	err := s.CountryWriter().Insert(ctx, &funding.Country{Code: "XK", ISO3: "XKX", Name: "Kosovo", Region: "Europe"},
		&funding.Country{Code: "BE", ISO3: "BEL", Name: "Not Belgium", Region: "Europe"})
	if funding.ErrorCode(err) != funding.ECONFLICT {
		t.Fatalf("insert over a taken id: %v, want CONFLICT", err)
	}
	cs, err := s.FindCountries(ctx, funding.CountryQuery{Within: &funding.Within{Ref: "id", IDs: []string{"XK", "BE"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Code != "BE" || cs[0].Name != "Belgium" {
		t.Errorf("after the failed batch: %+v, want Belgium only, as it was", cs)
	}
}

// TestReconcile leaves behind what writers cut short leave (pending audit entries, version
// claims) and reconciles: a stored change's entry is committed, a refused one's removed
// (also when it is the older of the two),
// a code used again after a delete is a new object, and, while others may be writing,
// only leftovers older than any write in progress are touched.
func TestReconcile(t *testing.T) {
	r, s := openRestartable(t, mongostore.Options{})
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	n := 0
	begin := func(action funding.AuditAction, typ, id string, version int, at time.Time) string {
		n++
		e := &funding.AuditEntry{ID: fmt.Sprintf("e%03d", n), At: at, Actor: "t", Action: action, EntityType: typ, EntityID: id, Version: version}
		if err := s.BeginAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Two writers of flanders' version 2, both died before settling their entries: the
	// first was refused, the second stored it.
	begin(funding.ActionUpdate, funding.TypeDonor, "flanders", 2, old)
	d := donor(t, s)
	d.Name, d.Version, d.Change = "Stored", 2, begin(funding.ActionUpdate, funding.TypeDonor, "flanders", 2, old)
	must(s.DonorWriter().Replace(ctx, d, 1))

	// XK created and deleted (both recorded), then created again by a writer that died.
	// (Without Meta.Change, as data written by an older coopgraph: judged by version.)
	xk := &funding.Country{Code: "XK", ISO3: "XKX", Name: "Kosovo", Region: "Europe", Meta: funding.Meta{Version: 1}}
	must(s.CountryWriter().Insert(ctx, xk))
	must(s.EndAudit(ctx, begin(funding.ActionCreate, funding.TypeCountry, "XK", 1, old), true))
	must(s.CountryWriter().Remove(ctx, "XK", 1))
	must(s.EndAudit(ctx, begin(funding.ActionDelete, funding.TypeCountry, "XK", 1, old), true))
	begin(funding.ActionCreate, funding.TypeCountry, "XK", 1, old)
	must(s.CountryWriter().Insert(ctx, xk))

	// A write that may still be in progress elsewhere: a fresh entry and claim. And an
	// old claim.
	begin(funding.ActionUpdate, funding.TypeDonor, "flanders", 3, time.Now())
	raw, err := mongo.Connect(options.Client().ApplyURI(r.URI()))
	must(err)
	defer raw.Disconnect(ctx)
	claims := raw.Database("coopgraph").Collection("versionClaims")
	_, err = claims.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "donors/flanders/3"}, {Key: "at", Value: time.Now()}},
		bson.D{{Key: "_id", Value: "donors/flanders/9"}, {Key: "at", Value: old}},
	})
	must(err)

	got, err := s.Reconcile(ctx, mongostore.MaxWriteAge)
	must(err)
	if want := (mongostore.Reconciled{Committed: 2, Removed: 1, Claims: 1}); got != want {
		t.Errorf("reconcile while others may write: %+v, want %+v", got, want)
	}
	history(t, s, "flanders", "e002 UPDATE v2")
	history(t, s, "XK", "e003 CREATE v1, e004 DELETE v1, e005 CREATE v1")

	got, err = s.Reconcile(ctx, 0)
	must(err)
	if want := (mongostore.Reconciled{Removed: 1, Claims: 1}); got != want {
		t.Errorf("reconcile alone: %+v, want %+v", got, want)
	}
	// Nothing pending or claimed is left: flanders changes with the version it has.
	d = donor(t, s)
	d.Name, d.Version = "Changed", 3
	must(s.DonorWriter().Replace(ctx, d, 2))
	if n, err := claims.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("%d claims left after a change (%v), want none", n, err)
	}
}

// donor reads flanders.
func donor(t *testing.T, s *mongostore.Store) *funding.Donor {
	t.Helper()
	ds, err := s.FindDonors(context.Background(), funding.DonorQuery{Within: &funding.Within{Ref: "id", IDs: []string{"flanders"}}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("read flanders: %v %v", ds, err)
	}
	return ds[0]
}

// history checks the committed audit entries of the object id, oldest first, as
// "<id> <action> v<version>, …".
func history(t *testing.T, s *mongostore.Store, id, want string) {
	t.Helper()
	es, err := s.FindAudit(context.Background(), funding.AuditQuery{EntityID: id, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for i := len(es) - 1; i >= 0; i-- {
		if got != "" {
			got += ", "
		}
		got += fmt.Sprintf("%s %s v%d", es[i].ID, es[i].Action, es[i].Version)
	}
	if got != want {
		t.Errorf("history of %s: %s, want %s", id, got, want)
	}
}
