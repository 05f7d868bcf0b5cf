package iati_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
)

// ref holds copies of IATI reference files (see testdata/README.md).
const ref = "testdata/"

func readAll(t *testing.T, r io.Reader) []*iati.Activity {
	t.Helper()
	ir := iati.NewReader(r)
	var out []*iati.Activity
	for {
		a, err := ir.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
}

func readFile(t *testing.T, path string) []*iati.Activity {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("reference data not here: %v", err)
	}
	defer f.Close()
	return readAll(t, f)
}

func TestReadExample(t *testing.T) {
	as := readFile(t, ref+"examples/activity-standard-example-annotated.xml")
	if len(as) != 1 {
		t.Fatalf("%d activities, want 1", len(as))
	}
	a := as[0]
	if !a.Valid() {
		t.Fatalf("problems: %v", a.Problems)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, want %+v", what, got, want)
		}
	}
	check("identifier", a.Identifier, "AA-AAA-123456789-ABC123")
	check("line", a.Line, 8)
	check("last updated", a.LastUpdated.Format("2006-01-02T15:04:05Z07:00"), "2014-09-10T07:15:37Z")
	check("title", a.Title, "Activity title")
	check("description", a.Description, "General activity description text. Long description of the activity with no particular structure.")
	check("status", a.Status, "2")
	check("planned start", a.PlannedStart.String(), "2012-04-15")
	check("actual start", a.ActualStart.String(), "2012-04-28")
	check("planned end", a.PlannedEnd.String(), "2015-12-31")
	check("actual end", a.ActualEnd.String(), "")
	check("reporting org", a.ReportingOrg, iati.Org{Ref: "AA-AAA-123456789", Name: "Organisation name", Type: "40"})
	check("orgs", len(a.Orgs), 3)
	check("funding org", a.Orgs[0], iati.Org{Ref: "BB-BBB-123456789", Name: "Name of Agency B", Role: "1", Type: "40"})
	check("countries", len(a.Countries), 2)
	check("country 1", a.Countries[0], iati.Share{Code: "AF", Name: "Afghanistan", Share: 2500})
	check("regions", len(a.Regions), 2)
	check("region 1", a.Regions[0], iati.Share{Vocabulary: "1", Code: "489", Name: "South America, regional", Share: 2500})
	check("region 2", a.Regions[1], iati.Share{Vocabulary: "99", Code: "A1", Share: 2500})
	check("sectors", len(a.Sectors), 3)
	check("sector 2", a.Sectors[1], iati.Share{Vocabulary: "2", Code: "112", Name: "Basic Education", Share: 5000})
	check("sector 3", a.Sectors[2], iati.Share{Vocabulary: "99", Code: "A1", Name: "A description of the sector", Share: 10000})
	check("transactions", len(a.Transactions), 1)
	check("transaction", a.Transactions[0], iati.Transaction{Position: 1, Line: 265, Type: "1", Date: funding.MustDate("2012-01-01"),
		Value:    funding.Money{Units: 100000, Currency: "EUR"},
		Provider: iati.Org{Ref: "BB-BBB-123456789", Name: "Agency B", Type: "10", ActivityID: "BB-BBB-123456789-1234AA"},
		Receiver: iati.Org{Ref: "AA-AAA-123456789", Name: "Agency A", Type: "23", ActivityID: "AA-AAA-123456789-1234"},
		FlowType: "10", FinanceType: "110", AidTypes: []funding.AidType{{Vocabulary: "1", Code: "A01"}, {Vocabulary: "2", Code: "1"}}})
	check("default flow type", a.DefaultFlowType, "10")
	check("default finance type", a.DefaultFinanceType, "110")
	check("default aid types", a.DefaultAidTypes, []funding.AidType{{Vocabulary: "1", Code: "A01"}, {Vocabulary: "2", Code: "1"}})
}

// A 1.0x activity: codes as words and letters, misspellings, no iati-identifier, a region
// given as a country, a withdrawn currency, percentages left out.
const legacy = `<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="1.03">
 <iati-activity last-updated-datetime="2011-06-01T10:00:00" default-currency="GBP">
  <other-identifier owner-ref="GB-1">GB-1-LEGACY-7</other-identifier>
  <reporting-org ref="GB-1" type="10">Department for International Development</reporting-org>
  <title>Legacy water project</title>
  <description>Wells.</description>
  <participating-org role="Funding" ref="GB-1" type="10">DFID</participating-org>
  <participating-org role="Implementing">Water Aid</participating-org>
  <activity-status code="2">Implementation</activity-status>
  <activity-date type="start-planned" iso-date="2010-01-01"/>
  <activity-date type="end-actual" iso-date="2011-12-31T00:00:00"/>
  <recipient-country code="ke"/>
  <recipient-country code="298"/>
  <sector vocabulary="DAC" code="14030"/>
  <sector vocabulary="DAC" code="14031"/>
  <sector vocabulary="DAC" code="14032"/>
  <transaction><transaction-type code="C">Commitment</transaction-type><value value-date="2010-02-01">1000.50</value><transaction-date iso-date="2010-02-01"/></transaction>
  <transaction><transaction-type code="disbursment"/><value value-date="2010-03-01" currency="EEK">20.000</value></transaction>
  <transaction><transaction-type code="E"/><value>+7</value><transaction-date iso-date="2011-01-01"/></transaction>
  <transaction><transaction-type code="IF">Incoming Funds</transaction-type><value>3</value><transaction-date iso-date="2011-01-01"/></transaction>
 </iati-activity>
</iati-activities>`

