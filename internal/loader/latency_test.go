package loader_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/coopgraph/coopgraph/internal/loader"
)

// The latency of one load alone in its batch: the window it waits before its read. With
// a busy goroutine elsewhere in the process (unrelated work, such as another request),
// that window must not grow.
func BenchmarkLoadIdle(b *testing.B) { benchmarkLoad(b, false) }
func BenchmarkLoadBusy(b *testing.B) { benchmarkLoad(b, true) }

func benchmarkLoad(b *testing.B, busy bool) {
	if busy {
		var stop atomic.Bool
		defer stop.Store(true)
		go func() {
			for n := 0; !stop.Load(); n++ {
			}
		}()
	}
	fetch := func(_ context.Context, keys []int) ([]int, []error) { return keys, nil }
	ctx := context.Background()
	for b.Loop() {
		l := loader.NewLoader(fetch, 0)
		if v, err := l.Load(ctx, 1); v != 1 || err != nil {
			b.Fatalf("Load(1) = %v, %v", v, err)
		}
	}
}
