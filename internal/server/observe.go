package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/coopgraph/coopgraph/internal/metrics"
)

// requestIDHeader carries a request's id: taken from the request if it is sane, else
// made up, and always sent back.
const requestIDHeader = "X-Request-ID"

// exchange is what the request log and the metrics learn about one request while the
// handlers answer it: observe puts it into the request's context, the handlers fill it in
// (all on the request's goroutine), and observe reports it once the answer is written.
type exchange struct {
	id string
	// graphql is set once the request was answered as a GraphQL request (or refused as
	// one); the fields below are only meaningful then.
	graphql    bool
	operation  string // the operation's name, metrics.Anonymous or metrics.Unknown
	outcome    string // metrics.OK, Error, Invalid or Refused
	cost       any    // the operation's cost (nil: not computed)
	codes      []string
	shed       string // why the request was shed: metrics.Overloaded, QueueTimeout, QueueFull, RateLimited, TooLarge
	retryAfter int    // seconds, for a request shed by admission
}

type exchangeKey struct{}

// exchangeFrom returns the request's exchange, or nil outside observe (its methods do
// nothing on nil).
func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// refuse notes that a GraphQL request was turned away with an error of code before it
// reached the GraphQL handler, and why it was shed (reason, or "" if it was not shed but
// refused, e.g. for a bad key).
func (x *exchange) refuse(reason, code string) {
	if x == nil {
		return
	}
	x.graphql, x.outcome, x.shed = true, metrics.Refused, reason
	x.operation = metrics.Unknown
	x.codes = append(x.codes, code)
}

// shedAt notes that admission shed the request for reason, to be retried after
// retryAfter seconds.
func (x *exchange) shedAt(reason string, retryAfter int) {
	if x == nil {
		return
	}
	x.shed, x.retryAfter = reason, retryAfter
}

// retry is the Retry-After, in seconds, of a request shed by admission (0 if none).
func (x *exchange) retry() int {
	if x == nil {
		return 0
	}
	return x.retryAfter
}

// answer notes a GraphQL response: rc is its operation (nil if the request was not read),
// errs its errors, and executed whether the operation ran (else it was refused before
// execution). The CSV export runs several GraphQL requests within one HTTP request: the
// last one names the operation, the errors add up.
func (x *exchange) answer(rc *graphql.OperationContext, errs gqlerror.List, executed bool) {
	if x == nil {
		return
	}
	x.graphql = true
	x.operation, x.cost = metrics.Unknown, nil
	if rc != nil {
		x.operation = operationName(rc)
		x.cost = rc.Stats.GetExtension("cost")
	}
	for _, e := range errs {
		c, _ := e.Extensions["code"].(string)
		x.codes = append(x.codes, c)
	}
	switch {
	case x.shed != "":
		x.outcome = metrics.Refused
	case !executed:
		x.outcome = metrics.Invalid
	case len(x.codes) > 0:
		x.outcome = metrics.Error
	default:
		x.outcome = metrics.OK
	}
}

// operationName names rc's operation for the log and the metrics: its name if it is a
// GraphQL name of at most 64 characters, metrics.Anonymous for an operation without a
// name, metrics.Other for anything else, and metrics.Unknown when the document was not
// read.
func operationName(rc *graphql.OperationContext) string {
	name := rc.OperationName
	switch {
	case rc.Operation != nil:
		name = rc.Operation.Name
	case rc.RawQuery == "":
		return metrics.Unknown
	case name == "":
		// Not parsed or not valid: the name written in the document, if any.
		name = firstOperationName(rc.RawQuery)
	}
	switch {
	case name == "":
		return metrics.Anonymous
	case !metrics.IsName(name):
		return metrics.Other
	}
	return name
}

// firstOperationName reads the name of a document's first operation from its first
// tokens ("query Name"), without parsing it: "" if it does not start with a named
// operation.
func firstOperationName(doc string) string {
	lx := lexer.New(&ast.Source{Input: doc})
	var toks []lexer.Token
	for len(toks) < 2 {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return ""
		}
		if tok.Kind != lexer.Comment {
			toks = append(toks, tok)
		}
	}
	switch {
	case toks[0].Kind != lexer.Name || toks[1].Kind != lexer.Name:
		return ""
	case toks[0].Value == "query" || toks[0].Value == "mutation" || toks[0].Value == "subscription":
		return toks[1].Value
	}
	return ""
}

