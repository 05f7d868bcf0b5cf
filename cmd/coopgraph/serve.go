package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/embedded"
	"github.com/coopgraph/coopgraph/internal/metrics"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
)

// openStore connects to MONGODB_URI, or starts the embedded FerretDB when it is unset. It
// returns the store, a phrase naming it, and a function that closes both. monitor, if not
// nil, sees every command the store sends.
func openStore(ctx context.Context, c config, stderr io.Writer, monitor *event.CommandMonitor) (*mongostore.Store, string, func(), error) {
	uri, name := c.mongoURI, "MongoDB at "+redact(c.mongoURI)
	stopEmbedded := func() {}
	if uri == "" {
		e, err := embedded.Start(c.dataDir, stderr)
		if errors.Is(err, embedded.ErrNotBuilt) {
			return nil, "", nil, err
		} else if err != nil {
			return nil, "", nil, fmt.Errorf("--data-dir (env COOPGRAPH_DATA_DIR) %s: %w", c.dataDir, err)
		}
		uri, name = e.URI(), "embedded FerretDB (SQLite files in "+c.dataDir+")"
		stopEmbedded = func() { _ = e.Stop(10 * time.Second) }
	}
	s, err := mongostore.Connect(ctx, uri, c.dbName, mongostore.Options{Timeout: c.storeTimeout, Monitor: monitor, NestedReads: c.nestedReads})
	if err != nil {
		stopEmbedded()
		if errors.Is(err, mongostore.ErrPlanUnsupported) {
			err = fmt.Errorf("--nested-reads (env COOPGRAPH_NESTED_READS) %s: %w", c.nestedReads, err)
		} else if c.mongoURI != "" {
			err = fmt.Errorf("MONGODB_URI (%s): %w", redact(c.mongoURI), err)
		}
		return nil, "", nil, err
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		_ = s.Close(context.Background())
		stopEmbedded()
		return nil, "", nil, err
	}
	return s, name, func() {
		_ = s.Close(context.Background())
		stopEmbedded()
	}, nil
}

// redact drops the user information from a connection string before it is printed.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable MONGODB_URI)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

func runServe(ctx context.Context, c config, stdout, stderr io.Writer) error {
	log := newLogger(stderr)
	m := metrics.New()
	var keys *auth.Keyring
	if c.keysFile != "" {
		var err error
		if keys, err = auth.Load(c.keysFile); err != nil {
			return fmt.Errorf("--api-keys-file (env COOPGRAPH_API_KEYS_FILE): %w", err)
		}
		// A changed keys file takes effect within a second, without a restart.
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go keys.Watch(watchCtx, time.Second, log)
	}
	// Listen first, so that a taken address stops the start before the store opens.
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("--addr (env COOPGRAPH_ADDR) %q: %w", c.addr, err)
	}
	defer ln.Close()
	s, storeName, closeStore, err := openStore(ctx, c, stderr, m.StoreMonitor())
	if err != nil {
		return err
	}
	defer closeStore()
	note, err := prepareStore(ctx, s, c, log)
	if err != nil {
		return err
	}
	storeName += note + ", nested lists read " + s.NestedReads()

	limits := server.DefaultLimits
	limits.Cost, limits.Reads = c.maxCost, c.maxReads
	srv := &http.Server{
		Handler: server.NewServer(server.Deps{
			Store: s, Ping: s.Ping, CORSOrigins: c.corsOrigins, Log: log,
			Keys: keys, RequireAuthForReads: c.authReads, NewID: mongostore.NewID, CursorSecret: c.cursorSecret,
			Limits: &limits, Load: &c.load, Metrics: m, BatchWait: c.batchWait,
			Operations: c.operations, NoIntrospection: !c.introspection,
			PerParent: s.NestedReads() != mongostore.NestedBatched,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      c.load.RequestTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "coopgraph: serving %s; playground at %s/ (GraphQL at /graphql)\n", storeName, baseURL(ln.Addr()))

	var inFlight atomic.Int64
	srv.Handler = countRequests(&inFlight, srv.Handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, &inFlight, c.shutdownTimeout, log)
}

// prepareStore loads the demo data into a store that was never used (not into one an
// import or a seed has used, even if it left it empty) and settles what writes cut short
// by a crash left behind; it returns what to add to the store's name.
func prepareStore(ctx context.Context, s *mongostore.Store, c config, log *slog.Logger) (string, error) {
	note := ""
	if fresh, err := s.IsNew(ctx); err != nil {
		return "", err
	} else if fresh {
		if err := s.MarkUsed(ctx, "demo data"); err != nil {
			return "", err
		}
		if err := seed.Load(ctx, s, seed.Flanders()); err != nil {
			return "", fmt.Errorf("load demo data: %w", err)
		}
		note = ", demo data loaded"
	}
	return note, reconcile(ctx, s, c.mongoURI == "", log)
}

// reconcile settles what writes cut short by a crash left behind, before serving (see
// mongostore.Reconcile). The embedded store has no other writer, so everything is settled
// at once; on a shared store, only what is older than any write in progress, and again
// every minute until ctx ends, so that a crashed instance's leftovers are settled soon.
func reconcile(ctx context.Context, s *mongostore.Store, alone bool, log *slog.Logger) error {
	age := time.Duration(0)
	if !alone {
		age = mongostore.MaxWriteAge
	}
	r, err := s.Reconcile(ctx, age)
	if err != nil {
		return fmt.Errorf("reconcile interrupted writes: %w", err)
	}
	if r != (mongostore.Reconciled{}) {
		log.Info("reconciled interrupted writes", "committed", r.Committed, "removed", r.Removed, "claims", r.Claims)
	}
	if alone {
		return nil
	}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := s.Reconcile(ctx, age); err != nil && ctx.Err() == nil {
					log.Warn("reconcile interrupted writes", "error", err.Error())
				}
			}
		}
	}()
	return nil
}

// countRequests keeps in n the number of requests h is serving.
func countRequests(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		defer n.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// shutdown stops srv: it lets the requests in flight (inFlight) finish for up to timeout,
// then cuts off those left. Either way the server has stopped, so it returns nil unless
// the listener failed to close.
func shutdown(srv *http.Server, inFlight *atomic.Int64, timeout time.Duration, log *slog.Logger) error {
	log.Info(fmt.Sprintf("shutting down: waiting up to %s for %s in flight", timeout, requests(inFlight.Load())))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		n := inFlight.Load()
		err = srv.Close()
		log.Warn(fmt.Sprintf("shut down after %s: cut off %s still in flight", timeout, requests(n)))
		return ignoreClosed(err)
	}
	if err = ignoreClosed(err); err == nil {
		log.Info("shut down: every request finished")
	}
	return err
}

// requests is "1 request" or "n requests".
func requests(n int64) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// newLogger logs JSON lines, for a log collector, or text when w is a terminal that a
// person reads.
func newLogger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// baseURL is the address a browser on this machine opens.
func baseURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
