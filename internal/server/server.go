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

// Limits that keep one request from taking the server down.
const (
	// MaxBodyBytes is the largest request body /graphql reads.
	MaxBodyBytes = 1 << 20
	// MaxComplexity bounds a query's cost: every field costs 1 and a list multiplies what
	// it selects by its page size (first, default 50).
	MaxComplexity = 250_000
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
	// Ping reports whether the store answers; /healthz uses it.
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
}

// NewServer returns the HTTP handler of the whole API.
func NewServer(d Deps) http.Handler {
	mux := http.NewServeMux()
	api := loader.Middleware(d.Store, d.BatchWait, limitBody(newGraphQL(d)))
	gql := auth.Middleware(d.Keys, requireKey(d.RequireAuthForReads, api))
	mux.Handle("/graphql", gql)
	mux.Handle("GET /export/funding-report.csv", exportCSV(gql))
	mux.HandleFunc("GET /healthz", health(d.Ping))
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
// complexity limit and the error presenter.
func newGraphQL(d Deps) http.Handler {
	h := handler.New(graph.NewSchema(&graph.Resolver{Store: d.Store, Edit: edit.New(d.Store, d.NewID), KeysConfigured: d.Keys != nil}))
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	h.Use(extension.FixedComplexityLimit(MaxComplexity))
	h.SetErrorPresenter(graph.ErrorPresenter(d.Log))
	h.SetRecoverFunc(graph.Recover(d.Log))
	return h
}

// limitBody refuses bodies over MaxBodyBytes: with 413 when the request says its length,
// and with a GraphQL error when a streamed body runs over.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBodyBytes {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// health answers 200 once the store answers a ping, 503 otherwise.
func health(ping func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("store unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}
}

// logRequests logs one line per request: method, path, status and duration. It never
// logs headers or bodies, which may carry keys.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).Round(time.Microsecond))
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
