package server

import (
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestGradientLimit feeds a lane's limit the latencies its operations would see, the lane
// full: on a store with room to spare (the latency does not grow) the limit rises to the
// ceiling; on one bound by two cores (n at once take n/2 times as long) it settles where
// the latency stays within the tolerance of the no-load latency, whatever that latency;
// and it rises again when the room comes back.
func TestGradientLimit(t *testing.T) {
	g := newGradient(32)
	if g.slots() != 8 {
		t.Fatalf("initial limit %d, want 8 (a quarter of the ceiling)", g.slots())
	}
	busy := func() int { return g.slots() - 1 } // the lane full
	for range 200 {
		g.sample(10*time.Millisecond, busy())
	}
	if g.slots() != 32 {
		t.Errorf("after 200 samples at the no-load latency: limit %d, want the ceiling, 32", g.slots())
	}
	for _, noLoad := range []time.Duration{10 * time.Millisecond, 400 * time.Millisecond} {
		g := newGradient(32)
		g.sample(noLoad, 0) // a first operation alone: its no-load latency
		twoCores := func() time.Duration { return time.Duration(float64(noLoad) * max(1, float64(g.slots())/2)) }
		for range 500 {
			g.sample(twoCores(), g.slots()-1)
		}
		if g.slots() > 3 || g.slots() < 2 {
			t.Errorf("two cores, no-load %v: limit %d, want 2 or 3 (at most 1.5 times the no-load latency)", noLoad, g.slots())
		}
		if g.noLoad > 1.05*noLoad.Seconds() {
			t.Errorf("two cores: no-load estimate %.4fs rose with the load, want %v", g.noLoad, noLoad)
		}
	}
	low := g.slots()
	for range 100 {
		g.sample(100*time.Millisecond, busy())
	}
	if g.slots() >= low {
		t.Errorf("10 times slower with the lane full: limit %d, want below %d", g.slots(), low)
	}
	low = g.slots()
	for range 200 {
		g.sample(12*time.Millisecond, busy())
	}
	if g.slots() <= low {
		t.Errorf("latency back to normal: limit %d, want above %d", g.slots(), low)
	}
	// Never under 1, however slow.
	for range 500 {
		g.sample(10*time.Second, busy())
	}
	if g.slots() < 1 {
		t.Errorf("limit %d, want at least 1", g.slots())
	}
}

// TestGradientIdle: samples of a lane running at most half full leave the limit as it is
// (they say nothing about more), and those of operations that ran alone teach the
// no-load estimate a slower store.
func TestGradientIdle(t *testing.T) {
	g := newGradient(32)
	for range 100 {
		g.sample(10*time.Millisecond, 0)
	}
	if g.slots() != 8 {
		t.Errorf("idle lane: limit %d, want it unchanged, 8", g.slots())
	}
	for range 1000 {
		g.sample(50*time.Millisecond, 0)
	}
	if g.noLoad < 0.045 {
		t.Errorf("no-load estimate %.4fs, want it to have followed the idle samples to 50 ms", g.noLoad)
	}
	// With a limit of 1, every operation runs alone: the estimate learns the store's
	// latency even under sustained load.
	one := newGradient(1)
	one.sample(10*time.Millisecond, 0)
	for range 1000 {
		one.sample(80*time.Millisecond, 0)
	}
	if one.noLoad < 0.07 || one.slots() != 1 {
		t.Errorf("limit 1: no-load %.4fs, limit %d; want near 80 ms and 1", one.noLoad, one.slots())
	}
}

func TestLanes(t *testing.T) {
	for _, c := range []struct {
		op    ast.Operation
		reads int
		want  string
	}{
		{ast.Query, 0, "reads_1"}, {ast.Query, 9, "reads_1"}, {ast.Query, 10, "reads_10"}, {ast.Query, 101, "reads_100"},
		{ast.Query, 3010, "reads_1000"}, {ast.Query, 10_000, "reads_10000"}, {ast.Query, 1 << 30, "reads_10000"},
		{ast.Mutation, 0, "mutation"}, {ast.Mutation, 5000, "mutation"},
	} {
		if got := lanes[laneOf(c.op, c.reads)]; got != c.want {
			t.Errorf("%s reading %d: lane %s, want %s", c.op, c.reads, got, c.want)
		}
	}
}
