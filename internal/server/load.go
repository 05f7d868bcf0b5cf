package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/metrics"
)

// Load settings: how long a request may run, how many may run at once, and how fast one
// client may send them.
type Load struct {
	// RequestTimeout is each request's deadline; store work stops when it passes.
	RequestTimeout time.Duration
	// MaxInFlight is the most operations that run at once, the ceiling of the adaptive
	// limits of admission (admit.go); more wait in their lane's queue. Past
	// hardCeilingFactor times it, requests are refused at once with 503 before they are
	// parsed.
	MaxInFlight int
	// RateLimit is how many requests per second one API key (or, without a key, one client
	// IP address) may send on average; 0 turns the limit off. RateBurst is how many it may
	// send at once.
	RateLimit float64
	RateBurst int
}

// DefaultLoad suits the embedded store on a small machine; see docs/benchmarks.md.
var DefaultLoad = Load{RequestTimeout: 10 * time.Second, MaxInFlight: 32, RateBurst: 20}

// refuse answers a request before it reaches GraphQL, with one error of code, and notes it
// for the request log and metrics (reason: why it was shed, "" if it was not). Callers set
// their own headers (Retry-After, …) first.
func refuse(w http.ResponseWriter, r *http.Request, status int, reason, code, msg string) {
	exchangeFrom(r.Context()).refuse(reason, code)
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	writeResponse(w, status, requestError{Errors: gqlerror.List{codedError(code, msg)}})
}

// hardCeilingFactor times --max-in-flight is the most requests past their body read at
// once (being parsed, queued for admission or running): a bound on memory, refused at once.
const hardCeilingFactor = 8

// shed serves at most n requests at once and answers the others 503 straight away: the
// hard ceiling on the requests being parsed, queued or run (admission, which queues, is
// what adapts to load).
func shed(n int, next http.Handler) http.Handler {
	if n <= 0 {
		return next
	}
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			refuse(w, r, http.StatusServiceUnavailable, metrics.Overloaded, "OVERLOADED", "the server is busy with other requests; retry in a moment")
		}
	})
}

// deadline gives each request its timeout. The client going away cancels the request's
// context too (net/http does that), which stops its store work.
func deadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitBody reads the whole body of a request up to max bytes, and answers 413 to a
// larger one, whether it declares its length or streams it in chunks.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := func() {
			w.Header().Set("Connection", "close")
			refuse(w, r, http.StatusRequestEntityTooLarge, metrics.TooLarge, "REQUEST_TOO_LARGE",
				"the request body is larger than "+strconv.FormatInt(max, 10)+" bytes; send a shorter query and fewer variables")
		}
		if r.ContentLength > max {
			tooLarge()
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			tooLarge()
			return
		case err != nil:
			refuse(w, r, http.StatusBadRequest, "", "BAD_REQUEST", "the request body could not be read")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// rateLimiter allows each client (API key, else IP address) limit requests a second on
// average, with bursts of burst; more get 429 with the time to wait in Retry-After.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxClients bounds the rate limiter's memory: past it, clients whose bucket is full again
// (idle long enough to be back at their full burst) are forgotten.
const maxClients = 10_000

func rateLimit(perSecond float64, burst int, next http.Handler) http.Handler {
	if perSecond <= 0 {
		return next
	}
	rl := &rateLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), clients: map[string]*rate.Limiter{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		res := rl.limiter(client(r)).Reserve()
		if wait := res.Delay(); wait > 0 {
			res.Cancel()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			refuse(w, r, http.StatusTooManyRequests, metrics.RateLimited, "RATE_LIMITED",
				"too many requests from this client; wait for the number of seconds in the Retry-After header")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (rl *rateLimiter) limiter(client string) *rate.Limiter {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	l := rl.clients[client]
	if l == nil {
		if len(rl.clients) >= maxClients {
			now := time.Now()
			for c, l := range rl.clients {
				if l.TokensAt(now) >= float64(rl.burst) {
					delete(rl.clients, c)
				}
			}
		}
		l = rate.NewLimiter(rl.limit, rl.burst)
		rl.clients[client] = l
	}
	return l
}

// client names who sent a request: its API key's name, else its IP address.
func client(r *http.Request) string {
	if id, state := auth.From(r.Context()); state == auth.Authenticated {
		return "key:" + id.Name
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}
