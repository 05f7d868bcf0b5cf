package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Fuzz targets of what clients send: scalars, cursors and filters. Their seeds run in plain
// `go test`; `go test -fuzz=FuzzX ./graph` explores further.

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

// FuzzIDScalar: an ID (gqlgen's ID scalar, then the global id format) never panics, is
// refused with an EINVALID error on its field, and what is accepted is rebuilt as an id
// that reads the same.
func FuzzIDScalar(f *testing.F) {
	for _, s := range scalarSeeds {
		f.Add(s)
	}
	f.Add(`"` + funding.GlobalID(funding.TypeProject, "p-global-skills") + `"`)
	f.Add(`"` + funding.GlobalID(funding.TypeDonor, "a:b:$where") + `"`)
	f.Fuzz(func(t *testing.T, s string) {
		gid, err := graphql.UnmarshalID(scalarInput(s))
		if err != nil {
			return // gqlgen's own refusal
		}
		typ, id, err := funding.ParseGlobalID("id", gid)
		if err != nil {
			var e *funding.Error
			if !errors.As(err, &e) || e.Code != funding.EINVALID || e.Field != "id" {
				t.Fatalf("ParseGlobalID(%q) error = %#v; want EINVALID on id", gid, err)
			}
			return
		}
		out := marshalled(t, graphql.MarshalID(funding.GlobalID(typ, id))).(string)
		typ2, id2, err := funding.ParseGlobalID("id", out)
		if err != nil || typ2 != typ || id2 != id {
			t.Fatalf("id %q = %s %q; written as %q and read back: %s %q, %v", gid, typ, id, out, typ2, id2, err)
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

// filterStore is a Store that answers every list with nothing and records whether the
// filter it was given is valid; any other read panics (the nil Store), which the fuzz
// target reports.
type filterStore struct {
	Store
	reached  bool
	filterOK error
}

func record[F interface{ Validate(string) error }](s *filterStore, f F) {
	s.reached, s.filterOK = true, f.Validate("filter")
}

func (s *filterStore) FindCountries(_ context.Context, q funding.CountryQuery) ([]*funding.Country, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountCountries(context.Context, *funding.CountryFilter) (int, error) {
	return 0, nil
}
func (s *filterStore) FindDonors(_ context.Context, q funding.DonorQuery) ([]*funding.Donor, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountDonors(context.Context, *funding.DonorFilter) (int, error) { return 0, nil }
func (s *filterStore) FindAgreements(_ context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountAgreements(context.Context, *funding.AgreementFilter) (int, error) {
	return 0, nil
}
func (s *filterStore) FindTrustFunds(_ context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountTrustFunds(context.Context, *funding.TrustFundFilter) (int, error) {
	return 0, nil
}
func (s *filterStore) FindAllocations(_ context.Context, q funding.AllocationQuery) ([]*funding.Allocation, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountAllocations(context.Context, *funding.AllocationFilter) (int, error) {
	return 0, nil
}
func (s *filterStore) FindProjects(_ context.Context, q funding.ProjectQuery) ([]*funding.Project, error) {
	record(s, q.Filter)
	return nil, nil
}
func (s *filterStore) CountProjects(context.Context, *funding.ProjectFilter) (int, error) {
	return 0, nil
}

// filterSeeds are filters worth trying on every list.
func filterSeeds() []string {
	deep := func(n int, op string) string {
		return strings.Repeat(`{"`+op+`":`, n) + "{}" + strings.Repeat("}", n)
	}
	return []string{
		``, `null`, `{}`, `[]`, `"x"`, `1e30`,
		`{"$where":"sleep(1000)"}`, `{"name":{"$where":"1"}}`, `{"title":{"contains":"$where"}}`, `{"name":{"contains":".*"}}`,
		`{"title":{"startsWith":"(?i)^a|"}}`, `{"name":{"contains":" "}}`, `{"name":{"contains":"Moçambique 日本 \u0000"}}`,
		`{"code":{"eq":{"$ne":null}}}`, `{"code":{"in":[]}}`, `{"code":{"in":["MW",null]}}`, `{"id":{"eq":"RG9ub3I6ZmxhbmRlcnM"}}`,
		`{"id":{"in":["not an id"]}}`, `{"donorId":{"notIn":["RG9ub3I6ZmxhbmRlcnM"]}}`,
		`{"amount":{"gte":"1e30"}}`, `{"amount":{"eq":"99999999999999999999.999"}}`, `{"amount":{"gt":"2","lt":"1"}}`,
		`{"amount":{"in":["1.5",1.5]}}`, `{"year":{"eq":99999999999999999999}}`, `{"year":{"gte":1e30}}`, `{"year":{"eq":1.5}}`,
		`{"year":{"gt":2020,"lt":2021}}`, `{"cooperatingSince":{"gte":-9223372036854775808}}`,
		`{"startsOn":{"eq":"0001-01-01"}}`, `{"startsOn":{"isNull":true,"eq":"2020-01-01"}}`,
		`{"startsOn":{"gt":"2020-01-01","lt":"2019-01-01"}}`, `{"endsOn":{"in":["2020-02-30"]}}`,
		`{"status":{"eq":"ACTIVE"}}`, `{"status":{"eq":"$where"}}`, `{"type":{"in":["BILATERAL","nope"]}}`,
		`{"and":[]}`, `{"or":[]}`, `{"and":[{}],"or":[{}],"not":{}}`, `{"or":[{"code":{"eq":"MW"}},{"region":{"eq":"Africa"}}]}`,
		`{"region":{"in":["Africa"]},"countryCode":{"ne":"MW"}}`,
		deep(50, "not"), deep(500, "not"), strings.Repeat(`{"and":[`, 50) + "{}" + strings.Repeat("]}", 50),
	}
}

// FuzzFilterVariables sends a filter as a GraphQL variable through the generated
// executor, the way a client does: it never panics, and either the request fails with a
// coded error (gqlgen's validation of the variable, or BAD_USER_INPUT) or the store gets a
// filter that validates.
func FuzzFilterVariables(f *testing.F) {
	lists := []struct{ field, input string }{
		{"projects", "ProjectFilter"}, {"allocations", "AllocationFilter"}, {"donors", "DonorFilter"},
		{"agreements", "AgreementFilter"}, {"trustFunds", "TrustFundFilter"}, {"countries", "CountryFilter"},
	}
	for _, s := range filterSeeds() {
		for i := range lists {
			f.Add(s, uint8(i))
		}
	}
	store := &filterStore{}
	var panicked any
	h := handler.New(NewSchema(&Resolver{Store: store}))
	h.AddTransport(transport.POST{})
	h.SetErrorPresenter(ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h.SetRecoverFunc(func(ctx context.Context, p any) error {
		panicked = p
		return errors.New("panic")
	})
	f.Fuzz(func(t *testing.T, filter string, list uint8) {
		l := lists[int(list)%len(lists)]
		var v any = json.RawMessage(filter)
		if !json.Valid([]byte(filter)) {
			v = filter
		}
		body, err := json.Marshal(map[string]any{
			"query":     fmt.Sprintf(`query($f: %s) { %s(filter: $f, first: 1) { totalCount nodes { id } } }`, l.input, l.field),
			"variables": map[string]any{"f": v},
		})
		if err != nil {
			t.Skip("not a JSON value") // json.Valid and json.Marshal disagree on a few inputs
		}
		*store, panicked = filterStore{}, nil
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if panicked != nil {
			t.Fatalf("%s(filter: %s) panicked: %v", l.field, filter, panicked)
		}
		var r struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("%s(filter: %s): response is not JSON: %s", l.field, filter, rec.Body.String())
		}
		for _, e := range r.Errors {
			switch e.Extensions["code"] {
			case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED":
			default:
				t.Fatalf("%s(filter: %s): error %+v; want a validation error or BAD_USER_INPUT", l.field, filter, e)
			}
		}
		if len(r.Errors) == 0 && (!store.reached || store.filterOK != nil) {
			t.Fatalf("%s(filter: %s) succeeded, but the store was reached %v with a filter that validates as %v", l.field, filter, store.reached, store.filterOK)
		}
		if len(r.Errors) > 0 && store.reached && store.filterOK == nil {
			t.Fatalf("%s(filter: %s): errors %+v although the store was given a valid filter", l.field, filter, r.Errors)
		}
	})
}
