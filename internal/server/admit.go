package server

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/metrics"
)

// Admission runs a validated operation once its lane has a slot. Each lane (lanes) has a
// concurrency limit that adapts to the latency of the operations it runs (gradient), all
// lanes together run at most the ceiling (--max-in-flight), and an operation that finds no
// slot waits in its lane's queue, first come first served, until a slot frees, its
// context ends, or it has waited longer than the lane's queue target: then it is answered
// 503 OVERLOADED with the time the queue needs to drain in Retry-After. So under overload
// the operations that run finish near their no-load latency, and clients that retry at
// once wait in the queue instead of being refused thousands of times a second.

// Lanes: mutations have their own; queries go by the order of magnitude of the documents
// they may make the store read (graph.Cost.Reads), so that lookups keep flowing while
// heavy queries queue. Introspection reads nothing: it runs in the first lane.
var lanes = []string{"reads_1", "reads_10", "reads_100", "reads_1000", "reads_10000", "mutation"}

// laneOf is the index in lanes of an operation that may read reads documents.
func laneOf(op ast.Operation, reads int) int {
	if op == ast.Mutation {
		return len(lanes) - 1
	}
	i := 0
	for n := 10; n <= reads && i < len(lanes)-2; n *= 10 {
		i++
	}
	return i
}

// Parameters of the gradient limit (Netflix concurrency-limits' gradient2) and of the
// queue. They are ratios and counts of samples, not durations: each lane measures its
// own latency, on whatever machine and store.
const (
	// tolerance: a lane's recent latency may be this many times its no-load latency before
	// its limit falls.
	tolerance = 1.5
	// smoothing: the weight of each new limit (the limit moves a fifth of the way).
	smoothing = 0.2
	// recentWeight: the recent latency is an average over about the last 1/recentWeight
	// samples.
	recentWeight = 0.2
	// noLoadDown, noLoadUp: how fast the no-load latency follows a faster sample, and a
	// slower one of an operation that ran alone in its lane.
	noLoadDown, noLoadUp = 0.2, 0.01
	// targetFactor: an operation may wait this many times its lane's no-load latency in
	// the queue, between queueTargetFloor and a quarter of the request timeout (with 2, 64
	// retrying clients saw a p99 of 3.3-3.7 times that of 2 clients; docs/benchmarks.md).
	// The floor lets a burst on a cold lane wait for the limit to learn.
	targetFactor     = 1
	queueTargetFloor = 250 * time.Millisecond
	// queuePerSlot: each lane's queue holds at most this many operations per slot of the
	// ceiling (a bound on memory, not what sheds: the queue target does that).
	queuePerSlot = 4
)

// gradient is one lane's adaptive concurrency limit. It is fed the latency of each
// operation the lane ran; it is not safe for concurrent use (admission locks it).
type gradient struct {
	limit, min, max float64
	noLoad          float64 // estimate of the latency with nothing else running, in seconds (0: none yet)
	recent          float64 // average of the last samples, in seconds
}

// newGradient starts at a quarter of the ceiling, so that a burst on a lane that has not
// run yet is not refused (a limit starting at 1 grows too slowly for one); overload brings
// it down within a few samples. (A lane whose very first operations all run in a storm
// takes their latency for its no-load one until an operation runs alone.)
func newGradient(ceiling int) gradient {
	c := float64(max(ceiling, 1))
	return gradient{limit: max(1, math.Ceil(c/4)), min: 1, max: c}
}

