// Package metrics keeps coopgraph's Prometheus metrics: one registry per server, the
// series the server, the loaders and the store's command monitor report, and the handler
// of /metrics. It holds no global state, so tests can run several servers side by side.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mongodb.org/mongo-driver/v2/event"
)

// Label values with a fixed meaning.
const (
	// Anonymous is the operation label of an operation without a name.
	Anonymous = "anonymous"
	// Unknown is the operation label of a request turned away before its operation was
	// read (too large, rate limited, overloaded, a bad key, not a GraphQL request).
	Unknown = "unknown"
	// Other stands for an operation name that has no series of its own (see
	// Metrics.operation), and for an error code that is not a plain upper-case code.
	Other = "other"
)

// Outcomes of a GraphQL request.
const (
	OK      = "ok"      // executed without errors
	Error   = "error"   // executed, with errors (partial data, or none)
	Invalid = "invalid" // refused before execution: unparsable, invalid, over a limit
	Refused = "refused" // turned away before GraphQL: too large, rate limited, overloaded, a bad key
)

// Reasons a request is shed.
const (
	Overloaded   = "overloaded"    // 503: the hard ceiling of requests past the body read was reached
	QueueTimeout = "queue_timeout" // 503: the request could not start within its lane's queue target
	QueueFull    = "queue_full"    // 503: its lane's queue was full
	RateLimited  = "rate_limited"  // 429: the client went over --rate-limit
	TooLarge     = "too_large"     // 413: the body was over the limit
)

// Bounds on label values, so that clients cannot make series without end.
const (
	maxNameLen    = 64
	maxOperations = 100   // operation names with series of their own
	maxTracked    = 1_000 // other names whose uses are counted
)

// Metrics are one server's series, in its own registry.
type Metrics struct {
	reg        *prometheus.Registry
	graphql    *prometheus.HistogramVec
	gqlErrors  *prometheus.CounterVec
	http       *prometheus.CounterVec
	inFlight   prometheus.Gauge
	shed       *prometheus.CounterVec
	store      *prometheus.HistogramVec
	batchSizes *prometheus.HistogramVec
	cacheBytes *prometheus.GaugeVec
	limit      *prometheus.GaugeVec
	queued     *prometheus.GaugeVec
	running    *prometheus.GaugeVec
	queueTime  *prometheus.HistogramVec

	mu      sync.Mutex
	allowed map[string]bool // the allow-list's operation names (nil: none set)
	labeled map[string]int  // operation names with series of their own, and their uses
	tracked map[string]int  // names of other operations that ran, and their uses
}

// New returns metrics in a new registry, with the Go runtime's and the process's
// collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		graphql: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopgraph_graphql_request_duration_seconds",
			Help:    "GraphQL requests by operation name and outcome (ok, error, invalid, refused), and how long they took; _count is the number of requests.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "outcome"}),
		gqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopgraph_graphql_errors_total",
			Help: "Errors in GraphQL responses, by extensions.code.",
		}, []string{"code"}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopgraph_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "coopgraph_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopgraph_requests_shed_total",
			Help: "Requests turned away to protect the server, by reason: overloaded, queue_timeout, queue_full (503), rate_limited (429), too_large (413).",
		}, []string{"reason"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopgraph_store_command_duration_seconds",
			Help:    "Commands sent to the store, by command name and outcome (ok, error), and how long they took; _count is the number of commands.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"command", "outcome"}),
		batchSizes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopgraph_loader_batch_keys",
			Help:    "Keys per batch read of the batch loaders, by loader.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
		}, []string{"loader"}),
		cacheBytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coopgraph_cache_bytes",
			Help: "Bytes held by each of the server's caches (query: parsed documents; apq: persisted queries; measured: documents within the limits), as charged against their budgets.",
		}, []string{"cache"}),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coopgraph_admission_limit",
			Help: "Operations each admission lane may run at once now, as adapted to measured latency (at most --max-in-flight).",
		}, []string{"lane"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coopgraph_admission_queued",
			Help: "Operations waiting in each admission lane's queue for a slot.",
		}, []string{"lane"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coopgraph_admission_running",
			Help: "Operations each admission lane is running now.",
		}, []string{"lane"}),
		queueTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopgraph_admission_queue_seconds",
			Help:    "How long operations waited in each admission lane's queue, admitted or shed (0 when admitted at once).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"lane"}),
		labeled: map[string]int{},
		tracked: map[string]int{},
	}
	for _, reason := range []string{Overloaded, QueueTimeout, QueueFull, RateLimited, TooLarge} {
		m.shed.WithLabelValues(reason)
	}
	m.reg.MustRegister(m.graphql, m.gqlErrors, m.http, m.inFlight, m.shed, m.store, m.batchSizes, m.cacheBytes,
		m.limit, m.queued, m.running, m.queueTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the series live; register more collectors in it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// GraphQL records a GraphQL request: its operation's name (Anonymous or Unknown when it
// has none), its outcome, how long it took and the extensions.code of each error in its
// response.
func (m *Metrics) GraphQL(operation, outcome string, d time.Duration, codes []string) {
	m.graphql.WithLabelValues(m.operation(operation, outcome == OK || outcome == Error), outcome).Observe(d.Seconds())
	for _, c := range codes {
		m.gqlErrors.WithLabelValues(code(c)).Inc()
	}
}

// HTTP records an HTTP request's route and status code.
func (m *Metrics) HTTP(route string, status int) {
	m.http.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// Start counts a request in flight until the returned function is called.
func (m *Metrics) Start() (done func()) {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// Lane are the series of one admission lane.
type Lane struct {
	Limit, Queued, Running prometheus.Gauge
	QueueTime              prometheus.Observer
}

// Lane returns the series of the admission lane named name.
func (m *Metrics) Lane(name string) Lane {
	return Lane{Limit: m.limit.WithLabelValues(name), Queued: m.queued.WithLabelValues(name),
		Running: m.running.WithLabelValues(name), QueueTime: m.queueTime.WithLabelValues(name)}
}

// Shed records a request turned away for reason (Overloaded, QueueTimeout, QueueFull,
// RateLimited, TooLarge).
func (m *Metrics) Shed(reason string) {
	m.shed.WithLabelValues(reason).Inc()
}

// Batch records a batch read of keys keys by the loader named loader.
func (m *Metrics) Batch(loader string, keys int) {
	m.batchSizes.WithLabelValues(loader).Observe(float64(keys))
}

// CacheBytes returns what a cache calls with the bytes it holds: the gauge of the cache
// named cache.
func (m *Metrics) CacheBytes(cache string) func(int) {
	g := m.cacheBytes.WithLabelValues(cache)
	return func(n int) { g.Set(float64(n)) }
}

// StoreMonitor is a command monitor for the store's client (mongostore.Options.Monitor)
// that records every command's name, outcome and duration.
func (m *Metrics) StoreMonitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			m.store.WithLabelValues(e.CommandName, OK).Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			m.store.WithLabelValues(e.CommandName, Error).Observe(e.Duration.Seconds())
		},
	}
}

