package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestLabelsBounded shows that clients cannot make series without end: operation names
// must be short GraphQL names, at most maxOperations get a series, those used most, and
// codes must be plain codes.
func TestLabelsBounded(t *testing.T) {
	m := New()
	for _, tc := range []struct{ name, want string }{
		{"Q", "Q"}, {"_q1", "_q1"}, {Anonymous, Anonymous}, {Unknown, Unknown},
		{"1q", Other}, {"q-1", Other}, {"", Other}, {"Ünïcode", Other},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)}, {strings.Repeat("a", 65), Other},
	} {
		if got := m.operation(tc.name, true); got != tc.want {
			t.Errorf("operation(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := m.operation("NeverRan", false); got != Other {
		t.Errorf("an operation that did not run: %q, want %q", got, Other)
	}
	for range 10 {
		m.operation("Steady", true)
	}
	for i := range 5 * maxTracked {
		m.operation(fmt.Sprintf("Once%d", i), true)
	}
	if got := m.operation("OneTooMany", true); got != Other {
		t.Errorf("past %d names: %q, want %q", maxOperations, got, Other)
	}
	if got := m.operation("Steady", true); got != "Steady" {
		t.Errorf("a name used ten times, after %d names used once: %q", 5*maxTracked, got)
	}
	if got := m.operation("Steady", false); got != "Steady" {
		t.Errorf("a name with a series, refused: %q", got)
	}
	if got := m.operation(Anonymous, true); got != Anonymous {
		t.Errorf("anonymous past the cap: %q", got)
	}
	// A name used more than the least used with a series takes its place.
	var got string
	for range 10 {
		got = m.operation("Newcomer", true)
	}
	if got != "Newcomer" || len(m.labeled) != maxOperations || len(m.tracked) > maxTracked {
		t.Errorf("a new name used ten times: %q; %d names with series, %d tracked", got, len(m.labeled), len(m.tracked))
	}

	m.AllowOperations([]string{"Listed"})
	if got := m.operation("Listed", false); got != "Listed" {
		t.Errorf("a listed name: %q", got)
	}
	if got := m.operation("Steady", true); got != Other {
		t.Errorf("a name not listed: %q, want %q", got, Other)
	}
	for c, want := range map[string]string{"BAD_USER_INPUT": "BAD_USER_INPUT", "": Other, "bad": Other, "A B": Other, strings.Repeat("A", 65): Other} {
		if got := code(c); got != want {
			t.Errorf("code(%q) = %q, want %q", c, got, want)
		}
	}
}

func TestRecord(t *testing.T) {
	m := New()
	m.GraphQL("Q", OK, time.Millisecond, nil)
	m.GraphQL("Q", Error, time.Millisecond, []string{"NOT_FOUND", "NOT_FOUND"})
	m.Shed(RateLimited)
	done := m.Start()
	if got := testutil.ToFloat64(m.inFlight); got != 1 {
		t.Errorf("in flight %v, want 1", got)
	}
	done()
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight %v, want 0", got)
	}
	if got := testutil.ToFloat64(m.gqlErrors.WithLabelValues("NOT_FOUND")); got != 2 {
		t.Errorf("NOT_FOUND errors %v, want 2", got)
	}
	if got := testutil.CollectAndCount(m.graphql); got != 2 {
		t.Errorf("%d GraphQL series, want 2", got)
	}
	if got := testutil.ToFloat64(m.shed.WithLabelValues(Overloaded)); got != 0 {
		t.Errorf("overloaded %v, want 0 (the series exists before the first)", got)
	}
}
