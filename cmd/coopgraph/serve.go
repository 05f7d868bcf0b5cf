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
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/embedded"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
)

// openStore connects to MONGODB_URI, or starts the embedded FerretDB when it is unset. It
// returns the store, a phrase naming it, and a function that closes both.
func openStore(ctx context.Context, c config, stderr io.Writer) (*mongostore.Store, string, func(), error) {
	uri, name := c.mongoURI, "MongoDB at "+redact(c.mongoURI)
	stopEmbedded := func() {}
	if uri == "" {
		e, err := embedded.Start(c.dataDir, stderr)
		if err != nil {
			return nil, "", nil, err
		}
		uri, name = e.URI(), "embedded FerretDB (SQLite files in "+c.dataDir+")"
		stopEmbedded = func() { _ = e.Stop(10 * time.Second) }
	}
	s, err := mongostore.Connect(ctx, uri, c.dbName, mongostore.Options{Timeout: c.storeTimeout})
	if err != nil {
		stopEmbedded()
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
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var keys *auth.Keyring
	if c.keysFile != "" {
		var err error
		if keys, err = auth.Load(c.keysFile); err != nil {
			return err
		}
	}
	s, storeName, closeStore, err := openStore(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	if empty, err := s.IsEmpty(ctx); err != nil {
		return err
	} else if empty {
		if err := seed.Load(ctx, s, seed.Flanders()); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		storeName += ", demo data loaded"
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	limits := server.DefaultLimits
	limits.Cost = c.maxCost
	srv := &http.Server{
		Handler: server.NewServer(server.Deps{
			Store: s, Ping: s.Ping, CORSOrigins: c.corsOrigins, Log: log,
			Keys: keys, RequireAuthForReads: c.authReads, NewID: mongostore.NewID, CursorSecret: c.cursorSecret,
			Limits: &limits, Load: &c.load,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      c.load.RequestTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "coopgraph: serving %s; playground at %s/ (GraphQL at /graphql)\n", storeName, baseURL(ln.Addr()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// baseURL is the address a browser on this machine opens.
func baseURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