// sample feeds the latency d of one operation, which started with busy others of its lane
// running. The no-load estimate follows faster samples quickly and slower ones slowly,
// and only those of an operation that ran alone in its lane, so sustained overload cannot
// raise it (a store that became slower is still learnt: at a limit of 1 every operation
// runs alone). While the lane runs at most half full the limit stays as it is (the
// latency says nothing about more). Otherwise, while the recent latency is within tolerance × no-load, the limit
// moves toward one more (probing for room); past it, toward limit × gradient, the gradient
// being tolerance × no-load / recent latency, at least 0.5: it shrinks in proportion
// to how far the latency has gone, until the latency is back near no-load. (Netflix's
// gradient2 adds √limit of room instead of one, which keeps a limit of at least 4: on a
// store that shares two cores with the API, 4 five-level queries at once took 12 times
// their no-load latency.)
func (g *gradient) sample(d time.Duration, busy int) {
	s := max(d.Seconds(), 1e-6)
	if g.noLoad == 0 {
		g.noLoad, g.recent = s, s
		return
	}
	g.recent += recentWeight * (s - g.recent)
	switch {
	case s < g.noLoad:
		g.noLoad += noLoadDown * (s - g.noLoad)
	case busy == 0: // it ran alone in its lane: a no-load sample, even if slower
		g.noLoad += noLoadUp * (s - g.noLoad)
	}
	if float64(busy+1) <= g.limit/2 {
		return // the lane ran at most half full: nothing to learn about its limit
	}
	next := g.limit + 1
	if grad := tolerance * g.noLoad / g.recent; grad < 1 {
		next = g.limit * max(0.5, grad)
	}
	g.limit = min(g.max, max(g.min, g.limit*(1-smoothing)+next*smoothing))
}

// slots is the limit as a number of operations.
func (g *gradient) slots() int { return int(g.limit) }

// admission is the gqlgen extension that admits operations (placed after the limiter,
// which computes their reads).
type admission struct {
	ceiling  int
	maxQueue int           // per lane
	maxWait  time.Duration // ceiling of the queue target

	mu      sync.Mutex
	running int // all lanes
	lanes   []*lane
	next    int // the lane dispatch looks at first, in turn
}

type lane struct {
	name    string
	g       gradient
	running int
	queue   []*waiter
	m       metrics.Lane
}

// waiter is an operation in a queue; admitted and busy are set under admission.mu.
type waiter struct {
	ready    chan struct{}
	admitted bool
	busy     int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = (*admission)(nil)

func newAdmission(l Load, m *metrics.Metrics) *admission {
	ceiling := l.MaxInFlight
	if ceiling <= 0 {
		ceiling = DefaultLoad.MaxInFlight
	}
	a := &admission{ceiling: ceiling, maxQueue: queuePerSlot * ceiling, maxWait: 10 * time.Second / 4}
	if l.RequestTimeout > 0 {
		a.maxWait = max(queueTargetFloor, l.RequestTimeout/4)
	}
	for _, name := range lanes {
		ln := &lane{name: name, g: newGradient(ceiling), m: m.Lane(name)}
		ln.m.Limit.Set(float64(ln.g.slots()))
		a.lanes = append(a.lanes, ln)
	}
	return a
}

func (*admission) ExtensionName() string                   { return "Admission" }
func (*admission) Validate(graphql.ExecutableSchema) error { return nil }

// laneKey marks, in an operation's stats, the lane of an operation that passed every
// check (so that InterceptResponse admits it; refused operations get responses too).
const laneKey = "lane"

func (a *admission) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	reads, _ := rc.Stats.GetExtension("reads").(int)
	rc.Stats.SetExtension(laneKey, laneOf(rc.Operation.Operation, reads))
	return nil
}

// InterceptResponse waits for a slot in the operation's lane, runs it, and feeds its
// latency to the lane's limit.
func (a *admission) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	i, ok := graphql.GetOperationContext(ctx).Stats.GetExtension(laneKey).(int)
	if !ok {
		return next(ctx)
	}
	l := a.lanes[i]
	busy, shed, retry := a.acquire(ctx, l)
	switch {
	case shed != "":
		x := exchangeFrom(ctx)
		x.shedAt(shed, retry)
		return &graphql.Response{Errors: gqlerror.List{codedError("OVERLOADED", "the server is busy with other requests; retry after the number of seconds in the Retry-After header")}}
	case busy < 0:
		return &graphql.Response{Errors: gqlerror.List{graph.ContextError(ctx.Err())}}
	}
	start := time.Now()
	defer func() {
		// A request canceled by its client says nothing of the latency; one that ran out
		// of time does.
		a.release(l, time.Since(start), busy, !errors.Is(ctx.Err(), context.Canceled))
	}()
	return next(ctx)
}

