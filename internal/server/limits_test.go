package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/introspection"

	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// small are limits low enough to write queries just under and just over each of them.
var small = server.Limits{
	BodyBytes: 4096, Tokens: 60, Operations: 2, Fields: 8, Aliases: 2, Depth: 6, Directives: 2,
	Introspection: 1, Cost: 1000, Reads: 60, StringLen: 20, ListLen: 5, InputDepth: 4,
}

func newLimitedAPI(tb testing.TB, s *mongostore.Store, l server.Limits, load server.Load) *api {
	return &api{h: server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewID: mongostore.NewID, Limits: &l, Load: &load,
	})}
}

// TestEachLimit sends, for every limit, a request just under it (it runs) and one just
// over it (refused with the limit's own code, before anything runs).
func TestEachLimit(t *testing.T) {
	d := seed.Flanders()
	s, _ := storetest.Open(t, d)
	a := newLimitedAPI(t, s, small, server.Load{})
	fields := func(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" }
	aliases := func(n int) string {
		q := "{"
		for i := range n {
			q += fmt.Sprintf(" a%d: __typename", i)
		}
		return q + " }"
	}
	deep := "{ countries(first: 1) { nodes { projects(first: 1) { nodes { countries { share } } } } } }"
	deeper := "{ countries(first: 1) { nodes { projects(first: 1) { nodes { countries { country { code } } } } } } }"
	directives := func(n int) string {
		return "{" + strings.Repeat(" __typename @include(if: true)", n) + " }"
	}
	ops := func(n int) string {
		q := ""
		for i := range n {
			q += fmt.Sprintf("query Q%d { __typename } ", i)
		}
		return q
	}
	text := func(n int) string {
		return fmt.Sprintf(`{ countries(first: 1, filter: { name: { contains: "%s" } }) { nodes { code } } }`, strings.Repeat("é", n))
	}
	list := func(n int) string {
		return fmt.Sprintf(`{ countries(first: 1, filter: { code: { in: [%s] } }) { nodes { code } } }`, strings.Repeat(`"MW" `, n))
	}
	deepInput := func(depth int) string { // filter > not > not … > code > eq
		return "{ countries(first: 1, filter: " + strings.Repeat("{ not: ", depth-2) + `{ code: { eq: "MW" } }` + strings.Repeat(" }", depth-2) + ") { nodes { code } } }"
	}
	// 1 + 10 × (1 + 1 + first × 2) for the fields (the documents read are limited apart).
	cost := func(first int) string {
		return fmt.Sprintf("{ countries(first: 10) { nodes { projects(first: %d) { nodes { code } } } } }", first)
	}
	costFirst := (small.Cost-1-20)/20 + 1 // the first page size over the limit
	cases := []struct {
		name        string
		under, over string
		code        string
		opName      string
	}{
		{"Tokens", fields(8), "{" + strings.Repeat(" __typename", 8) + strings.Repeat(" ...F", 25) + " } fragment F on Query { __typename }", "TOKEN_LIMIT_EXCEEDED", ""},
		{"Operations", ops(2), ops(3), "OPERATION_LIMIT_EXCEEDED", "Q1"},
		{"Fields", fields(8), fields(9), "FIELD_LIMIT_EXCEEDED", ""},
		{"FieldsThroughFragments", "{ ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { __typename __typename }",
			"{ ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { __typename __typename __typename }", "FIELD_LIMIT_EXCEEDED", ""},
		{"Aliases", aliases(2), aliases(3), "ALIAS_LIMIT_EXCEEDED", ""},
		{"Depth", deep, deeper, "DEPTH_LIMIT_EXCEEDED", ""},
		{"Directives", directives(2), directives(3), "DIRECTIVE_LIMIT_EXCEEDED", ""},
		{"Introspection", "{ __schema { queryType { name } } }", "{ __schema { queryType { name } } t: __type(name: \"Donor\") { name } }", "INTROSPECTION_LIMIT_EXCEEDED", ""},
		{"Cost", cost(costFirst - 1), cost(costFirst), "COMPLEXITY_LIMIT_EXCEEDED", ""},
		// A page and one more: 60 documents read, then 61.
		{"Reads", "{ countries(first: 59) { nodes { code } } }", "{ countries(first: 60) { nodes { code } } }", "COMPLEXITY_LIMIT_EXCEEDED", ""},
		{"StringLength", text(20), text(21), "INPUT_LIMIT_EXCEEDED", ""},
		{"ListLength", list(5), list(6), "INPUT_LIMIT_EXCEEDED", ""},
		{"InputDepth", deepInput(4), deepInput(5), "INPUT_LIMIT_EXCEEDED", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			send := func(q string) (int, gqlResponse) {
				rec := a.raw(t, http.MethodPost, fmt.Sprintf(`{"query":%s,"operationName":%s}`, quote(q), quote(tc.opName)), nil)
				var r gqlResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
					t.Fatalf("%v: %s", err, rec.Body)
				}
				return rec.Code, r
			}
			code, r := send(tc.under)
			if code != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("just under: status %d, errors %+v", code, r.Errors)
			}
			code, r = send(tc.over)
			if code != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tc.code || r.Data != nil {
				t.Fatalf("just over: status %d, data %s, errors %+v; want only %s", code, r.Data, r.Errors, tc.code)
			}
			if _, ok := r.Errors[0].Extensions["limit"]; !ok {
				t.Errorf("the error does not say the limit: %+v", r.Errors[0])
			}
		})
	}

	t.Run("ArgumentsNameTheirField", func(t *testing.T) {
		e := a.queryError(t, text(21), nil)
		if e.Extensions["field"] != "filter.name.contains" {
			t.Errorf("field = %v, want filter.name.contains (%s)", e.Extensions["field"], e.Message)
		}
		e = a.queryError(t, `query($f: CountryFilter) { countries(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"or": []any{map[string]any{"code": map[string]any{"in": []string{"A", "B", "C", "D", "E", "F"}}}}}})
		if e.Extensions["code"] != "INPUT_LIMIT_EXCEEDED" || e.Extensions["field"] != "$f.or[0].code.in" {
			t.Errorf("error = %+v, want INPUT_LIMIT_EXCEEDED on $f.or[0].code.in", e)
		}
	})
	t.Run("CostNamesTheLists", func(t *testing.T) {
		e := a.queryError(t, `{ donors(first: 10) { nodes { trustFunds { nodes { name } } } } }`, nil)
		want := "donors (first: 10) → donors.nodes.trustFunds (first: 50 by default)"
		if e.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(e.Message, want) || !strings.Contains(e.Message, "lower first on donors.nodes.trustFunds to ") {
			t.Errorf("message %q does not name the lists (%s) and the first to lower", e.Message, want)
		}
		// The fields; the documents read apart: 11 donors, then all the trust funds.
		if want := 1 + 10*(1+1+50*2); e.Extensions["cost"] != float64(want) || e.Extensions["reads"] != float64(11+len(d.TrustFunds)) {
			t.Errorf("extensions = %v, want cost %d and reads %d", e.Extensions, want, 11+len(d.TrustFunds))
		}
	})
	t.Run("CostInEveryResponse", func(t *testing.T) {
		body := a.raw(t, http.MethodPost, `{"query":"{ countries(first: 3) { nodes { code name } } }"}`, nil)
		var r struct{ Extensions map[string]any }
		_ = json.Unmarshal(body.Body.Bytes(), &r)
		if r.Extensions["cost"] != float64(1+3*(1+2)) || r.Extensions["reads"] != float64(4) { // 4 countries read
			t.Errorf("extensions = %v, want cost %d and reads 4", r.Extensions, 1+3*3)
		}
	})
}

// raw sends a request with the given method, body and headers and returns the recorder.
func (a *api) raw(tb testing.TB, method, body string, header http.Header) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, "/graphql", strings.NewReader(body))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// TestAttackShapes sends the shapes that used to take the server down, with the default
// limits: each is refused in well under a second, and no work goes on afterwards.
func TestAttackShapes(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	a := newLimitedAPI(t, s, server.DefaultLimits, server.DefaultLoad)

	bomb := "{ ...F0 }"
	for i := range 30 {
		bomb += fmt.Sprintf(" fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	bomb += " fragment F30 on Query { __typename }"
	var intro, cheap strings.Builder
	intro.WriteString("{")
	for i := range 2000 {
		fmt.Fprintf(&intro, " i%d: __schema { types { name fields { name } } }", i)
	}
	intro.WriteString(" }")
	cheap.WriteString("{")
	for i := 0; cheap.Len() < 1<<20-100; i++ {
		fmt.Fprintf(&cheap, " a%d: __typename", i)
	}
	cheap.WriteString(" }")
	or := make([]any, 20_000)
	for i := range or {
		or[i] = map[string]any{"code": map[string]any{"eq": "MW"}}
	}
	countries := `query($f: CountryFilter) { countries(filter: $f) { totalCount } }`

	cases := []struct {
		name  string
		query string
		vars  map[string]any
		code  string
	}{
		{"FragmentBomb", bomb, nil, "FIELD_LIMIT_EXCEEDED"},
		{"IntrospectionAliases", intro.String(), nil, "TOKEN_LIMIT_EXCEEDED"},
		{"FewIntrospectionAliases", "{ a: __schema { types { name } } b: __schema { types { name } } c: __schema { types { name } } }", nil, "INTROSPECTION_LIMIT_EXCEEDED"},
		{"CheapAliases", cheap.String(), nil, "TOKEN_LIMIT_EXCEEDED"},
		{"LongText", countries, map[string]any{"f": map[string]any{"name": map[string]any{"contains": strings.Repeat("a", 200_000)}}}, "INPUT_LIMIT_EXCEEDED"},
		{"TextOverTheFilterLimit", countries, map[string]any{"f": map[string]any{"name": map[string]any{"contains": strings.Repeat("a", 201)}}}, "BAD_USER_INPUT"},
		{"LongOr", countries, map[string]any{"f": map[string]any{"or": or}}, "INPUT_LIMIT_EXCEEDED"},
		{"OrOverTheFilterLimit", countries, map[string]any{"f": map[string]any{"or": or[:51]}}, "BAD_USER_INPUT"},
		{"HugeFirst", "query($n: Int) { countries(first: $n) { nodes { code } } }", map[string]any{"n": 1e30}, "BAD_USER_INPUT"},
		{"HugeFirstLiteral", "{ countries(first: 1000000000) { nodes { code } } }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start, cpu := time.Now(), cpuTime()
			_, r := a.post(t, tc.query, tc.vars)
			took := time.Since(start)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tc.code {
				t.Fatalf("errors %+v, want one %s", r.Errors, tc.code)
			}
			if took > time.Second {
				t.Errorf("refused after %v; want well under a second", took)
			}
			t.Logf("refused in %v (%v of CPU): %.200s", took.Round(time.Microsecond), cpuTime()-cpu, r.Errors[0].Message)
			// Nothing keeps running: the process is idle right after the answer.
			before := cpuTime()
			time.Sleep(300 * time.Millisecond)
			if used := cpuTime() - before; used > 100*time.Millisecond {
				t.Errorf("the process used %v of CPU in the 300 ms after the refusal; want it idle", used)
			}
		})
	}
}

// cpuTime is the CPU time the test process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestHTTPSemantics checks GraphQL over HTTP: status codes by media type, no data entry
// on request errors, bodies over the limit (declared or chunked), GET for queries only,
// and the shedding and rate limits.
func TestHTTPSemantics(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	a := newLimitedAPI(t, s, small, server.Load{})
	gqlResponse := http.Header{"Accept": {"application/graphql-response+json"}}

	t.Run("RequestErrorsByMediaType", func(t *testing.T) {
		for _, tc := range []struct {
			accept http.Header
			status int
		}{{nil, http.StatusOK}, {http.Header{"Accept": {"application/json"}}, http.StatusOK}, {gqlResponse, http.StatusBadRequest}} {
			for _, q := range []string{`{ donors { `, `{ donors { budget } }`, `{` + strings.Repeat(" __typename", 9) + ` }`} {
				rec := a.raw(t, http.MethodPost, `{"query":`+quote(q)+`}`, tc.accept)
				var r map[string]json.RawMessage
				_ = json.Unmarshal(rec.Body.Bytes(), &r)
				if rec.Code != tc.status || r["errors"] == nil {
					t.Errorf("Accept %v, %q: status %d, body %s; want %d with errors", tc.accept, q, rec.Code, rec.Body, tc.status)
				}
				if _, ok := r["data"]; ok {
					t.Errorf("Accept %v, %q: a request error has a data entry: %s", tc.accept, q, rec.Body)
				}
			}
		}
		rec := a.raw(t, http.MethodPost, `{"query":"{ __typename }"}`, gqlResponse)
		if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || !strings.HasPrefix(ct, "application/graphql-response+json") {
			t.Errorf("status %d, Content-Type %q", rec.Code, ct)
		}
	})
	t.Run("NotGraphQL", func(t *testing.T) {
		rec := a.raw(t, http.MethodPost, `{"query": 1`, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "BAD_REQUEST") {
			t.Errorf("status %d, body %s", rec.Code, rec.Body)
		}
	})
	t.Run("BodyTooLarge", func(t *testing.T) {
		body := `{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", 5000) + `"}}`
		rec := a.raw(t, http.MethodPost, body, nil)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "REQUEST_TOO_LARGE") {
			t.Errorf("declared length: status %d, body %s", rec.Code, rec.Body)
		}
		// Chunked: the length is not known until the body has been read.
		req := httptest.NewRequest(http.MethodPost, "/graphql", io.MultiReader(strings.NewReader(body)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		rec = httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked: status %d, body %s", rec.Code, rec.Body)
		}
	})
	t.Run("MutationOverGET", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { deleteDonor(input: { id: "x", expectedVersion: 1 }) { deletedId } }`), nil)
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
			t.Errorf("status %d, Allow %q, body %s", rec.Code, rec.Header().Get("Allow"), rec.Body)
		}
	})
	t.Run("Shedding", func(t *testing.T) {
		// One operation in flight at a time (the ceiling). The first one is slow (its loaders
		// wait a second for more keys); requests sent meanwhile wait in their lane's queue
		// for its target (a few times the lane's no-load latency, at least 250 ms) and are
		// then refused with 503 and Retry-After, well before the first ends.
		shed := &api{h: server.NewServer(server.Deps{
			Store: s, Ping: s.Ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NewID: mongostore.NewID,
			Limits: &small, Load: &server.Load{MaxInFlight: 1}, BatchWait: time.Second,
		})}
		done := make(chan int)
		go func() {
			done <- shed.raw(t, http.MethodPost, `{"query":"{ countries(first: 1) { nodes { projects(first: 1) { totalCount } } } }"}`, nil).Code
		}()
		refused := 0
		for first := 0; first == 0; {
			select {
			case first = <-done:
				if first != http.StatusOK {
					t.Errorf("first request: status %d", first)
				}
			case <-time.After(10 * time.Millisecond):
				start := time.Now()
				rec := shed.raw(t, http.MethodPost, `{"query":"{ __typename }"}`, nil)
				if rec.Code == http.StatusServiceUnavailable {
					refused++
					if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "OVERLOADED") || time.Since(start) > time.Second {
						t.Errorf("refusal: Retry-After %q, body %s, after %v", rec.Header().Get("Retry-After"), rec.Body, time.Since(start))
					}
				}
			}
		}
		if refused == 0 {
			t.Error("no request was refused while the first was in flight")
		}
		if rec := shed.raw(t, http.MethodPost, `{"query":"{ __typename }"}`, nil); rec.Code != http.StatusOK {
			t.Errorf("after the first request: status %d", rec.Code)
		}
	})
	t.Run("RateLimit", func(t *testing.T) {
		rl := newLimitedAPI(t, s, small, server.Load{RateLimit: 0.5, RateBurst: 2})
		var codes []int
		for range 3 {
			codes = append(codes, rl.raw(t, http.MethodPost, `{"query":"{ __typename }"}`, nil).Code)
		}
		rec := rl.raw(t, http.MethodPost, `{"query":"{ __typename }"}`, nil)
		if fmt.Sprint(codes) != "[200 200 429]" || rec.Header().Get("Retry-After") != "2" || !strings.Contains(rec.Body.String(), "RATE_LIMITED") {
			t.Errorf("statuses %v, then Retry-After %q, body %s; want [200 200 429] and 2 s", codes, rec.Header().Get("Retry-After"), rec.Body)
		}
		// Another client (another address) has its own allowance.
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "192.0.2.7:1234"
		rec = httptest.NewRecorder()
		rl.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("another client: status %d", rec.Code)
		}
	})
	t.Run("Deadline", func(t *testing.T) {
		// A deadline too short for any store read: the answer says TIMEOUT, at once.
		slow := newLimitedAPI(t, s, server.DefaultLimits, server.Load{RequestTimeout: time.Nanosecond})
		start := time.Now()
		_, r := slow.post(t, `{ countries(first: 5) { nodes { code } } }`, nil)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "TIMEOUT" {
			t.Errorf("errors %+v, want TIMEOUT", r.Errors)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("answered after %v", took)
		}
	})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(bytes.TrimSpace(b))
}

// TestIntrospectionWithinLimits runs the full introspection query of GraphQL clients
// under the default limits.
func TestIntrospectionWithinLimits(t *testing.T) {
	s, _ := storetest.Open(t, nil)
	a := newLimitedAPI(t, s, server.DefaultLimits, server.DefaultLoad)
	var got struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	a.query(t, introspection.Query, nil, &got)
	if len(got.Schema.Types) < 50 {
		t.Errorf("%d types", len(got.Schema.Types))
	}
}
