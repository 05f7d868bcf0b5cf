package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestLabelsBounded shows that clients cannot make series without end: operation names
// must be short GraphQL names, only the first maxOperations get a series, and codes must
// be plain codes.
func TestLabelsBounded(t *testing.T) {
	m := New()
	for _, tc := range []struct{ name, want string }{
		{"Q", "Q"}, {"_q1", "_q1"}, {Anonymous, Anonymous}, {Unknown, Unknown},
		{"1q", Other}, {"q-1", Other}, {"", Other}, {"Ünïcode", Other},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)}, {strings.Repeat("a", 65), Other},
	} {
		if got := m.operation(tc.name); got != tc.want {
			t.Errorf("operation(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	for i := range maxOperations {
		m.operation(fmt.Sprintf("Op%d", i))
	}
	if got := m.operation("OneTooMany"); got != Other {
		t.Errorf("past %d names: %q, want %q", maxOperations, got, Other)
	}
	if got := m.operation("Q"); got != "Q" {
		t.Errorf("a name seen before: %q", got)
	}
	if got := m.operation(Anonymous); got != Anonymous {
		t.Errorf("anonymous past the cap: %q", got)
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
