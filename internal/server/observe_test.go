package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/metrics"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestMetrics sends a known sequence of requests and reads /metrics: every series the
// sequence touches, with its labels and counts.
func TestMetrics(t *testing.T) {
	m := metrics.New()
	s, cmds := storetest.Open(t, seed.Flanders(), m.StoreMonitor())
	load := server.DefaultLoad
	load.RateLimit, load.RateBurst = 1e-9, 7 // the eighth API request is over the limit
	h := server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(slog.DiscardHandler), NewID: mongostore.NewID,
		BatchWait: 20 * time.Millisecond, Load: &load, Metrics: m,
	})
	a := &api{h: h}
	// The store's client also counted the commands that loaded the data.
	findsBefore := series(gather(t, m), "coopgraph_store_command_duration_seconds")["command=find,outcome=ok"]

	const q = `query Q { country(code: "MW") { name projects { nodes { title } } } }`
	for range 3 {
		var out any
		a.query(t, q, nil, &out)
	}
	if e := a.queryError(t, `query V { country(code: "MW") { nope } }`, nil); e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("invalid query: %+v", e)
	}
	if e := a.queryError(t, `query B { allocations(filter: { year: { gte: 2020, lte: 2010 } }) { totalCount } }`, nil); e.Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("bad filter: %+v", e)
	}
	var out any
	a.query(t, `{ donors(first: 1) { nodes { name } } }`, nil, &out)
	big := `{"query":"{ donors { totalCount } }","variables":{"x":"` + strings.Repeat("a", int(server.DefaultLimits.BodyBytes)) + `"}}`
	if rec := respond(h, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(big))); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body: status %d", rec.Code)
	}
	if code, _ := a.post(t, q, nil); code != http.StatusTooManyRequests {
		t.Fatalf("eighth request: status %d, want 429", code)
	}
	if rec := respond(h, httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != http.StatusOK {
		t.Fatalf("/healthz: %d", rec.Code)
	}

	rec := respond(h, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("/metrics is not in the text format: %v", err)
	}
	for name, want := range map[string]map[string]float64{
		"coopgraph_graphql_request_duration_seconds": {
			// V never ran, so its name has no series of its own.
			"operation=Q,outcome=ok": 3, "operation=other,outcome=invalid": 1, "operation=B,outcome=error": 1,
			"operation=anonymous,outcome=ok": 1, "operation=unknown,outcome=refused": 2,
		},
		"coopgraph_graphql_errors_total": {
			"code=GRAPHQL_VALIDATION_FAILED": 1, "code=BAD_USER_INPUT": 1, "code=REQUEST_TOO_LARGE": 1, "code=RATE_LIMITED": 1,
		},
		"coopgraph_http_requests_total": {
			"route=/graphql,status=200": 6, "route=/graphql,status=413": 1, "route=/graphql,status=429": 1,
			"route=/healthz,status=200": 1,
		},
		"coopgraph_requests_shed_total":     {"reason=overloaded": 0, "reason=queue_timeout": 0, "reason=queue_full": 0, "reason=rate_limited": 1, "reason=too_large": 1},
		"coopgraph_http_requests_in_flight": {"": 1},                        // the scrape itself
		"coopgraph_loader_batch_keys":       {"loader=projects.country": 3}, // country(code:) reads the store directly
	} {
		if got := series(fams, name); !maps.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	for _, b := range fams["coopgraph_loader_batch_keys"].GetMetric() {
		if sum := b.GetHistogram().GetSampleSum(); sum != 3 {
			t.Errorf("%v: batches hold %v keys, want 3 (one country each)", b.GetLabel(), sum)
		}
	}
	finds := series(fams, "coopgraph_store_command_duration_seconds")["command=find,outcome=ok"] - findsBefore
	if want := cmds.Counts()["find"]; want == 0 || finds != float64(want) {
		t.Errorf("store finds: metrics count %v, the client sent %d", finds, want)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}
}

// TestMetricsPerServer shows that each server has its own registry.
func TestMetricsPerServer(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	one, two := metrics.New(), metrics.New()
	h := server.NewServer(server.Deps{Store: s, Ping: s.Ping, NewID: mongostore.NewID, Metrics: one})
	server.NewServer(server.Deps{Store: s, Ping: s.Ping, NewID: mongostore.NewID, Metrics: two})
	respond(h, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got := series(gather(t, one), "coopgraph_http_requests_total"); got["route=/healthz,status=200"] != 1 {
		t.Errorf("server one: %v", got)
	}
	if got := series(gather(t, two), "coopgraph_http_requests_total"); len(got) != 0 {
		t.Errorf("server two counted server one's request: %v", got)
	}
}

// TestMetricLabelsNotCrowdedOut sends 2,000 operations with unique names that run, then a
// real operation again and again: it still gets a series of its own, and /metrics stays
// small. With an allow-list, only the manifest's names are labels.
func TestMetricLabelsNotCrowdedOut(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	const real = `query RealOp { donors(first: 1) { totalCount } }`
	manifest, err := server.ParseManifest(apolloManifest(real))
	if err != nil {
		t.Fatal(err)
	}
	for _, allowList := range []*server.Manifest{nil, manifest} {
		m := metrics.New()
		h := handlerWith(s, server.Deps{Metrics: m, Operations: allowList})
		for i := range 2000 {
			send(t, h, map[string]any{"query": fmt.Sprintf("query Junk%d { __typename }", i)}, nil)
		}
		for range 10 {
			if _, r := send(t, h, map[string]any{"query": real}, nil); len(r.Errors) > 0 {
				t.Fatalf("%+v", r.Errors)
			}
		}
		rec := respond(h, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		p := expfmt.NewTextParser(model.UTF8Validation)
		size := rec.Body.Len()
		fams, err := p.TextToMetricFamilies(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got := series(fams, "coopgraph_graphql_request_duration_seconds")
		names := map[string]bool{}
		for labels := range got {
			names[strings.Split(labels, ",")[0]] = true
		}
		// Without an allow-list, the first uses of RealOp count as other while names used
		// once or twice hold every series, until it has been used twice as often.
		if n := got["operation=RealOp,outcome=ok"]; n < 5 {
			t.Errorf("allow-list %v: RealOp has %v of its 10 requests in its own series, want at least 5", allowList != nil, n)
		}
		if len(names) > 102 || size > 300<<10 {
			t.Errorf("allow-list %v: %d operation labels, /metrics is %d bytes; want at most 100 names (and other, unknown), 300 KiB", allowList != nil, len(names), size)
		}
		if allowList != nil && len(names) != 2 {
			t.Errorf("allow-list: labels %v; want RealOp and other", names)
		}
		t.Logf("allow-list %v: %d operation labels, /metrics %d bytes, RealOp %v", allowList != nil, len(names), size, got["operation=RealOp,outcome=ok"])
	}
}

// TestRequestLog checks the request log: one JSON line per request with its id (given
// or made up, and echoed), operation, cost and error codes; nothing of keys or
// variables; no line for probes and scrapes.
func TestRequestLog(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	keysFile := filepath.Join(t.TempDir(), "keys.json")
	key, err := auth.AddKey(keysFile, "frontend", auth.Viewer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.Load(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	h := server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, NewID: mongostore.NewID, Keys: keys,
		Log: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	const secret = "Zanzibar-7f3e-do-not-log"
	const named = `query Countries($text: String!) { countries(filter: { name: { contains: $text } }) { totalCount } }`
	post := func(query, requestID string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"text": secret}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		if requestID != "" {
			req.Header.Set("X-Request-ID", requestID)
		}
		return respond(h, req)
	}

	type line struct {
		Level      string
		Msg        string
		RequestID  string `json:"request_id"`
		Method     string
		Path       string
		Status     int
		DurationMS *float64 `json:"duration_ms"`
		Operation  string
		Outcome    string
		Cost       *int
		Errors     []string
		Canceled   bool
	}
	var sent []string // the request ids sent back, in order
	for _, tc := range []struct{ name, query, id string }{
		{"given id", named, "trace-4f2a/9"},
		{"no id", named, ""},
		{"id too long", named, strings.Repeat("x", 129)},
		{"id with a space", named, "a b"},
		{"invalid", `query Broken { countries { nope } }`, ""},
		{"anonymous", `query($text: String!) { c: countries(filter: { name: { contains: $text } }) { totalCount } }`, ""},
	} {
		rec := post(tc.query, tc.id)
		id := rec.Header().Get("X-Request-ID")
		switch {
		case rec.Code != http.StatusOK:
			t.Fatalf("%s: status %d %s", tc.name, rec.Code, rec.Body)
		case tc.id == "trace-4f2a/9" && id != tc.id:
			t.Errorf("%s: X-Request-ID %q, want the one sent back", tc.name, id)
		case tc.id != "trace-4f2a/9" && (len(id) < 16 || id == tc.id || slices.Contains(sent, id)):
			t.Errorf("%s: X-Request-ID %q, want a new one", tc.name, id)
		}
		sent = append(sent, id)
	}
	// A GET carries its variables in the query string, which is not logged either.
	get := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(named)+"&variables="+url.QueryEscape(`{"text":"`+secret+`"}`), nil)
	sent = append(sent, respond(h, get).Header().Get("X-Request-ID"))
	// A request whose client has gone away is logged once, as information.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sent = append(sent, respond(h, get.Clone(ctx)).Header().Get("X-Request-ID"))
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if rec := respond(h, httptest.NewRequest(http.MethodGet, path, nil)); rec.Code != http.StatusOK || rec.Header().Get("X-Request-ID") == "" {
			t.Errorf("%s: status %d, X-Request-ID %q", path, rec.Code, rec.Header().Get("X-Request-ID"))
		}
	}

	text := logs.String()
	for _, leak := range []string{secret, key, "Bearer", "Authorization"} {
		if strings.Contains(text, leak) {
			t.Errorf("the log holds %q:\n%s", leak, text)
		}
	}
	raw := strings.Split(strings.TrimSpace(text), "\n")
	if len(raw) != len(sent) {
		t.Fatalf("%d log lines for %d requests (probes and scrapes are not logged):\n%s", len(raw), len(sent), text)
	}
	wants := []line{
		{Operation: "Countries", Outcome: "ok"}, {Operation: "Countries", Outcome: "ok"},
		{Operation: "Countries", Outcome: "ok"}, {Operation: "Countries", Outcome: "ok"},
		{Operation: "Broken", Outcome: "invalid", Errors: []string{"GRAPHQL_VALIDATION_FAILED"}},
		{Operation: "anonymous", Outcome: "ok"},
		{Operation: "Countries", Outcome: "ok", Method: http.MethodGet},
		{Operation: "Countries", Outcome: "error", Method: http.MethodGet, Errors: []string{"CANCELED"}, Canceled: true},
	}
	for i, r := range raw {
		var l line
		if err := json.Unmarshal([]byte(r), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i, err, r)
		}
		w := wants[i]
		if w.Method == "" {
			w.Method = http.MethodPost
		}
		got := fmt.Sprint(l.Level, l.Msg, l.RequestID, l.Method, l.Path, l.Status, l.Operation, l.Outcome, l.Errors, l.Canceled)
		want := fmt.Sprint("INFO", "request", sent[i], w.Method, "/graphql", 200, w.Operation, w.Outcome, w.Errors, w.Canceled)
		if got != want {
			t.Errorf("line %d:\n got %s\nwant %s\n(%s)", i, got, want, r)
		}
		if l.DurationMS == nil || *l.DurationMS < 0 {
			t.Errorf("line %d: no duration_ms: %s", i, r)
		}
		if hasCost := w.Outcome != "invalid"; hasCost != (l.Cost != nil) || (hasCost && *l.Cost < 1) {
			t.Errorf("line %d: cost %v: %s", i, l.Cost, r)
		}
	}
}

// respond serves req and returns the response.
func respond(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// gather reads m's registry directly, without a request.
func gather(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	fs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fs {
		out[f.GetName()] = f
	}
	return out
}

// series returns the values of family name by their labels ("k=v,k=v"): a counter's or
// gauge's value, a histogram's count.
func series(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[name].GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		out[strings.Join(labels, ",")] = v
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
