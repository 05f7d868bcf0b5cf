// Package server is coopgraph's HTTP face: routes, CORS, limits, health, metrics, the
// request log and the GraphQL handler. NewServer wires them; cmd/coopgraph runs it.
package server

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/edit"
	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/loader"
	"github.com/coopgraph/coopgraph/internal/metrics"
	"github.com/coopgraph/coopgraph/internal/server/playground"
)

// Store is everything the API reads and writes.
type Store interface {
	graph.Store
	loader.Store
	edit.Store
	// CollectionSizes estimates the documents of each entity's collection, by name.
	CollectionSizes(ctx context.Context) (map[string]int, error)
	// RequestScope returns the context of one request, whose store reads then hold at
	// most the request's share of the store's connections at once.
	RequestScope(ctx context.Context) context.Context
}

// Deps are the server's dependencies.
type Deps struct {
	Store Store
	// Ping reports whether the store can serve a read now; /readyz uses it.
	Ping func(context.Context) error
	// CORSOrigins are the browser origins allowed to call the API ("*" allows any).
	CORSOrigins []string
	Log         *slog.Logger
	// Keys are the API keys (nil: none configured, so nobody may change data).
	Keys *auth.Keyring
	// RequireAuthForReads makes every request need a valid key, reads too.
	RequireAuthForReads bool
	// NewID makes ids for new objects and audit entries, sorting by creation time.
	NewID func() string
	// BatchWait is how long batch loaders wait for more keys (0: loader.DefaultWait).
	// Tests that count store commands set it longer, so that a loaded machine cannot
	// split a batch.
	BatchWait time.Duration
	// PerParent reads nested lists a page per parent (loader.Options.PerParent; the
	// store's NestedReads is not mongostore.NestedBatched) rather than whole.
	PerParent bool
	// Limits bound each request's document and arguments (zero: DefaultLimits).
	Limits *Limits
	// Load sets deadlines, the cap on requests in flight and the rate limit (zero:
	// DefaultLoad).
	Load *Load
	// CursorSecret signs paging cursors (HMAC-SHA256). Empty: a random key per process, so
	// cursors do not survive a restart nor work across instances.
	CursorSecret []byte
	// Operations, when set, is the allow-list: only its operations run (by id or by their
	// exact text), and automatic persisted queries cannot add others. Nil: any operation.
	Operations *Manifest
	// NoIntrospection refuses __schema and __type (INTROSPECTION_DISABLED); the playground
	// needs them.
	NoIntrospection bool
	// ExportPageRows is how many report rows each page of the CSV export asks for (0:
	// 5,000).
	ExportPageRows int
	// Metrics are served at /metrics. Give the store's client Metrics.StoreMonitor() so
	// that they count its commands. Nil: new metrics without store commands.
	Metrics *metrics.Metrics
}

// NewServer returns the HTTP handler of the whole API.
func NewServer(d Deps) http.Handler {
	mux := http.NewServeMux()
	m := d.Metrics
	if m == nil {
		m = metrics.New()
	}
	if d.Operations != nil {
		m.AllowOperations(d.Operations.names)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Log = slog.New(requestIDLog{d.Log.Handler()})
	limits, load := DefaultLimits, DefaultLoad
	if d.Limits != nil {
		limits = *d.Limits
	}
	if d.Load != nil {
		load = *d.Load
	}
	// Cheapest refusals first: a bad key, too many requests from this client, a body too
	// large; then, with the body read, the hard ceiling on requests past it (so that slow
	// senders cannot hold the slots); only then does a request get its deadline, its
	// loaders and the GraphQL handler, where admission (admit.go) queues each validated
	// operation for a slot of its lane.
	guard := func(h http.Handler) http.Handler {
		h = requestScope(d.Store, h)
		h = deadline(load.RequestTimeout, h)
		h = shed(hardCeilingFactor*load.MaxInFlight, h)
		h = limitBody(limits.BodyBytes, h)
		h = requireKey(d.RequireAuthForReads, h)
		h = rateLimit(load.RateLimit, load.RateBurst, h)
		return auth.Middleware(d.Keys, h)
	}
	api := loader.Middleware(d.Store, loader.Options{Wait: d.BatchWait, Observe: m.Batch, PerParent: d.PerParent}, newGraphQL(d, m, limits, load))
	mux.Handle("/graphql", guard(api))
	// The export is one request: one rate-limit token, one slot in flight, one deadline
	// for all its pages; each page is a GraphQL request through api (fresh loaders, the
	// schema's validation, the limits and the cost).
	mux.Handle("GET /export/funding-report.csv", guard(exportCSV(api, cmp.Or(d.ExportPageRows, 5000))))
	mux.HandleFunc("GET /healthz", live)
	mux.HandleFunc("GET /readyz", ready(d.Ping))
	mux.Handle("GET /metrics", m.Handler())
	ph := playground.Handler(examples.JSON())
	mux.Handle("GET /{$}", ph)
	mux.Handle("GET /playground/", ph)
	c := cors.New(cors.Options{
		AllowedOrigins: d.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization", "X-Api-Key", requestIDHeader},
		ExposedHeaders: []string{requestIDHeader},
		MaxAge:         600,
	})
	return observe(d.Log, m, c.Handler(mux))
}

// requestScope gives each request (a CSV export with all its pages is one) its share of
// the store (Store.RequestScope) and its memo of reports (graph.WithMemo).
func requestScope(s Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(graph.WithMemo(s.RequestScope(r.Context()))))
	})
}

// newGraphQL builds the gqlgen handler with explicit transports, a query cache, the
// limits and the error presenter. Its caches are bounded by bytes (cache.go).
func newGraphQL(d Deps, m *metrics.Metrics, limits Limits, load Load) http.Handler {
	h := handler.New(graph.NewSchema(&graph.Resolver{Store: d.Store, Edit: edit.New(d.Store, d.NewID), KeysConfigured: d.Keys != nil, CursorKey: d.CursorSecret}))
	h.AddTransport(transport.Options{})
	h.AddTransport(httpTransport{})
	docs := newCache(queryCacheBytes, docBytes, m.CacheBytes("query"))
	h.SetQueryCache(docs)
	if d.NoIntrospection {
		h.Use(noIntrospection{})
		h.SetDisableSuggestion(true)
		h.SetValidationRulesFn(rulesWithoutSuggestions)
	} else {
		h.Use(extension.Introspection{})
	}
	var apq *persisted
	if d.Operations != nil {
		h.Use(allowList{m: d.Operations, also: []string{exportQuery}})
	} else {
		apq = &persisted{newCache(apqCacheBytes, textBytes, m.CacheBytes("apq"))}
		h.Use(extension.AutomaticPersistedQuery{Cache: apq})
	}
	h.Use(newLimiter(limits, &sizes{store: d.Store, perParent: d.PerParent}, docs, apq, m)) // after APQ or the allow-list, which fill in the query
	h.Use(newAdmission(load, m))                                                            // after the limiter, which computes the reads
	h.SetErrorPresenter(graph.ErrorPresenter(d.Log))
	h.SetRecoverFunc(graph.Recover(d.Log))
	return h
}
