package mongostore

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// FuzzFilterTranslation decodes arbitrary JSON into each entity's filter (with
// encoding/json, which is looser than gqlgen: any string passes as an enum value), and
// when it validates, translates it to a query document. It never panics; translation fails
// only with a coded error (an id that does not read) or on the relation lookups, which
// need the store (here there is none: its context is canceled); and a document it makes
// marshals to BSON and holds only keys written in code: known paths and the operators the
// store subset allows, with user input only in operator values.
func FuzzFilterTranslation(f *testing.F) {
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	s := New(client.Database("fuzz"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // relation lookups fail at once rather than wait for a store

	lists := []func(raw []byte) (bson.D, bool, error){
		translate(func(f *funding.ProjectFilter) (bson.D, error) { return projects.where(ctx, s, f, "filter") }),
		translate(func(f *funding.AllocationFilter) (bson.D, error) { return allocations.where(ctx, s, f, "filter") }),
		translate(func(f *funding.DonorFilter) (bson.D, error) { return donors.where(ctx, s, f, "filter") }),
		translate(func(f *funding.AgreementFilter) (bson.D, error) { return agreements.where(ctx, s, f, "filter") }),
		translate(func(f *funding.TrustFundFilter) (bson.D, error) { return trustFunds.where(ctx, s, f, "filter") }),
		translate(func(f *funding.CountryFilter) (bson.D, error) { return countries.where(ctx, s, f, "filter") }),
	}
	for _, seed := range filterSeeds() {
		for i := range lists {
			f.Add(seed, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, raw string, list uint8) {
		doc, valid, err := lists[int(list)%len(lists)]([]byte(raw))
		if !valid {
			return // not a filter, or not a valid one
		}
		if err != nil {
			if funding.ErrorCode(err) != funding.EINVALID && !errors.Is(err, context.Canceled) {
				t.Fatalf("filter %s: translation error %v; want a coded error or the store's", raw, err)
			}
			return
		}
		if _, err := bson.Marshal(doc); err != nil {
			t.Fatalf("filter %s: query %v does not marshal: %v", raw, doc, err)
		}
		if err := checkQuery(doc, ""); err != nil {
			t.Fatalf("filter %s: query %v: %v", raw, doc, err)
		}
	})
}

// translate decodes raw JSON into a filter F and, if it validates (valid), translates it.
func translate[F any, PF interface {
	*F
	Validate(string) error
}](tr func(PF) (bson.D, error)) func([]byte) (bson.D, bool, error) {
	return func(raw []byte) (bson.D, bool, error) {
		var f PF
		if json.Unmarshal(raw, &f) != nil || f.Validate("filter") != nil {
			return nil, false, nil
		}
		d, err := tr(f)
		return d, true, err
	}
}

// The keys a query document may hold.
var (
	queryPaths = map[string]bool{
		"_id": true, "agreementIds": true, "amount.currency": true, "amount.milli": true, "approvedOn": true, "code": true,
		"cooperatingSince": true, "counterpart": true, "countries.code": true, "currency": true, "donorId": true,
		"endsOn": true, "homeCountry": true, "implementingAgency": true, "partnerCountries": true, "projectId": true,
		"region": true, "signedOn": true, "startsOn": true, "status": true, "subRegion": true, "themes": true,
		"trustFundId": true, "type": true, "year": true, "titleNorm": true, "nameNorm": true, "shortNameNorm": true,
	}
	textPaths = map[string]bool{"titleNorm": true, "nameNorm": true, "shortNameNorm": true}
)

// checkQuery checks a query document: at the top (field == "") logical operators and
// known paths; under a path, comparison operators whose values are plain values.
func checkQuery(d bson.D, field string) error {
	for _, e := range d {
		switch {
		case field == "" && (e.Key == "$and" || e.Key == "$or" || e.Key == "$nor"):
			parts, ok := e.Value.(bson.A)
			if !ok || len(parts) == 0 {
				return errors.New(e.Key + " needs a non-empty list")
			}
			for _, p := range parts {
				pd, ok := p.(bson.D)
				if !ok {
					return errors.New(e.Key + " holds a non-document")
				}
				if err := checkQuery(pd, ""); err != nil {
					return err
				}
			}
		case field == "" && queryPaths[e.Key]:
			switch v := e.Value.(type) {
			case string:
			case bson.D:
				if err := checkQuery(v, e.Key); err != nil {
					return err
				}
			default:
				return errors.New("path " + e.Key + " holds an unexpected value")
			}
		case field == "":
			return errors.New("unexpected key " + e.Key)
		default:
			if err := checkOperator(field, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOperator checks one comparison of field: an allowed operator with a plain value.
func checkOperator(field string, e bson.E) error {
	plain := func(v any) bool {
		switch v.(type) {
		case string, int64, time.Time:
			return true
		}
		return false
	}
	switch e.Key {
	case "$eq", "$gt", "$gte", "$lt", "$lte":
		if !plain(e.Value) {
			return errors.New(e.Key + " of " + field + " is not a plain value")
		}
	case "$in":
		switch e.Value.(type) {
		case []string, []int64, []time.Time:
		default:
			return errors.New("$in of " + field + " is not a list of plain values")
		}
	case "$exists":
		if _, ok := e.Value.(bool); !ok {
			return errors.New("$exists of " + field + " is not a bool")
		}
	case "$regex":
		re, ok := e.Value.(string)
		if !ok || !textPaths[field] {
			return errors.New("$regex on " + field)
		}
		if _, err := regexp.Compile(re); err != nil || strings.TrimPrefix(re, "^") == "" {
			return errors.New("$regex " + re + " is not a quoted text")
		}
	default:
		return errors.New("operator " + e.Key + " on " + field)
	}
	return nil
}

// filterSeeds are filters worth trying on every entity (as graph's fuzz target's).
func filterSeeds() []string {
	deep := func(n int, op string) string {
		return strings.Repeat(`{"`+op+`":`, n) + "{}" + strings.Repeat("}", n)
	}
	return []string{
		``, `null`, `{}`, `[]`, `1e30`, `{"$where":"sleep(1000)"}`, `{"name":{"$where":"1"}}`,
		`{"title":{"contains":"$where"}}`, `{"name":{"contains":".*"}}`, `{"title":{"startsWith":"(?i)^a|"}}`,
		`{"name":{"contains":"Moçambique 日本 \u0000"}}`, `{"shortName":{"contains":"x"}}`,
		`{"code":{"eq":{"$ne":null}}}`, `{"code":{"in":["MW"]}}`, `{"code":{"notIn":["MW","BE"]},"region":{"ne":"Africa"}}`,
		`{"id":{"eq":"RG9ub3I6ZmxhbmRlcnM"}}`, `{"id":{"in":["not an id"]}}`, `{"id":{"ne":"UHJvamVjdDpwLTE"}}`,
		`{"donorId":{"notIn":["RG9ub3I6ZmxhbmRlcnM"]}}`, `{"countryCode":{"eq":"MW"}}`,
		`{"amount":{"gte":"1e30"}}`, `{"amount":{"eq":"9223372036854775.807"}}`, `{"amount":{"in":["1.5","-0.001"]}}`,
		`{"year":{"eq":99999999999999999999}}`, `{"year":{"gte":2016,"lt":2020}}`, `{"cooperatingSince":{"in":[1991]}}`,
		`{"startsOn":{"eq":"2020-01-01"}}`, `{"startsOn":{"isNull":true}}`, `{"endsOn":{"isNull":false,"lte":"2030-12-31"}}`,
		`{"status":{"eq":"$where"}}`, `{"type":{"in":["BILATERAL"]}}`, `{"theme":{"eq":"x"},"implementingAgency":{"in":["ILO"]}}`,
		`{"and":[{}],"or":[{}],"not":{}}`, `{"or":[{"code":{"eq":"MW"}},{"not":{"code":{"eq":"BE"}}}]}`,
		deep(50, "not"), strings.Repeat(`{"and":[`, 30) + "{}" + strings.Repeat("]}", 30),
	}
}
