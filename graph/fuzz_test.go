package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Fuzz targets of what clients send: scalars and cursors (filters are fuzzed through the
// whole server in internal/server). Their seeds run in plain `go test`;
// `go test -fuzz=FuzzX ./graph` explores further.

// scalarInput is what a fuzzed input stands for as a GraphQL variable: the JSON value it
// spells (numbers kept as json.Number, as gqlgen decodes them), or else the string itself.
func scalarInput(s string) any {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if dec.Decode(&v) == nil && !dec.More() {
		return v
	}
	return s
}

// marshalled is what m writes, decoded from JSON.
func marshalled(t *testing.T, m graphql.Marshaler) any {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	var v any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("marshalled %q is not JSON: %v", b.String(), err)
	}
	return v
}

var scalarSeeds = []string{"", `""`, "null", "0", "-1", "1e30", "1E-3", "1.5", `"1e30"`, "99999999999999999999999",
	`"-0.00"`, `"12.345"`, `"900000.00"`, `"2016-03-07"`, `"0001-01-01"`, `"9999-12-31"`, `"2016-02-30"`, "true", "[]", "{}",
	`{"$where":"1"}`, `"$where"`, `"日本 Moçambique"`, `"\u0000"`, `"RG9ub3I6ZmxhbmRlcnM"`, `"RG9ub3I6ZmxhbmRlcnM="`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100)}

// FuzzDateScalar: the Date scalar never panics, refuses with an EINVALID error, and what it
// accepts is written back as a string that reads as the same date.
func FuzzDateScalar(f *testing.F) {
	for _, s := range scalarSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := UnmarshalDate(scalarInput(s))
		if err != nil {
			if funding.ErrorCode(err) != funding.EINVALID {
				t.Fatalf("UnmarshalDate(%s) error = %v; want EINVALID", s, err)
			}
			return
		}
		back, err := UnmarshalDate(marshalled(t, MarshalDate(d)))
		if err != nil || back != d {
			t.Fatalf("UnmarshalDate(%s) = %v; written and read back: %v, %v", s, d, back, err)
		}
	})
}

// FuzzDecimalScalar: a Decimal (gqlgen's String scalar, read by the filters with three
// decimals and by money inputs with the currency's) never panics, is refused with an
// EINVALID error, and what is accepted is written back as the same amount.
func FuzzDecimalScalar(f *testing.F) {
	for _, s := range scalarSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		amount, err := graphql.UnmarshalString(scalarInput(s))
		if err != nil {
			return // gqlgen's own refusal, a validation error on the variable
		}
		filter := funding.AllocationFilter{Amount: &funding.DecimalFilter{Eq: &amount}}
		if err := filter.Validate("filter"); err != nil {
			if funding.ErrorCode(err) != funding.EINVALID {
				t.Fatalf("amount filter %q: error %v; want EINVALID", amount, err)
			}
		} else {
			n, err := funding.ParseUnits(amount, 3)
			if err != nil {
				t.Fatalf("amount filter %q validated, but does not parse: %v", amount, err)
			}
			back, err := funding.ParseUnits(marshalled(t, graphql.MarshalString(funding.FormatUnits(n, 3))).(string), 3)
			if err != nil || back != n {
				t.Fatalf("amount %q = %d; written and read back: %d, %v", amount, n, back, err)
			}
		}
		for _, cur := range []string{"EUR", "JPY", "KWD", "XXX?"} {
			m, err := funding.ParseMoney(amount, cur)
			if err != nil {
				var e *funding.Error
				if !errors.As(err, &e) || e.Code != funding.EINVALID {
					t.Fatalf("ParseMoney(%q, %s) error = %#v; want an EINVALID *funding.Error", amount, cur, err)
				}
				continue
			}
			back, err := funding.ParseMoney(marshalled(t, graphql.MarshalString(m.Decimal())).(string), cur)
			if err != nil || back != m {
				t.Fatalf("ParseMoney(%q, %s) = %v; written and read back: %v, %v", amount, cur, m, back, err)
			}
		}
	})
}

