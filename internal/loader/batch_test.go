package loader_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coopgraph/coopgraph/internal/loader"
)

func TestLoaderBatchesConcurrentLoads(t *testing.T) {
	var calls atomic.Int32
	var got [][]int
	var mu sync.Mutex
	l := loader.NewLoader(func(_ context.Context, keys []int) ([]string, []error) {
		calls.Add(1)
		mu.Lock()
		got = append(got, slices.Clone(keys))
		mu.Unlock()
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = fmt.Sprint("v", k)
		}
		return out, nil
	}, 0)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.Load(ctx, i%50) // each key asked for four times
			if err != nil || v != fmt.Sprint("v", i%50) {
				t.Errorf("Load(%d) = %q, %v", i%50, v, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 || len(got[0]) != 50 {
		t.Fatalf("fetch called %d times with %v; want once with 50 distinct keys", calls.Load(), got)
	}
	// Cached: no second fetch.
	if v, _ := l.Load(ctx, 7); v != "v7" || calls.Load() != 1 {
		t.Errorf("cached Load(7) = %q after %d fetches", v, calls.Load())
	}
	vs, err := l.LoadAll(ctx, []int{3, 60, 1})
	if err != nil || !slices.Equal(vs, []string{"v3", "v60", "v1"}) {
		t.Errorf("LoadAll = %v, %v; want values in key order", vs, err)
	}
}

func TestLoaderError(t *testing.T) {
	boom := errors.New("store down")
	l := loader.NewLoader(func(context.Context, []string) ([]int, []error) { return nil, []error{boom} }, 0)
	if _, err := l.LoadAll(context.Background(), []string{"a", "b"}); !errors.Is(err, boom) {
		t.Errorf("LoadAll error = %v, want %v", err, boom)
	}
}

func TestForWithoutMiddleware(t *testing.T) {
	if _, err := loader.For(context.Background()); !errors.Is(err, loader.ErrNoLoaders) {
		t.Errorf("For(empty context) error = %v, want ErrNoLoaders", err)
	}
}
