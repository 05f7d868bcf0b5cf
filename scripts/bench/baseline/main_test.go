package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/embedded"
	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
)

// TestSameAnswers: on the demo data and on synthetic data, the baseline answers each of
// its three queries with the JSON coopgraph answers, so the benchmark compares like with
// like and the baseline cannot drift from the API. The data must be equal; coopgraph
// adds `extensions.cost`, which the baseline leaves out.
func TestSameAnswers(t *testing.T) {
	queries := map[string]string{"trivial": TrivialQuery}
	for _, e := range examples.All() {
		queries[e.Name] = e.Query
	}
	for name, d := range map[string]*seed.Dataset{
		"demo":      seed.Flanders(),
		"synthetic": seed.Synthetic(seed.SyntheticOptions{Donors: 8, Projects: 60, Allocations: 300, Seed: 3}),
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t, d)
			api := server.NewServer(server.Deps{
				Store: mongostore.New(db), Log: slog.New(slog.DiscardHandler), NewID: mongostore.NewID,
			})
			base := Handler(db)
			for _, q := range []string{"trivial", "01-country-to-donors", "02-five-levels"} {
				want, got := ask(t, api, queries[q]), ask(t, base, queries[q])
				var w, g struct {
					Data       json.RawMessage
					Errors     any
					Extensions map[string]any
				}
				if err := json.Unmarshal(want, &w); err != nil || w.Errors != nil || w.Extensions["cost"] == nil {
					t.Fatalf("%s: coopgraph answered %s (%v)", q, want, err)
				}
				if err := json.Unmarshal(got, &g); err != nil || g.Errors != nil || g.Extensions != nil {
					t.Fatalf("%s: the baseline answered %s (%v)", q, got, err)
				}
				// Both empty would prove nothing: the data must reach the answer.
				if !strings.Contains(string(w.Data), `"name":"`) {
					t.Fatalf("%s: coopgraph answered %s", q, want)
				}
				if !bytes.Equal(w.Data, g.Data) {
					t.Errorf("%s: the baseline answers\n%s\ncoopgraph answers\n%s", q, g.Data, w.Data)
				}
			}
		})
	}
}

// open starts an embedded store loaded with d and returns its database.
func open(t testing.TB, d *seed.Dataset) *mongo.Database {
	t.Helper()
	e, err := embedded.Start(t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop(10 * time.Second) })
	client, err := mongo.Connect(options.Client().ApplyURI(e.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database("coopgraph")
	s := mongostore.New(db)
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(context.Background(), s, d); err != nil {
		t.Fatal(err)
	}
	return db
}

// ask posts query to h and returns the body of its 200 answer.
func ask(t testing.TB, h http.Handler, query string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}
