package graph

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
)

var testCursors = cursors{key: []byte("test cursor key, 32 bytes long.."), list: "Query.projects"}

// TestCursorRoundTrip: listArgs reads back the cursors of its list and order, and refuses
// those of another order, list, parent or key, and edited ones.
func TestCursorRoundTrip(t *testing.T) {
	order := []*funding.ProjectOrder{{Field: "STARTS_ON", Direction: funding.DESC}}
	c := testCursors.encode("STARTS_ON:DESC", funding.Keyset{Values: []any{"2018-05-01"}, ID: "p-1"})
	first := 10
	l, err := listArgs(testCursors, (*funding.ProjectFilter)(nil), order, &first, &c, nil, nil)
	if err != nil || l.page.After == nil || l.page.After.ID != "p-1" || l.page.After.Values[0] != "2018-05-01" || l.page.Limit != 10 {
		t.Fatalf("listArgs = %+v, %v", l, err)
	}
	refused := func(name string, cur cursors, order []*funding.ProjectOrder, c string, want string) {
		t.Helper()
		_, err := listArgs(cur, (*funding.ProjectFilter)(nil), order, &first, nil, nil, &c)
		e, ok := err.(*funding.Error)
		if !ok || e.Code != funding.EINVALID || e.Field != "before" || !strings.Contains(e.Message, want) {
			t.Errorf("%s: error = %v; want INVALID on before saying %q", name, err, want)
		}
	}
	refused("other order", testCursors, nil, c, "different orderBy")
	refused("other list", cursors{key: testCursors.key, list: "Query.donors"}, order, c, "another list")
	refused("other parent", cursors{key: testCursors.key, list: "Query.projects@x"}, order, c, "another list")
	refused("other key", cursors{key: []byte("another key"), list: testCursors.list}, order, c, "not a cursor this server made")
	raw, _ := base64.RawURLEncoding.DecodeString(c)
	for i := range raw {
		edited := append([]byte(nil), raw...)
		edited[i] ^= 1
		refused("edited", testCursors, order, base64.RawURLEncoding.EncodeToString(edited), "not a cursor this server made")
	}
	// Flipping an unused low bit of the last character gives the same bytes to a lax
	// decoder; only the canonical spelling is accepted.
	if len(raw)%3 != 0 {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, c[len(c)-1])
		refused("non-canonical", testCursors, order, c[:len(c)-1]+alphabet[last^1:last^1+1], "not a cursor this server made")
	}
}

// TestCursorKey: an empty Resolver.CursorKey means one random key for the process.
func TestCursorKey(t *testing.T) {
	var r Resolver
	a, b := r.cursors(t.Context(), ""), r.cursors(t.Context(), "")
	if len(a.key) != 32 || string(a.key) != string(b.key) {
		t.Errorf("process key = %x, then %x", a.key, b.key)
	}
	r.CursorKey = []byte("configured")
	if got := r.cursors(t.Context(), "x"); string(got.key) != "configured" || got.list != "@x" {
		t.Errorf("cursors = %+v", got)
	}
}
