package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// api is the real HTTP handler over a real embedded store.
type api struct {
	h    http.Handler
	cmds *storetest.Commands
	// perParent: the store reads nested pages per parent (an external MongoDB-compatible
	// one); command counts differ where totalCount is selected.
	perParent bool
}

func newAPI(tb testing.TB, d *seed.Dataset) *api {
	tb.Helper()
	s, cmds := storetest.Open(tb, d)
	return &api{h: newHandler(s, 0), cmds: cmds}
}

// newCountingAPI is newAPI with batch loaders that wait 20 ms for more keys rather than
// 2 ms: tests that count store commands use it, so that a loaded CI machine, where the
// resolvers of one level can pause for longer than 2 ms, cannot split a batch.
func newCountingAPI(tb testing.TB, d *seed.Dataset) *api {
	tb.Helper()
	s, cmds := storetest.Open(tb, d)
	return &api{h: newHandler(s, 20*time.Millisecond), cmds: cmds, perParent: s.NestedReads() != mongostore.NestedBatched}
}

func newHandler(s *mongostore.Store, batchWait time.Duration) http.Handler {
	return server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, CORSOrigins: []string{"http://localhost:*"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchWait: batchWait, NewID: mongostore.NewID,
		PerParent: s.NestedReads() != mongostore.NestedBatched,
	})
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// post sends a GraphQL request and returns the HTTP status and decoded response.
func (a *api) post(tb testing.TB, query string, vars map[string]any) (int, gqlResponse) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		tb.Fatalf("response is not JSON: %v: %s", err, rec.Body.String())
	}
	return rec.Code, r
}

// query sends a GraphQL request that must succeed and decodes its data into out.
func (a *api) query(tb testing.TB, query string, vars map[string]any, out any) {
	tb.Helper()
	code, r := a.post(tb, query, vars)
	if code != http.StatusOK || len(r.Errors) > 0 {
		tb.Fatalf("status %d, errors %+v", code, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		tb.Fatalf("decode data: %v: %s", err, r.Data)
	}
}

// queryError sends a GraphQL request that must fail with one error and returns it.
func (a *api) queryError(tb testing.TB, query string, vars map[string]any) gqlError {
	tb.Helper()
	_, r := a.post(tb, query, vars)
	if len(r.Errors) != 1 {
		tb.Fatalf("want 1 error, got %+v (data %s)", r.Errors, r.Data)
	}
	return r.Errors[0]
}

// globalID is the API's id of the entity of kind k with the local id.
func globalID(k funding.Kind, local string) string {
	return graph.GlobalID(funding.ID{Kind: k, Local: local})
}

// countsWithRelationFilters is the query that wedged the embedded store (four at once):
// 199 aliases, each a count of projects with a filter that follows three relations
// (donorId: trust funds, then allocations; region: countries), over d's first two donors.
func countsWithRelationFilters(d *seed.Dataset) string {
	var q strings.Builder
	q.WriteString("{")
	for i := range 199 {
		fmt.Fprintf(&q, ` a%d: projects(first: 1, filter: {donorId: {in: [%q, %q]}, region: {in: ["Africa", "Asia"]}}) { totalCount }`,
			i, globalID(funding.TypeDonor, d.Donors[0].ID), globalID(funding.TypeDonor, d.Donors[1].ID))
	}
	q.WriteString(" }")
	return q.String()
}

// thousandDonorOperators is a filter (of projects or allocations) of 50 × 20 donorId
// operators on d's first donor, each a read of whole collections.
func thousandDonorOperators(d *seed.Dataset) map[string]any {
	leaf := map[string]any{"donorId": map[string]any{"eq": globalID(funding.TypeDonor, d.Donors[0].ID)}}
	inner := make([]any, 20)
	for i := range inner {
		inner[i] = leaf
	}
	outer := make([]any, 50)
	for i := range outer {
		outer[i] = map[string]any{"or": inner}
	}
	return map[string]any{"or": outer}
}
