package server_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// The operations the allow-list tests put in their manifests: two of the playground's
// examples. Any other operation is not in the list.
var (
	allowedQuery = exampleQuery("01-country-to-donors")
	otherAllowed = exampleQuery("04-funding-report")
)

const notListed = `{ donors { nodes { name } } }`

func exampleQuery(name string) string {
	for _, ex := range examples.All() {
		if ex.Name == name {
			return ex.Query
		}
	}
	panic("no example " + name)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// apolloManifest is what @apollo/generate-persisted-query-manifest writes for texts.
func apolloManifest(texts ...string) []byte {
	type op struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	}
	m := struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Operations []op   `json:"operations"`
	}{Format: "apollo-persisted-query-manifest", Version: 1}
	for i, t := range texts {
		m.Operations = append(m.Operations, op{ID: sha256Hex(t), Name: "Op" + string(rune('A'+i)), Type: "query", Body: t})
	}
	b, _ := json.Marshal(m)
	return b
}

// relayID is the id relay-compiler's persistConfig gives a text by default (MD5).
func relayID(text string) string {
	h := md5.Sum([]byte(text))
	return hex.EncodeToString(h[:])
}

// relayManifest is what relay-compiler's persistConfig writes: {id: text}.
func relayManifest(texts ...string) []byte {
	m := map[string]string{}
	for _, t := range texts {
		m[relayID(t)] = t
	}
	b, _ := json.Marshal(m)
	return b
}

// send posts a raw JSON body to /graphql (or GETs /graphql?params when body is nil) and
// decodes the response.
func send(t *testing.T, h http.Handler, body map[string]any, params url.Values) (int, gqlResponse) {
	t.Helper()
	var req *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		req = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(http.MethodGet, "/graphql?"+params.Encode(), nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body.String())
	}
	return rec.Code, r
}

func handlerWith(s *mongostore.Store, d server.Deps) http.Handler {
	d.Store, d.Ping, d.NewID = s, s.Ping, mongostore.NewID
	d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return server.NewServer(d)
}