func TestReadLegacy(t *testing.T) {
	as := readAll(t, strings.NewReader(legacy))
	if len(as) != 1 || !as[0].Valid() {
		t.Fatalf("activities %d, problems %v", len(as), as[0].Problems)
	}
	a := as[0]
	if a.Identifier != "GB-1-LEGACY-7" || a.Status != "2" || a.PlannedStart.String() != "2010-01-01" || a.ActualEnd.String() != "2011-12-31" {
		t.Errorf("identifier %q status %q start %s end %s", a.Identifier, a.Status, a.PlannedStart, a.ActualEnd)
	}
	if a.Orgs[0].Role != "1" || a.Orgs[1].Role != "4" || a.Orgs[1].Name != "Water Aid" {
		t.Errorf("orgs %+v", a.Orgs)
	}
	if len(a.Countries) != 1 || a.Countries[0].Code != "KE" || a.Countries[0].Share != 5000 ||
		len(a.Regions) != 1 || a.Regions[0].Code != "298" || a.Regions[0].Share != 5000 {
		t.Errorf("countries %+v regions %+v", a.Countries, a.Regions)
	}
	shares := []int{3334, 3333, 3333}
	for i, s := range a.Sectors {
		if s.Vocabulary != "1" || s.Share != shares[i] {
			t.Errorf("sector %d: %+v", i, s)
		}
	}
	want := []iati.Transaction{
		{Position: 1, Line: 18, Type: "2", Date: funding.MustDate("2010-02-01"), Value: funding.Money{Units: 100050, Currency: "GBP"}},
		{Position: 2, Line: 19, Type: "3", Date: funding.MustDate("2010-03-01"), Value: funding.Money{Units: 2000, Currency: "EEK"}},
		{Position: 3, Line: 20, Type: "4", Date: funding.MustDate("2011-01-01"), Value: funding.Money{Units: 700, Currency: "GBP"}},
		{Position: 4, Line: 21, Type: "1", Date: funding.MustDate("2011-01-01"), Value: funding.Money{Units: 300, Currency: "GBP"}},
	}
	for i, tr := range a.Transactions {
		if !reflect.DeepEqual(tr, want[i]) {
			t.Errorf("transaction %d = %+v, want %+v", i+1, tr, want[i])
		}
	}
}

// TestReadProblems: what cannot be read costs only its element: a country and a sector
// are dropped with a warning, the transactions whose type, value or currency cannot be
// read are left out, each with all its reasons; the activity is kept.
func TestReadProblems(t *testing.T) {
	const doc = `<iati-activities version="2.03">
<iati-activity><iati-identifier>A-1</iati-identifier><title><narrative>t</narrative></title>
<recipient-country code="ZZZ"/><sector><narrative>no code</narrative></sector>
<transaction><transaction-type code="2"/><value currency="EUR" value-date="2010-01-01">10.005</value></transaction>
<transaction><transaction-type code="99"/><value currency="EUR" value-date="2010-01-01">10</value></transaction>
<transaction><value currency="EUR" value-date="2010-01-01">1e3</value></transaction>
<transaction><transaction-type code="3"/><transaction-date iso-date="2010-01-01"/></transaction>
<transaction><transaction-type code="3"/><value currency="EURO">1</value></transaction>
</iati-activity>
<iati-activity><iati-identifier>A-2</iati-identifier></iati-activity>
</iati-activities>`
	as := readAll(t, strings.NewReader(doc))
	if len(as) != 2 {
		t.Fatalf("%d activities", len(as))
	}
	a := as[0]
	var got []string
	for _, w := range a.Warnings {
		got = append(got, fmt.Sprintf("%d %s %s: %s (%s)", w.Line, w.Element, w.Kind, w.Reason, w.Raw))
	}
	for _, l := range a.LeftOut {
		got = append(got, fmt.Sprintf("%d %s left out, %s: %s (%s)", l.Line, l.Element, l.Kind, l.Reason, l.Raw))
	}
	want := []string{
		`0 reporting-org unknown-code: no reporting-org name nor ref: reported by "Unknown reporting organisation", its own funder ()`,
		`3 recipient-country[1] unknown-code: in neither the Country nor the Region code list, by code or name: dropped (ZZZ)`,
		`3 sector[1] unknown-code: a sector has no code: dropped (no code)`,
		`4 transaction[1]/value rounded: more decimals than EUR has: rounded half to even to 10.00 (10.005)`,
		`5 transaction[2] left out, type: transaction-type "99" is not in the TransactionType code list (nor a 1.0x code or name) (transaction-type "99", value "10", currency EUR)`,
		`6 transaction[3] left out, type: it has no transaction-type; value: "1e3" is not a decimal number (transaction-type "", value "1e3", currency EUR)`,
		`7 transaction[4] left out, value: it has no value (transaction-type "3")`,
		`8 transaction[5] left out, currency: value: currency "EURO" is not in the Currency code list (transaction-type "3", value "1", currency EURO)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !a.Valid() || len(a.Transactions) != 1 || a.Transactions[0].Value.Units != 1000 || a.Transactions[0].Exact != "10.005" {
		t.Errorf("first activity: problems %v, transactions %+v", a.Problems, a.Transactions)
	}
	if !as[1].Valid() || as[1].Line != 10 {
		t.Errorf("second activity: line %d, problems %v", as[1].Line, as[1].Problems)
	}
}

// Every file of the IATI schema tests is read to its end without an XML error.
func TestReadSchemaTests(t *testing.T) {
	files, _ := filepath.Glob(ref + "tests/activity-tests/*/*.xml")
	more, _ := filepath.Glob(ref + "tests/activity-tests/*/*/*.xml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("reference data not here")
	}
	for _, f := range files {
		if as := readFile(t, f); len(as) == 0 {
			t.Errorf("%s: no activity read", f)
		}
	}
}
