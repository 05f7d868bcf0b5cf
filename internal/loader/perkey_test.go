package loader_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// loadTogether loads keys concurrently, so that they share a batch, and returns each
// key's value and error.
func loadTogether[V any](l *loader.Loader[string, V], keys ...string) ([]V, []error) {
	vs, errs := make([]V, len(keys)), make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { vs[i], errs[i] = l.Load(context.Background(), k) })
	}
	wg.Wait()
	return vs, errs
}

// TestLoaderShortFetch: a fetch that returns fewer values than keys fails every key of
// its batch with an error, through Load and LoadAll, instead of panicking in the timer
// goroutine (which would take the server down) or leaving loads waiting.
func TestLoaderShortFetch(t *testing.T) {
	l := loader.NewLoader(func(_ context.Context, keys []string) ([]string, []error) {
		return []string{"only one"}, nil
	}, 20*time.Millisecond)
	_, errs := loadTogether(l, "a", "b", "c")
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "1 values for 3 keys") {
			t.Errorf("key %d: error = %v; want one naming 1 values for 3 keys", i, err)
		}
	}
	if _, err := l.LoadAll(context.Background(), []string{"d", "e"}); err == nil {
		t.Error("LoadAll of a short fetch: no error")
	}
}

// TestLoaderErrorCounts: a fetch with as many errors as keys fails those keys only; one
// with another number of errors fails them all; a panic fails them all.
func TestLoaderErrorCounts(t *testing.T) {
	boom := errors.New("no b")
	l := loader.NewLoader(func(_ context.Context, keys []string) ([]string, []error) {
		vs, errs := make([]string, len(keys)), make([]error, len(keys))
		for i, k := range keys {
			if k == "b" {
				errs[i] = boom
			} else {
				vs[i] = "v" + k
			}
		}
		return vs, errs
	}, 20*time.Millisecond)
	vs, errs := loadTogether(l, "a", "b", "c")
	if vs[0] != "va" || errs[0] != nil || vs[2] != "vc" || errs[2] != nil || !errors.Is(errs[1], boom) {
		t.Errorf("per-key errors: values %q, errors %v; want a and c to succeed and b to fail", vs, errs)
	}

	bad := loader.NewLoader(func(_ context.Context, keys []string) ([]string, []error) {
		return make([]string, len(keys)), make([]error, len(keys)+1)
	}, 0)
	if _, err := bad.Load(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), "2 errors for 1 keys") {
		t.Errorf("too many errors: Load error = %v", err)
	}

	panicky := loader.NewLoader(func(context.Context, []string) ([]string, []error) { panic("bug") }, 0)
	if _, err := panicky.Load(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), "panicked: bug") {
		t.Errorf("panicking fetch: Load error = %v", err)
	}
}

// failingStore fails every trust-fund query with a filter, and finds one trust fund per
// donor for queries without one.
type failingStore struct{ loader.Store }

var errStore = errors.New("store refused the filter")

func (failingStore) FindTrustFunds(_ context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error) {
	if q.Filter != nil {
		return nil, errStore
	}
	var out []*funding.TrustFund
	for _, d := range q.Within.IDs {
		out = append(out, &funding.TrustFund{ID: "fund-of-" + d, DonorID: d})
	}
	return out, nil
}

// TestRelationErrorIsPerKey: when one set of list arguments fails in a batch, the keys
// with other arguments (a sibling alias, another parent) still get their children.
func TestRelationErrorIsPerKey(t *testing.T) {
	var batches []int
	var mu sync.Mutex
	l := loader.New(failingStore{}, loader.Options{Wait: 20 * time.Millisecond, Observe: func(_ string, keys int) {
		mu.Lock()
		batches = append(batches, keys)
		mu.Unlock()
	}})
	ctx := context.Background()
	filter := &funding.TrustFundFilter{Name: &funding.TextFilter{Contains: new("x")}}
	var good, bad loader.List[funding.TrustFund]
	var goodErr, badErr error
	var wg sync.WaitGroup
	wg.Go(func() { bad, badErr = l.DonorTrustFunds(ctx, "flanders", funding.TrustFundQuery{Filter: filter}) })
	wg.Go(func() { good, goodErr = l.DonorTrustFunds(ctx, "netherlands", funding.TrustFundQuery{}) })
	wg.Wait()
	if len(batches) != 1 || batches[0] != 2 {
		t.Fatalf("batches %v; want the two keys in one batch", batches)
	}
	if !errors.Is(badErr, errStore) || bad.Items != nil {
		t.Errorf("filtered key: %v, %v; want the store's error", bad.Items, badErr)
	}
	if goodErr != nil || len(good.Items) != 1 || good.Items[0].ID != "fund-of-netherlands" {
		t.Errorf("sibling key: %v, %v; want its trust fund", good, goodErr)
	}
}