// AllowOperations makes names (an allow-list's operation names) the only operation names
// with series of their own.
func (m *Metrics) AllowOperations(names []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowed = map[string]bool{}
	for _, n := range names {
		m.allowed[n] = true
	}
}

// operation is the label of an operation name; ran says whether the operation ran.
// Anonymous and Unknown are kept as they are, and a name that is not a GraphQL name of at
// most maxNameLen characters is Other. With an allow-list, its names are themselves and
// any other is Other. Without one, at most maxOperations names have series of their own,
// those used most: the uses of operations that ran are counted, for the names with a
// series and for up to maxTracked others (when full, a new name takes the place of the
// least used, and its count, plus one: the space-saving algorithm). A name gets a series
// while there is room, or once it has been used twice as often as the least used name with
// one, whose series is then deleted. So a flood of names used once cannot take the series
// of operations that keep being used, and /metrics stays small.
func (m *Metrics) operation(name string, ran bool) string {
	if name == Anonymous || name == Unknown {
		return name
	}
	if !IsName(name) {
		return Other
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.allowed != nil {
		if m.allowed[name] {
			return name
		}
		return Other
	}
	if n, ok := m.labeled[name]; ok {
		if ran {
			m.labeled[name] = n + 1
		}
		return name
	}
	if !ran {
		return Other
	}
	uses, ok := m.tracked[name]
	if !ok && len(m.tracked) >= maxTracked {
		least, fewest := leastUsed(m.tracked)
		delete(m.tracked, least)
		uses = fewest
	}
	uses++
	if len(m.labeled) < maxOperations {
		delete(m.tracked, name)
		m.labeled[name] = uses
		return name
	}
	least, fewest := leastUsed(m.labeled)
	if uses < 2*fewest {
		m.tracked[name] = uses
		return Other
	}
	delete(m.labeled, least)
	m.graphql.DeletePartialMatch(prometheus.Labels{"operation": least})
	m.tracked[least] = fewest
	delete(m.tracked, name)
	m.labeled[name] = uses
	return name
}

// leastUsed is the name of uses with the fewest uses (the first by name among equals).
func leastUsed(uses map[string]int) (string, int) {
	least, fewest := "", 0
	for n, u := range uses {
		if least == "" || u < fewest || u == fewest && n < least {
			least, fewest = n, u
		}
	}
	return least, fewest
}

// IsName reports whether s is a GraphQL name (letters, digits and underscores, not
// starting with a digit) of at most 64 characters.
func IsName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// code is the label of an error code: the code if it is upper-case letters, digits and
// underscores, at most maxNameLen long; else Other (so too for an error without a code).
func code(c string) string {
	if c == "" || len(c) > maxNameLen {
		return Other
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !(b == '_' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9') {
			return Other
		}
	}
	return c
}
