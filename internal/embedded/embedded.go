// Package embedded runs FerretDB in-process with its SQLite backend, so coopgraph works
// without a MongoDB server. It is the zero-setup mode for exploring, demos and tests.
//
// Building with -tags noembed leaves FerretDB out (a smaller binary for production, which
// uses MongoDB): then Available is false and Start returns ErrNotBuilt.
package embedded

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotBuilt is Start's error in a build without the embedded store.
var ErrNotBuilt = errors.New("this coopgraph was built without the embedded store (-tags noembed): set MONGODB_URI to a MongoDB connection string")

// Store is a running in-process FerretDB.
type Store struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts FerretDB on a free loopback port with its SQLite files in dataDir (created
// 0700 if missing). Its own logs go to stderr at error level only.
func Start(dataDir string, stderr io.Writer) (*Store, error) {
	return StartAt(dataDir, "127.0.0.1:0", stderr)
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