// errorCodes is the distinct error codes of x, in order of first appearance.
func (x *exchange) errorCodes() []string {
	var out []string
	for _, c := range x.codes {
		if c == "" {
			c = "(none)"
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// quiet are the routes not logged when they succeed: probes and scrapes, called every few
// seconds.
var quiet = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe gives each request an id (its X-Request-ID if sane, else a new one, sent back
// in X-Request-ID), then logs one line for it and records it in m. The line has the
// request id, method, path, status and duration, and for a GraphQL request its operation
// name, cost, outcome and error codes; it never has headers, the query string, variables
// or bodies, which may carry keys or personal data. Successful probes and scrapes are
// not logged. A request whose client went away is logged on its line (canceled), as
// information: it is not the server's fault.
func observe(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		done := m.Start()
		defer done()
		x := &exchange{id: requestID(r.Header.Get(requestIDHeader))}
		w.Header().Set(requestIDHeader, x.id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		ctx := r.Context() // without x: the line names its request id first, itself
		r = r.WithContext(context.WithValue(ctx, exchangeKey{}, x))
		aborted := serve(next, sw, r)
		if aborted {
			// Logged and counted first; then the client sees the response broken off.
			defer panic(http.ErrAbortHandler)
		}
		took := time.Since(start)

		m.HTTP(route(r), sw.status)
		if x.graphql {
			m.GraphQL(x.operation, x.outcome, took, x.codes)
		}
		if x.shed != "" {
			m.Shed(x.shed)
		}
		if quiet[r.URL.Path] && sw.status < http.StatusInternalServerError {
			return
		}
		attrs := []slog.Attr{
			slog.String("request_id", x.id), slog.String("method", r.Method), slog.String("path", truncate(r.URL.Path, 200)),
			slog.Int("status", sw.status), slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		}
		if aborted {
			attrs = append(attrs, slog.Bool("aborted", true))
		}
		if x.graphql {
			attrs = append(attrs, slog.String("operation", x.operation), slog.String("outcome", x.outcome))
			if x.cost != nil {
				attrs = append(attrs, slog.Any("cost", x.cost))
			}
			if codes := x.errorCodes(); len(codes) > 0 {
				attrs = append(attrs, slog.Any("errors", codes))
			}
		}
		if x.shed != "" {
			attrs = append(attrs, slog.String("shed", x.shed))
		}
		level := slog.LevelInfo
		switch {
		case ctx.Err() != nil:
			attrs = append(attrs, slog.Bool("canceled", true))
		case aborted:
			level = slog.LevelWarn
		case sw.status == http.StatusInternalServerError:
			level = slog.LevelError
		case sw.status >= http.StatusInternalServerError:
			level = slog.LevelWarn
		}
		log.LogAttrs(ctx, level, "request", attrs...)
	})
}

// serve runs next and reports whether it aborted its response (panicked with
// http.ErrAbortHandler, as the CSV export does when a page fails after the first); any
// other panic goes on.
func serve(next http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			aborted = true
		}
	}()
	next.ServeHTTP(w, r)
	return false
}

// route is the route label of a request the mux has seen: the pattern it matched without
// its method, "preflight" for a CORS preflight (answered before the mux), else
// "unmatched".
func route(r *http.Request) string {
	switch {
	case r.Pattern != "":
		_, path, found := strings.Cut(r.Pattern, " ")
		if !found {
			path = r.Pattern
		}
		if path == "/{$}" {
			path = "/"
		}
		return path
	case r.Method == http.MethodOptions:
		return "preflight"
	default:
		return "unmatched"
	}
}

// requestID returns the client's request id if it is 1 to 128 printable ASCII
// characters without spaces, else a new random one.
func requestID(given string) string {
	if len(given) > 0 && len(given) <= 128 && !strings.ContainsFunc(given, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return given
	}
	return rand.Text()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// requestIDLog adds the request id to every record logged with a request's context, so
// that a resolver's error can be found beside its request's line.
type requestIDLog struct{ slog.Handler }

func (h requestIDLog) Handle(ctx context.Context, rec slog.Record) error {
	if x := exchangeFrom(ctx); x != nil {
		rec = rec.Clone()
		rec.AddAttrs(slog.String("request_id", x.id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDLog) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDLog{h.Handler.WithAttrs(as)}
}

func (h requestIDLog) WithGroup(name string) slog.Handler {
	return requestIDLog{h.Handler.WithGroup(name)}
}

// statusWriter remembers the status code of a response.
type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
