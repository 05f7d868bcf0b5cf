package server

import (
	"context"
	"sync"
	"time"

	"github.com/coopgraph/coopgraph/graph"
)

// sizesTTL is how long the store's collection sizes are used before they are asked for
// again.
const sizesTTL = 30 * time.Second

// sizes keeps the store's collection sizes for the cost of reads (graph.Holdings),
// asked for at the first request and again once sizesTTL old, by one request at a time
// (the others use what is kept). While the store cannot say, the sizes are those last
// known (none at first): the cost then counts pages only, and the request meets the
// store's own error.
type sizes struct {
	store interface {
		CollectionSizes(ctx context.Context) (map[string]int, error)
	}
	perParent bool

	mu      sync.Mutex
	known   map[string]int
	fetched time.Time
	busy    bool
}

func (s *sizes) holdings(ctx context.Context) graph.Holdings {
	s.mu.Lock()
	stale := time.Since(s.fetched) > sizesTTL && !s.busy
	if stale {
		s.busy = true
	}
	known := s.known
	s.mu.Unlock()
	if stale {
		got, err := s.store.CollectionSizes(ctx)
		s.mu.Lock()
		s.busy = false
		if err == nil {
			s.known, s.fetched, known = got, time.Now(), got
		}
		s.mu.Unlock()
	}
	return graph.Holdings{PerParent: s.perParent, Sizes: known}
}
