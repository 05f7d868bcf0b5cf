package mongostore_test

import (
	"context"
	"errors"
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

// TestStoreAway stops the store under a connected Store: reads and writes fail with
// EUNAVAILABLE within about the timeout, wrapping the driver's error; a request whose own
// context ends keeps its context error; once the store is back, the same Store works again.
func TestStoreAway(t *testing.T) {
	const timeout = 500 * time.Millisecond
	r, s := openRestartable(t, mongostore.Options{Timeout: timeout})
	ctx := context.Background()
	r.Stop()

	ops := map[string]func(context.Context) error{
		"read":  func(ctx context.Context) error { _, err := s.FindDonors(ctx, funding.DonorQuery{}); return err },
		"count": func(ctx context.Context) error { _, err := s.CountProjects(ctx, nil); return err },
		"write": func(ctx context.Context) error {
			return s.CountryWriter().Insert(ctx, &funding.Country{Code: "XK", ISO3: "XKX", Name: "Kosovo", Region: "Europe"})
		},
	}
	for name, op := range ops {
		start := time.Now()
		err := op(ctx)
		took := time.Since(start)
		t.Logf("%s with the store away: %v after %v (cause: %v)", name, err, took.Round(time.Millisecond), errors.Unwrap(err))
		var fe *funding.Error
		if !errors.As(err, &fe) || fe.Code != funding.EUNAVAILABLE || fe.Message != mongostore.UnavailableMessage || fe.Err == nil {
			t.Errorf("%s: error %#v, want an EUNAVAILABLE *funding.Error with its cause", name, err)
		}
		if took > 10*time.Second {
			t.Errorf("%s took %v to fail, want about %v", name, took, timeout)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ops["read"](cancelled); !errors.Is(err, context.Canceled) || funding.ErrorCode(err) == funding.EUNAVAILABLE {
		t.Errorf("read with a cancelled context: %v, want context.Canceled", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := ops["read"](short); !errors.Is(err, context.DeadlineExceeded) || funding.ErrorCode(err) == funding.EUNAVAILABLE {
		t.Errorf("read past its own deadline: %v, want context.DeadlineExceeded", err)
	}

	r.Start()
	start := time.Now()
	for {
		err := ops["read"](ctx)
		if err == nil {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the store is back but reads still fail after %v: %v", time.Since(start), err)
		}
	}
	t.Logf("reads succeed again %v after the restart", time.Since(start).Round(time.Millisecond))
	if err := s.Ping(ctx); err != nil {
		t.Errorf("ping after the restart: %v", err)
	}
}

// TestStaleClaim shows that a claim whose writer lost the store between claiming a change
// and giving the claim back blocks changes of that version only until it is stale.
func TestStaleClaim(t *testing.T) {
	r, s := openRestartable(t, mongostore.Options{})
	ctx := context.Background()
	// A second client, to leave claims behind as a writer that lost the store would.
	raw, err := mongo.Connect(options.Client().ApplyURI(r.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Disconnect(ctx)
	claims := raw.Database("coopgraph").Collection("versionClaims")
	rename := func(version int, name string) error {
		ds, err := s.FindDonors(ctx, funding.DonorQuery{Filter: &funding.DonorFilter{ID: &funding.IDFilter{Eq: &funding.ID{Kind: funding.TypeDonor, Local: "flanders"}}}})
		if err != nil || len(ds) != 1 {
			t.Fatalf("read flanders: %v %v", ds, err)
		}
		d := ds[0]
		d.Name, d.Version = name, version+1
		return s.DonorWriter().Replace(ctx, d, version)
	}

	// A fresh claim is respected: someone may be storing that change right now.
	if _, err := claims.InsertOne(ctx, bson.D{{Key: "_id", Value: "donors/flanders/2"}, {Key: "entity", Value: "donors/flanders"}, {Key: "at", Value: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := rename(1, "Fresh"); funding.ErrorCode(err) != funding.ECONFLICT {
		t.Errorf("change under a fresh claim: %v, want CONFLICT", err)
	}
	// The same claim, stale, is taken over.
	if _, err := claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: "donors/flanders/2"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().Add(-time.Hour)}}}}); err != nil {
		t.Fatal(err)
	}
	if err := rename(1, "Stale"); err != nil {
		t.Errorf("change under a stale claim: %v, want success", err)
	}
	// So is an undated one, left by an older version.
	if _, err := claims.InsertOne(ctx, bson.D{{Key: "_id", Value: "donors/flanders/3"}, {Key: "entity", Value: "donors/flanders"}}); err != nil {
		t.Fatal(err)
	}
	if err := rename(2, "Undated"); err != nil {
		t.Errorf("change under an undated claim: %v, want success", err)
	}
	// A stale claim whose change was stored is not: the version is gone.
	if err := rename(2, "Again"); funding.ErrorCode(err) != funding.ECONFLICT {
		t.Errorf("change of a stored version: %v, want CONFLICT", err)
	}
}

func ptr[T any](v T) *T { return &v }

// openRestartable starts a store the test can stop and start again, connects to it with
// o and loads the demo data.
func openRestartable(t *testing.T, o mongostore.Options) (*storetest.Restartable, *mongostore.Store) {
	t.Helper()
	r := storetest.StartRestartable(t)
	ctx := context.Background()
	s, err := mongostore.Connect(ctx, r.URI(), "coopgraph", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if err := seed.Load(ctx, s, seed.Flanders()); err != nil {
		t.Fatal(err)
	}
	return r, s
}
