// Package server is coopgraph's HTTP face: routes, CORS, limits, health and the GraphQL
// handler. NewServer wires them; cmd/coopgraph runs it.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/edit"
	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/loader"
	"github.com/coopgraph/coopgraph/internal/server/playground"
)

// Store is everything the API reads and writes.
type Store interface {
	graph.Store
	loader.Store
	edit.Store
}

// Deps are the server's dependencies.
type Deps struct {
	Store Store
	// Ping reports whether the store answers; /readyz uses it.
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
	// Limits bound each request's document and arguments (zero: DefaultLimits).
	Limits *Limits
	// Load sets deadlines, the cap on requests in flight and the rate limit (zero:
	// DefaultLoad).
	Load *Load
	// CursorSecret signs paging cursors (HMAC-SHA256). Empty: a random key per process, so
	// cursors do not survive a restart nor work across instances.
	CursorSecret []byte
}

// NewServer returns the HTTP handler of the whole API.
func NewServer(d Deps) http.Handler {
	mux := http.NewServeMux()
	limits, load := DefaultLimits, DefaultLoad
	if d.Limits != nil {
		limits = *d.Limits
	}
	if d.Load != nil {
		load = *d.Load
	}
	// Cheapest refusals first: a bad key, too many requests from this client, a body too
	// large; then, with the body read, too many requests in flight (so that slow senders
	// cannot hold the slots); only then does a request get its deadline, its loaders and
	// the GraphQL handler.
	api := loader.Middleware(d.Store, d.BatchWait, newGraphQL(d, limits))
	api = deadline(load.RequestTimeout, api)
	api = shed(load.MaxInFlight, api)
	api = limitBody(limits.BodyBytes, api)
	api = requireKey(d.RequireAuthForReads, api)
	api = rateLimit(load.RateLimit, load.RateBurst, api)
	gql := auth.Middleware(d.Keys, api)
	mux.Handle("/graphql", gql)
	mux.Handle("GET /export/funding-report.csv", exportCSV(gql))
	mux.HandleFunc("GET /healthz", live)
	mux.HandleFunc("GET /readyz", ready(d.Ping))
	ph := playground.Handler(examples.JSON())
	mux.Handle("GET /{$}", ph)
	mux.Handle("GET /playground/", ph)
	c := cors.New(cors.Options{
		AllowedOrigins: d.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization", "X-Api-Key"},
		MaxAge:         600,
	})
	return logRequests(d.Log, c.Handler(mux))
}

// newGraphQL builds the gqlgen handler with explicit transports, a query cache, the
// limits and the error presenter.
func newGraphQL(d Deps, limits Limits) http.Handler {
	h := handler.New(graph.NewSchema(&graph.Resolver{Store: d.Store, Edit: edit.New(d.Store, d.NewID), KeysConfigured: d.Keys != nil, CursorKey: d.CursorSecret}))
	h.AddTransport(transport.Options{})
	h.AddTransport(httpTransport{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	h.Use(newLimiter(limits)) // after APQ, which fills in the query
	h.SetErrorPresenter(graph.ErrorPresenter(d.Log))
	h.SetRecoverFunc(graph.Recover(d.Log))
	return h
}

// logRequests logs one line per request: method, path, status and duration, and whether
// the client went away before the answer. It never logs headers or bodies, which may carry
// keys.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).Round(time.Microsecond)}
		if r.Context().Err() != nil {
			attrs = append(attrs, "canceled", "the client went away")
		}
		log.Info("request", attrs...)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
