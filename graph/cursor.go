package graph

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// A cursor is base64url(mac ‖ JSON{l, o, k, id}) (unpadded, canonical):
//
//   - l: the list it came from, "Type.field" of the GraphQL field, then "@" and the parent
//     object's local id for a nested list ("Query.projects", "Donor.trustFunds@flanders");
//   - o: the order signature ("STARTS_ON:DESC,CODE:ASC"; "" for the default order);
//   - k, id: the item's sort values and id, its keyset position.
//
// mac is the first macLen bytes of HMAC-SHA256 of the JSON under the server's cursor key.
// A client can neither make nor edit a cursor, and a cursor given to another list, another
// parent or another order is refused with BAD_USER_INPUT instead of silently starting
// somewhere else.

// macLen is how many bytes of the HMAC a cursor keeps (128 bits).
const macLen = 16

// processCursorKey is the cursor key of a server that was given none: 32 random bytes,
// made once per process. Its cursors do not survive a restart and are refused by other
// instances behind the same load balancer; set Resolver.CursorKey to share one key.
var processCursorKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails: crypto/rand.Read crashes the program instead
	return k
})

// cursors makes and reads the cursors of one list.
type cursors struct {
	key  []byte // the HMAC key
	list string // the list's identity, see listName
}

// cursors returns the cursors of the list field being resolved in ctx. parent is the local
// id of the object the list belongs to ("" for a top-level list).
func (r *Resolver) cursors(ctx context.Context, parent string) cursors {
	key := r.CursorKey
	if len(key) == 0 {
		key = processCursorKey()
	}
	return cursors{key: key, list: listName(ctx, parent)}
}

// listName is the identity of the list field being resolved in ctx: its type and field in
// the schema (whatever alias the query gives it), and the parent's id for a nested list.
func listName(ctx context.Context, parent string) string {
	var name string
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		name = fc.Object + "." + fc.Field.Name
	}
	if parent != "" {
		name += "@" + parent
	}
	return name
}

// cursorData is what a cursor encodes.
type cursorData struct {
	List   string `json:"l"`
	Order  string `json:"o"`
	Values []any  `json:"k"`
	ID     string `json:"id"`
}

var cursorEncoding = base64.RawURLEncoding.Strict()

func (c cursors) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}

// encode returns the cursor of position k in the list's order.
func (c cursors) encode(order string, k funding.Keyset) string {
	b, _ := json.Marshal(cursorData{List: c.list, Order: order, Values: k.Values, ID: k.ID})
	return cursorEncoding.EncodeToString(append(c.mac(b), b...))
}

// decode reads the cursor s given as argument field (nil: no cursor). It must have been
// made by encode for this list and order, with nkeys sort values; anything else is an
// EINVALID error on field.
func (c cursors) decode(field string, s *string, order string, nkeys int) (*funding.Keyset, error) {
	if s == nil {
		return nil, nil
	}
	bad := funding.Invalid(field, "%s is not a cursor this server made (or the server's cursor key changed); start again without %s", field, field)
	raw, err := cursorEncoding.DecodeString(*s)
	if err != nil || len(raw) <= macLen || !hmac.Equal(raw[:macLen], c.mac(raw[macLen:])) {
		return nil, bad
	}
	var d cursorData
	dec := json.NewDecoder(bytes.NewReader(raw[macLen:]))
	dec.UseNumber()
	if dec.Decode(&d) != nil || d.ID == "" {
		return nil, bad
	}
	if d.List != c.list {
		return nil, funding.Invalid(field, "the cursor belongs to another list (another field or parent object); start again without %s", field)
	}
	if d.Order != order || len(d.Values) != nkeys {
		return nil, funding.Invalid(field, "the cursor belongs to a different orderBy; start again without %s", field)
	}
	for i, v := range d.Values {
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return nil, bad
			}
			d.Values[i] = n
		case string:
		default:
			return nil, bad
		}
	}
	return &funding.Keyset{Values: d.Values, ID: d.ID}, nil
}
