package server_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

type pageInfo struct {
	HasNextPage, HasPreviousPage bool
	EndCursor                    *string
}

// TestPaging walks the whole country list seven at a time and the Flanders trust fund's
// allocations three at a time: every item exactly once, in order.
func TestPaging(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	var codes []string
	var after *string
	for pages := 0; ; pages++ {
		var got struct {
			Countries struct {
				TotalCount int
				PageInfo   pageInfo
				Edges      []struct {
					Cursor string
					Node   struct{ Code string }
				}
			}
		}
		a.query(t, `query($after: String) { countries(first: 7, after: $after) {
			totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { code } } } }`,
			map[string]any{"after": after}, &got)
		c := got.Countries
		if c.TotalCount != 249 {
			t.Fatalf("totalCount = %d, want 249", c.TotalCount)
		}
		if c.PageInfo.HasPreviousPage != (after != nil) {
			t.Errorf("page %d: hasPreviousPage = %v", pages, c.PageInfo.HasPreviousPage)
		}
		for _, e := range c.Edges {
			codes = append(codes, e.Node.Code)
		}
		if n := len(c.Edges); n > 0 && *c.PageInfo.EndCursor != c.Edges[n-1].Cursor {
			t.Errorf("page %d: endCursor is not the last edge's cursor", pages)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		if pages > 40 {
			t.Fatal("paging does not end")
		}
		after = c.PageInfo.EndCursor
	}
	if len(codes) != 249 || !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != 249 {
		t.Errorf("paging returned %d codes (sorted %v), want the 249 distinct codes in order", len(codes), slices.IsSorted(codes))
	}

	var years []int
	after = nil
	for {
		var got struct {
			TrustFund struct {
				Allocations struct {
					TotalCount int
					PageInfo   pageInfo
					Nodes      []struct{ ID string }
				}
			}
		}
		a.query(t, `query($id: ID!, $after: String) { trustFund(id: $id) { allocations(first: 3, after: $after) {
			totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }`,
			map[string]any{"id": gid("TrustFund", "ilo-flanders-tf"), "after": after}, &got)
		for range got.TrustFund.Allocations.Nodes {
			years = append(years, 0)
		}
		if !got.TrustFund.Allocations.PageInfo.HasNextPage {
			want := got.TrustFund.Allocations.TotalCount
			if len(years) != want || want == 0 {
				t.Errorf("paged through %d allocations, totalCount says %d", len(years), want)
			}
			break
		}
		after = got.TrustFund.Allocations.PageInfo.EndCursor
	}
}

// gid builds a global id the way the API does; tests use it to ask for known objects.
func gid(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

func TestNodeLookups(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	for _, tc := range []struct{ typ, id, field string }{
		{"Donor", "flanders", "name"},
		{"Agreement", "flanders-ilo-2011", "title"},
		{"TrustFund", "ilo-flanders-tf", "name"},
		{"Project", "p-global-skills-lifelong-learning", "code"},
		{"Country", "MZ", "name"},
	} {
		var got struct {
			Node map[string]any
		}
		a.query(t, fmt.Sprintf(`query($id: ID!) { node(id: $id) { __typename id ... on %s { %s } } }`, tc.typ, tc.field),
			map[string]any{"id": gid(tc.typ, tc.id)}, &got)
		if got.Node["__typename"] != tc.typ || got.Node["id"] != gid(tc.typ, tc.id) || got.Node[tc.field] == "" {
			t.Errorf("node(%s:%s) = %v", tc.typ, tc.id, got.Node)
		}
	}

	var got struct {
		Nodes   []map[string]any
		Donor   *struct{ Name string }
		Project *struct{ Title string }
		Country *struct{ Name string }
	}
	a.query(t, `query($ids: [ID!]!, $missing: ID!) {
		nodes(ids: $ids) { ... on Country { code } ... on Donor { shortName } }
		donor(id: $missing) { name }
		project(code: "MLW/18/01/FLA") { title }
		country(code: "mw") { name } }`,
		map[string]any{"ids": []string{gid("Country", "ZA"), gid("Donor", "nobody"), gid("Donor", "flanders")}, "missing": gid("Donor", "nobody")}, &got)
	if len(got.Nodes) != 3 || got.Nodes[0]["code"] != "ZA" || got.Nodes[1] != nil || got.Nodes[2]["shortName"] != "Flanders" {
		t.Errorf("nodes = %v; want ZA, null, Flanders in the order asked", got.Nodes)
	}
	if got.Donor != nil {
		t.Errorf("donor(missing id) = %+v, want null", got.Donor)
	}
	if got.Project == nil || !strings.Contains(got.Project.Title, "Malawi") {
		t.Errorf("project(code) = %+v", got.Project)
	}
	if got.Country == nil || got.Country.Name != "Malawi" {
		t.Errorf("country(code: mw) = %+v, want Malawi", got.Country)
	}
}

// TestBadInput: malformed arguments are BAD_USER_INPUT naming the argument, with no data
// invented.
func TestBadInput(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	for _, tc := range []struct {
		name, query, field string
	}{
		{"MalformedID", `{ donor(id: "not-an-id") { name } }`, "id"},
		{"IDOfOtherType", fmt.Sprintf(`{ donor(id: %q) { name } }`, gid("Country", "MW")), "id"},
		{"UnknownType", fmt.Sprintf(`{ node(id: %q) { id } }`, gid("Spaceship", "1")), "id"},
		{"TamperedCursor", `{ countries(after: "bm90IGEgY3Vyc29y") { totalCount } }`, "after"},
		{"FirstTooSmall", `{ donors(first: 0) { totalCount } }`, "first"},
		{"FirstTooLarge", `{ countries(first: 101) { totalCount } }`, "first"},
		{"NestedFirstTooLarge", `{ donors { nodes { projects(first: 500) { totalCount } } } }`, "first"},
		{"ProjectBothIDAndCode", fmt.Sprintf(`{ project(id: %q, code: "X") { code } }`, gid("Project", "p-global-skills-lifelong-learning")), "id"},
		{"ProjectNeither", `{ project { code } }`, "id"},
		{"CountryCode", `{ country(code: "Malawi") { name } }`, "code"},
		{"TooManyNodes", fmt.Sprintf(`{ nodes(ids: [%s]) { id } }`, strings.TrimSuffix(strings.Repeat(strconv.Quote(gid("Donor", "x"))+",", 101), ",")), "ids"},
		{"MalformedIDInList", fmt.Sprintf(`{ nodes(ids: [%q, "x"]) { id } }`, gid("Donor", "flanders")), "ids[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A bad argument of a nested list fails once per parent.
			_, r := a.post(t, tc.query, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("no error; data %s", r.Data)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != tc.field {
					t.Errorf("error = %+v; want BAD_USER_INPUT on field %q", e, tc.field)
				}
			}
		})
	}

	t.Run("Syntax", func(t *testing.T) {
		code, r := a.post(t, `{ donors { `, nil)
		if code != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
			t.Errorf("status %d, errors %+v", code, r.Errors)
		}
	})
	t.Run("UnknownField", func(t *testing.T) {
		e := a.queryError(t, `{ donors { nodes { budget } } }`, nil)
		if e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("TooComplex", func(t *testing.T) {
		e := a.queryError(t, `{ donors(first: 100) { nodes { projects(first: 100) { nodes { allocations(first: 100) { nodes { year } } } } } } }`, nil)
		if e.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("error = %+v", e)
		}
	})
}

// failingStore is the real store with one read that fails or panics, to show what a
// client sees when the server breaks.
type failingStore struct {
	*mongostore.Store
	panics bool
}

func (f failingStore) FindDonors(ctx context.Context, q funding.DonorQuery) ([]*funding.Donor, error) {
	if f.panics {
		panic("resolver bug at donors.go:42")
	}
	return nil, errors.New("dial tcp db-internal.example:27017: connection refused")
}

func TestInternalErrorsHideDetails(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	for _, panics := range []bool{false, true} {
		var logs strings.Builder
		h := server.NewServer(server.Deps{Store: failingStore{s, panics}, Ping: s.Ping, Log: slog.New(slog.NewTextHandler(&logs, nil))})
		a := &api{h: h}
		code, r := a.post(t, `{ country(code: "MW") { name } donors { totalCount } }`, nil)
		if code != http.StatusOK || len(r.Errors) != 1 {
			t.Fatalf("panics=%v: status %d errors %+v", panics, code, r.Errors)
		}
		e := r.Errors[0]
		if e.Message != "internal error" || e.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
			t.Errorf("panics=%v: error = %+v", panics, e)
		}
		want := "db-internal.example"
		if panics {
			want = "donors.go:42"
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("panics=%v: the log does not record the cause %q", panics, want)
		}
	}
}