// acquire waits for a slot of l. It returns the number of l's operations running when
// it was admitted; or -1 if ctx ended first; or why it was shed and the Retry-After.
func (a *admission) acquire(ctx context.Context, l *lane) (busy int, shed string, retryAfter int) {
	start := time.Now()
	defer func() { l.m.QueueTime.Observe(time.Since(start).Seconds()) }()
	a.mu.Lock()
	if len(l.queue) == 0 && l.running < l.g.slots() && a.running < a.ceiling {
		busy = a.start(l)
		a.mu.Unlock()
		return busy, "", 0
	}
	if len(l.queue) >= a.maxQueue {
		retry := l.drain()
		a.mu.Unlock()
		return -1, metrics.QueueFull, retry
	}
	w := &waiter{ready: make(chan struct{})}
	l.queue = append(l.queue, w)
	l.m.Queued.Set(float64(len(l.queue)))
	target := a.target(l)
	a.mu.Unlock()

	timer := time.NewTimer(target)
	defer timer.Stop()
	select {
	case <-w.ready:
		return w.busy, "", 0
	case <-timer.C:
		shed = metrics.QueueTimeout
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if w.admitted { // admitted as it gave up: take the slot
		return w.busy, "", 0
	}
	l.queue = slices.DeleteFunc(l.queue, func(o *waiter) bool { return o == w })
	l.m.Queued.Set(float64(len(l.queue)))
	if shed == "" {
		return -1, "", 0
	}
	return -1, shed, l.drain()
}

// start counts an operation of l as running; a.mu is held.
func (a *admission) start(l *lane) (busy int) {
	busy = l.running
	l.running++
	a.running++
	l.m.Running.Set(float64(l.running))
	return busy
}

// release gives l's slot back, feeds the operation's latency d to l's limit if sample,
// and admits the operations that now have a slot.
func (a *admission) release(l *lane, d time.Duration, busy int, sample bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l.running--
	a.running--
	l.m.Running.Set(float64(l.running))
	if sample {
		l.g.sample(d, busy)
		l.m.Limit.Set(float64(l.g.slots()))
	}
	a.dispatch()
}

// dispatch admits the heads of the queues while their lanes and the ceiling have room,
// taking the lanes in turn; a.mu is held.
func (a *admission) dispatch() {
	for progress := true; progress && a.running < a.ceiling; {
		progress = false
		for k := range a.lanes {
			l := a.lanes[(a.next+k)%len(a.lanes)]
			if len(l.queue) == 0 || l.running >= l.g.slots() || a.running >= a.ceiling {
				continue
			}
			w := l.queue[0]
			l.queue = l.queue[1:]
			l.m.Queued.Set(float64(len(l.queue)))
			w.busy, w.admitted = a.start(l), true
			close(w.ready)
			progress = true
		}
		a.next = (a.next + 1) % len(a.lanes)
	}
}

// target is how long an operation may wait in l's queue: targetFactor times l's no-load
// latency, within [queueTargetFloor, a.maxWait]; a.maxWait until l has measured one.
func (a *admission) target(l *lane) time.Duration {
	if l.g.noLoad == 0 {
		return a.maxWait
	}
	t := time.Duration(targetFactor * l.g.noLoad * float64(time.Second))
	return min(a.maxWait, max(queueTargetFloor, t))
}

// drain is the Retry-After, in whole seconds (at least 1), of an operation shed from l:
// the time l's queue needs to drain at its limit and recent latency.
func (l *lane) drain() int {
	s := float64(len(l.queue)) * l.g.recent / float64(max(l.g.slots(), 1))
	return max(1, int(math.Ceil(s)))
}

// retryAfterHeader formats a Retry-After of n seconds.
func retryAfterHeader(n int) string { return strconv.Itoa(max(n, 1)) }
