// Package embedded runs FerretDB in-process with its SQLite backend, so coopgraph works
// without a MongoDB server. It is the zero-setup mode for exploring, demos and tests.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Store is a running in-process FerretDB.
type Store struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts FerretDB on a free loopback port with its SQLite files in dataDir (created
// if missing). Its own logs go to stderr at error level only.
func Start(dataDir string, stderr io.Writer) (*Store, error) {
	return StartAt(dataDir, "127.0.0.1:0", stderr)
}

// StartAt is Start listening on addr (host:port; port 0 picks a free one). A store stopped
// and started again at the same address over the same dataDir is the same store to its
// clients, which is how tests take the store away and bring it back.
func StartAt(dataDir, addr string, stderr io.Writer) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/",
	})
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx)
	}()
	// MongoDBURI blocks until the listener is bound.
	s.uri = f.MongoDBURI()
	return s, nil
}

// URI is the mongodb:// address the driver connects to.
func (s *Store) URI() string { return s.uri }

// Stop stops FerretDB and waits (up to timeout) for it to close its files.
func (s *Store) Stop(timeout time.Duration) error {
	s.cancel()
	select {
	case <-s.done:
		return nil
	case <-time.After(timeout):
		return errors.New("embedded store: did not stop in time")
	}
}