func TestHTTP(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	do := func(method, target, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		return rec
	}
	t.Run("GET", func(t *testing.T) {
		rec := do(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ country(code: "ZA") { name } }`), "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"South Africa"`) {
			t.Errorf("GET /graphql: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("Health", func(t *testing.T) {
		if rec := do(http.MethodGet, "/healthz", ""); rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
			t.Errorf("/healthz: %d %q", rec.Code, rec.Body)
		}
		if rec := do(http.MethodGet, "/readyz", ""); rec.Code != http.StatusOK || rec.Body.String() != "ready\n" {
			t.Errorf("/readyz: %d %q", rec.Code, rec.Body)
		}
	})
	t.Run("Playground", func(t *testing.T) {
		rec := do(http.MethodGet, "/", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "/graphql") {
			t.Errorf("/: %d", rec.Code)
		}
		if rec := do(http.MethodGet, "/nothing-here", ""); rec.Code != http.StatusNotFound {
			t.Errorf("/nothing-here: %d, want 404", rec.Code)
		}
	})
	t.Run("CORS", func(t *testing.T) {
		for origin, allowed := range map[string]bool{"http://localhost:3000": true, "https://evil.example": false} {
			rec := do(http.MethodOptions, "/graphql", origin)
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if (got == origin) != allowed {
				t.Errorf("preflight from %s: Access-Control-Allow-Origin = %q", origin, got)
			}
		}
	})
	t.Run("BodyTooLarge", func(t *testing.T) {
		body := `{"query":"{ donors { totalCount } }","variables":{"x":"` + strings.Repeat("a", int(server.DefaultLimits.BodyBytes)) + `"}}`
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body: status %d: %s", rec.Code, rec.Body)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	})
}
