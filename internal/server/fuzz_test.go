package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

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

// FuzzFilterVariables sends a filter as a GraphQL variable through the whole server, on
// the embedded store with the demo data, the way a client does: it never fails inside,
// and either the request is refused with a code that names the client's mistake or the
// list comes back.
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
	a := newAPI(f, seed.Flanders())
	f.Fuzz(func(t *testing.T, filter string, list uint8) {
		l := lists[int(list)%len(lists)]
		var v any = json.RawMessage(filter)
		if !json.Valid([]byte(filter)) {
			v = filter
		}
		if _, err := json.Marshal(v); err != nil {
			t.Skip("not a JSON value") // json.Valid and json.Marshal disagree on a few inputs
		}
		code, r := a.post(t, fmt.Sprintf(`query($f: %s) { %s(filter: $f, first: 1) { totalCount nodes { id } } }`, l.input, l.field),
			map[string]any{"f": v})
		for _, e := range r.Errors {
			switch e.Extensions["code"] {
			case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "INPUT_LIMIT_EXCEEDED", "COMPLEXITY_LIMIT_EXCEEDED":
			default:
				t.Fatalf("%s(filter: %s): error %+v; want a validation error, BAD_USER_INPUT, INPUT_LIMIT_EXCEEDED or COMPLEXITY_LIMIT_EXCEEDED (relation operators read whole collections)", l.field, filter, e)
			}
		}
		if code != http.StatusOK {
			t.Fatalf("%s(filter: %s): status %d", l.field, filter, code)
		}
		if len(r.Errors) == 0 && !strings.Contains(string(r.Data), `"totalCount"`) {
			t.Fatalf("%s(filter: %s): no errors and no list: %s", l.field, filter, r.Data)
		}
	})
}

// FuzzIntArguments sends numbers as the Int arguments that size a request's work (years,
// series spans, page sizes) through the whole server: every one is answered, or refused
// with BAD_USER_INPUT naming the argument (or, for a page size, by the cost before it
// runs), and never runs a loop of its size
// (balance(year: 2147483647) built a balance for every year up to it and killed the
// process).
func FuzzIntArguments(f *testing.F) {
	queries := []struct {
		query  string
		fields []string // the arguments an error may name
	}{
		{`query($n: Int) { trustFund(id: "VHJ1c3RGdW5kOmlsby1mbGFuZGVycy10Zg") { balance(year: $n) { year } } }`, []string{"year"}},
		{`query($n: Int) { exchangeRates(year: $n) { year } }`, []string{"year"}},
		{`query($n: Int!) { fundingSeries(from: 2000, to: $n) { points { from } } }`, []string{"to"}},
		{`query($n: Int!) { fundingSeries(from: $n, to: 2020) { points { from } } }`, []string{"from", "to"}}, // the span is to's
		{`query($n: Int) { donors(first: $n) { nodes { id } } }`, []string{"first"}},
		{`query($n: Int) { fundingReport { rows(first: $n) { nodes { allocationCount } } } }`, []string{"first"}},
	}
	for _, n := range []int64{0, -1, 1, 100, 101, 1899, 1900, 2100, 2101, 10_000, 10_001, 15_000_000, 2147483647, -2147483648, 1 << 40} {
		for i := range queries {
			f.Add(n, uint8(i))
		}
	}
	a := newAPI(f, seed.Flanders())
	f.Fuzz(func(t *testing.T, n int64, which uint8) {
		q := queries[int(which)%len(queries)]
		code, r := a.post(t, q.query, map[string]any{"n": n})
		if code != http.StatusOK {
			t.Fatalf("%s with %d: status %d", q.query, n, code)
		}
		for _, e := range r.Errors {
			field, _ := e.Extensions["field"].(string)
			named := slices.Contains(q.fields, field) || field == "$n"
			if !(e.Extensions["code"] == "BAD_USER_INPUT" && named) && e.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Fatalf("%s with %d: error %+v; want BAD_USER_INPUT on %v (or on $n, out of Int's range), or the cost refused", q.query, n, e, q.fields)
			}
		}
		if len(r.Errors) == 0 && len(r.Data) < 10 {
			t.Fatalf("%s with %d: no errors and no data: %s", q.query, n, r.Data)
		}
	})
}