// TestAllowList starts the server with an Apollo and with a Relay manifest of two
// operations: they run when sent by id (each client's shapes) or by their exact text, and
// anything else is refused with a code before it is parsed.
func TestAllowList(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	persisted := func(id string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": id}}
	}
	for _, format := range []struct {
		name     string
		manifest []byte
		id       func(string) string
	}{
		{"apollo", apolloManifest(allowedQuery, otherAllowed), sha256Hex},
		{"relay", relayManifest(allowedQuery, otherAllowed), relayID},
	} {
		t.Run(format.name, func(t *testing.T) {
			m, err := server.ParseManifest(format.manifest)
			if err != nil || m.Len() != 2 {
				t.Fatalf("ParseManifest: %v, %d operations", err, m.Len())
			}
			h := handlerWith(s, server.Deps{Operations: m})
			id := format.id(allowedQuery)
			pass := []struct {
				name   string
				body   map[string]any
				params url.Values
			}{
				{"exact text", map[string]any{"query": allowedQuery}, nil},
				{"exact text by GET", nil, url.Values{"query": {allowedQuery}}},
				{"Apollo: extensions.persistedQuery", map[string]any{"extensions": persisted(id)}, nil},
				{"Apollo: the id and the text", map[string]any{"query": allowedQuery, "extensions": persisted(id)}, nil},
				{"Apollo: by GET", nil, url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + id + `"}}`}}},
				{"APQ: the SHA-256 of the text", map[string]any{"extensions": persisted(sha256Hex(allowedQuery))}, nil},
				{"Relay: doc_id", map[string]any{"doc_id": id, "variables": map[string]any{}}, nil},
				{"documentId", map[string]any{"documentId": id}, nil},
				{"id", map[string]any{"id": id}, nil},
				{"Relay: doc_id by GET", nil, url.Values{"doc_id": {id}}},
				{"the other operation", map[string]any{"doc_id": format.id(otherAllowed)}, nil},
			}
			for _, c := range pass {
				status, r := send(t, h, c.body, c.params)
				if status != http.StatusOK || len(r.Errors) > 0 || len(r.Data) < 20 {
					t.Errorf("%s: HTTP %d, errors %+v, data %.80s", c.name, status, r.Errors, r.Data)
				}
			}

			refuse := []struct {
				name string
				body map[string]any
				code string
			}{
				{"another query", map[string]any{"query": notListed}, "OPERATION_NOT_ALLOWED"},
				{"the text reformatted", map[string]any{"query": strings.Join(strings.Fields(allowedQuery), " ")}, "OPERATION_NOT_ALLOWED"},
				{"introspection", map[string]any{"query": `{ __schema { types { name } } }`}, "OPERATION_NOT_ALLOWED"},
				{"not even GraphQL", map[string]any{"query": `{ donors {`}, "OPERATION_NOT_ALLOWED"},
				{"no query at all", map[string]any{}, "OPERATION_NOT_ALLOWED"},
				{"an unknown id", map[string]any{"doc_id": "0123abcd"}, "PERSISTED_QUERY_NOT_IN_LIST"},
				{"a known id with another text", map[string]any{"query": notListed, "extensions": persisted(id)}, "OPERATION_NOT_ALLOWED"},
				// APQ cannot add an operation to the list: registering it with its hash is
				// refused, and so is its hash afterwards.
				{"APQ registration", map[string]any{"query": notListed, "extensions": persisted(sha256Hex(notListed))}, "PERSISTED_QUERY_NOT_IN_LIST"},
				{"APQ hash after registration", map[string]any{"extensions": persisted(sha256Hex(notListed))}, "PERSISTED_QUERY_NOT_IN_LIST"},
			}
			for _, c := range refuse {
				status, r := send(t, h, c.body, nil)
				if status != http.StatusOK || r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code {
					t.Errorf("%s: HTTP %d, data %s, errors %+v; want only %s", c.name, status, r.Data, r.Errors, c.code)
				}
			}
			if _, r := send(t, h, map[string]any{"query": notListed}, nil); len(r.Errors) == 1 && !strings.Contains(r.Errors[0].Message, "only the operations its frontends ship") {
				t.Errorf("message %q does not say why", r.Errors[0].Message)
			}

			// The CSV export's query is the server's own: it keeps working.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=YEAR", nil))
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "year,") {
				t.Errorf("CSV export in allow-list mode: HTTP %d: %.200s", rec.Code, rec.Body.String())
			}
		})
	}
}

// TestDevelopmentDefaults: with the default settings (no manifest, introspection on), the
// playground is served, its introspection runs, every example runs (TestExamples runs them
// with a key), and APQ registers new queries.
func TestDevelopmentDefaults(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	h := handlerWith(s, server.Deps{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("GET / (the playground): HTTP %d", rec.Code)
	}
	for _, q := range []string{`{ __schema { queryType { name } } }`, allowedQuery, otherAllowed, notListed} {
		if status, r := send(t, h, map[string]any{"query": q}, nil); status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("%.40q: HTTP %d, errors %+v", q, status, r.Errors)
		}
	}
	for _, ex := range examples.All() {
		if ex.Headers != "" {
			continue // needs a key: TestExamples
		}
		if _, r := send(t, h, map[string]any{"query": ex.Query}, nil); len(r.Errors) > 0 {
			t.Errorf("example %s: %+v", ex.Name, r.Errors)
		}
	}
	apq := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(notListed)}}
	if _, r := send(t, h, map[string]any{"query": notListed, "extensions": apq}, nil); len(r.Errors) > 0 {
		t.Fatalf("APQ registration: %+v", r.Errors)
	}
	if _, r := send(t, h, map[string]any{"extensions": apq}, nil); len(r.Errors) > 0 || len(r.Data) < 10 {
		t.Errorf("APQ by hash: %s %+v", r.Data, r.Errors)
	}
}