// FuzzIDScalar: reading an ID (UnmarshalID, as gqlgen calls it) never panics, refuses
// with an EINVALID error whose field the presenter fills in, and what it accepts is
// written as an id that reads the same.
func FuzzIDScalar(f *testing.F) {
	for _, s := range scalarSeeds {
		f.Add(s)
	}
	for _, id := range []funding.ID{{Kind: funding.TypeProject, Local: "p-global-skills"}, {Kind: funding.TypeDonor, Local: "a:b:$where"},
		{Kind: "Spaceship", Local: "1"}, {Kind: funding.TypeDonor}, {Kind: funding.TypeDonor, Local: "日本"}} {
		f.Add(`"` + GlobalID(id) + `"`)
	}
	f.Add(`"RG9ub3I6ZmxhbmRlcnM="`)
	f.Add(`"Donor:flanders"`)
	f.Fuzz(func(t *testing.T, s string) {
		id, err := UnmarshalID(scalarInput(s))
		if err != nil {
			var e *funding.Error
			if !errors.As(err, &e) || e.Code != funding.EINVALID || e.Field != "" {
				t.Fatalf("UnmarshalID(%s) error = %#v; want EINVALID without a field", s, err)
			}
			return
		}
		if !id.Kind.Valid() || id.Local == "" {
			t.Fatalf("UnmarshalID(%s) = %+v; want a known kind and a local id", s, id)
		}
		back, err := UnmarshalID(marshalled(t, MarshalID(id)))
		if err != nil || back != id {
			t.Fatalf("id %s = %+v; written and read back: %+v, %v", s, id, back, err)
		}
	})
}

// FuzzCursor: decoding never panics, accepts only what encode made for this list and
// order (so an arbitrary or edited string is refused), and encode then decode returns the
// position.
func FuzzCursor(f *testing.F) {
	f.Add("", "p-1")
	f.Add("bm90IGEgY3Vyc29y", "")
	f.Add(testCursors.encode("STARTS_ON:DESC", funding.Keyset{Values: []any{"2018-05-01"}, ID: "p-1"}), "p-1")
	f.Add(testCursors.encode("", funding.Keyset{ID: "x"}), "日本")
	f.Add(testCursors.encode("AMOUNT:ASC", funding.Keyset{Values: []any{int64(-1 << 63)}, ID: "a"}), "$where")
	f.Add(strings.Repeat("A", 200), strings.Repeat("é", 50))
	orders := []struct {
		sig   string
		nkeys int
	}{{"", 0}, {"STARTS_ON:DESC", 1}, {"AMOUNT:ASC", 1}}
	f.Fuzz(func(t *testing.T, s, id string) {
		for _, o := range orders {
			k, err := testCursors.decode("after", &s, o.sig, o.nkeys)
			if err != nil {
				if funding.ErrorCode(err) != funding.EINVALID {
					t.Fatalf("decode(%q) error = %v; want EINVALID", s, err)
				}
				continue
			}
			if again := testCursors.encode(o.sig, *k); again != s {
				t.Fatalf("decode accepted %q, which encode writes as %q", s, again)
			}
		}
		if id == "" || !utf8.ValidString(id) { // ids and sort values are UTF-8 text
			return
		}
		want := funding.Keyset{Values: []any{id, int64(len(id)) - 1<<40}, ID: id}
		c := testCursors.encode("NAME:ASC,AMOUNT:DESC", want)
		k, err := testCursors.decode("before", &c, "NAME:ASC,AMOUNT:DESC", 2)
		if err != nil || k.ID != want.ID || k.Values[0] != want.Values[0] || k.Values[1] != want.Values[1] {
			t.Fatalf("encode(%v) = %q, decoded as %v, %v", want, c, k, err)
		}
	})
}