// TestIntrospectionOff refuses __schema and __type, however they are reached, with
// INTROSPECTION_DISABLED, and nothing else.
func TestIntrospectionOff(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	h := handlerWith(s, server.Deps{NoIntrospection: true})
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`query { __type(name: "Donor") { name } }`,
		`{ donors(first: 1) { totalCount } ...F } fragment F on Query { __schema { queryType { name } } }`,
		`{ ... on Query { __type(name: "Project") { name } } }`,
	} {
		status, r := send(t, h, map[string]any{"query": q}, nil)
		if status != http.StatusOK || r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INTROSPECTION_DISABLED" {
			t.Errorf("%q: HTTP %d, data %s, errors %+v; want only INTROSPECTION_DISABLED", q, status, r.Data, r.Errors)
		}
	}
	for _, q := range []string{allowedQuery, `{ donors(first: 1) { __typename nodes { __typename name } } }`} {
		if status, r := send(t, h, map[string]any{"query": q}, nil); status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("%.40q: HTTP %d, errors %+v", q, status, r.Errors)
		}
	}
}

// TestNoSuggestionsWithoutIntrospection: with introspection on, an invalid query is told
// the names it may have meant; with it off, it is refused just as clearly, without a name
// of the schema it did not write.
func TestNoSuggestionsWithoutIntrospection(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	queries := []string{
		`{ donors(first: 1) { nodes { nam } } }`,                      // a field
		`{ donors(frist: 1) { totalCount } }`,                         // an argument
		`{ node(id: "x") { ...D } } fragment D on Donr { name }`,      // a type
		`{ fundingReport(groupBy: [COUNTRYY]) { total { amount } } }`, // an enum value
		`{ fundingReport(groupBy: "COUNTRY") { total { amount } } }`,  // an enum value as text
		`{ donors }`,                 // a selection
		`{ node(id: "x") { name } }`, // a field of the types of an interface
	}
	for _, off := range []bool{false, true} {
		h := handlerWith(s, server.Deps{NoIntrospection: off})
		suggested := 0
		for _, q := range queries {
			status, r := send(t, h, map[string]any{"query": q}, nil)
			if status != http.StatusOK || r.Data != nil || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("introspection off %v, %q: HTTP %d, data %s, errors %+v; want GRAPHQL_VALIDATION_FAILED", off, q, status, r.Data, r.Errors)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "Did you mean") || strings.Contains(e.Message, "{ ... }") {
					suggested++
					if off {
						t.Errorf("%q: %q suggests names with introspection off", q, e.Message)
					}
				}
			}
		}
		if !off && suggested < len(queries) {
			t.Errorf("introspection on: %d of %d queries were told what they may have meant; want all", suggested, len(queries))
		}
	}
}

// TestParseManifest refuses files that are not a manifest, saying what is wrong.
func TestParseManifest(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"not JSON", `operations: []`, "not a JSON object"},
		{"a list", `[]`, "not a JSON object"},
		{"empty Relay", `{}`, "no operations"},
		{"empty Apollo", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[]}`, "no operations"},
		{"another format", `{"format":"persisted-documents","version":1}`, `format "persisted-documents"`},
		{"another version", `{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`, "version 2"},
		{"Apollo without id", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"name":"A","body":"{ donors { totalCount } }"}]}`, "has no id"},
		{"Apollo, not GraphQL", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"a","body":"{ donors {"}]}`, "is not GraphQL"},
		{"Relay, not a string", `{"a": 1}`, "nor a Relay one"},
		{"Relay, not GraphQL", `{"a": "SELECT 1"}`, "is not GraphQL"},
		{"an API keys file", `{"keys":[{"name":"alice","role":"EDITOR","hash":"…"}]}`, "nor a Relay one"},
	} {
		_, err := server.ParseManifest([]byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
