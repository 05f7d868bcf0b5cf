package server_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const importIati = `mutation($xml: String!, $dry: Boolean) { importIati(xml: $xml, dryRun: $dry) {
	dryRun version activities created updated unchanged
	skipped { identifier line reasons }
	totals { transactionType inFile { amount currency } stored { amount currency } } } }`

type importSummary struct {
	DryRun                                  bool
	Version                                 string
	Activities, Created, Updated, Unchanged int
	Skipped                                 []struct {
		Identifier string
		Line       int
		Reasons    []string
	}
	Totals []struct {
		TransactionType string
		InFile, Stored  struct{ Amount, Currency string }
	}
}

func (m *mutAPI) importIati(t *testing.T, xml string, dry bool) importSummary {
	t.Helper()
	var out struct{ ImportIati importSummary }
	m.ok(t, m.editor, importIati, map[string]any{"xml": xml, "dry": dry}, &out)
	return out.ImportIati
}

// TestImportIatiExample imports IATI's annotated example activity through the API and
// reads every mapped field back through it.
func TestImportIatiExample(t *testing.T) {
	b, err := os.ReadFile("../iati/testdata/examples/activity-standard-example-annotated.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := newMutAPI(t, false)
	if _, e := m.fail(t, m.viewer, importIati, map[string]any{"xml": string(b)}); e.Extensions["code"] != "FORBIDDEN" {
		t.Errorf("a viewer imports: %+v", e)
	}
	before := m.totals(t)
	dry := m.importIati(t, string(b), true)
	if !dry.DryRun || dry.Created != 1 || m.totals(t) != before {
		t.Errorf("dry run: %+v, totals %+v (were %+v)", dry, m.totals(t), before)
	}
	sum := m.importIati(t, string(b), false)
	want := `{"DryRun":false,"Version":"2.03","Activities":1,"Created":1,"Updated":0,"Unchanged":0,"Skipped":[],` +
		`"Totals":[{"TransactionType":"INCOMING_FUNDS","InFile":{"Amount":"1000.00","Currency":"EUR"},"Stored":{"Amount":"1000.00","Currency":"EUR"}}]}`
	if got, _ := json.Marshal(sum); string(got) != want {
		t.Errorf("summary %s\nwant    %s", got, want)
	}

	var got struct{ Node json.RawMessage }
	m.ok(t, m.viewer, `query($id: ID!) { node(id: $id) { ... on Project {
		code title description status startsOn endsOn actualStartsOn actualEndsOn themes implementingAgency reportingOrg source lastUpdatedAt version
		countries { country { code } share } regions { vocabulary code share } sectors { vocabulary code share }
		allocations { nodes { transactionType year date amount { amount currency } implementingAgency
			trustFund { name currency donor { name shortName ref type } } } } } } }`,
		map[string]any{"id": globalID(funding.TypeProject, "iati:AA-AAA-123456789-ABC123")}, &got)
	wantProject := `{"code":"AA-AAA-123456789-ABC123","title":"Activity title",` +
		`"description":"General activity description text. Long description of the activity with no particular structure.",` +
		`"status":"ACTIVE","startsOn":"2012-04-15","endsOn":"2015-12-31","actualStartsOn":"2012-04-28","actualEndsOn":null,` +
		`"themes":["Education, Level Unspecified","Basic Education","A description of the sector"],` +
		`"implementingAgency":"Organisation name","reportingOrg":"Organisation name",` +
		`"source":"IATI activity file, reported by Organisation name","lastUpdatedAt":"2014-09-10T07:15:37Z","version":1,` +
		`"countries":[{"country":{"code":"AF"},"share":25},{"country":{"code":"AG"},"share":25}],` +
		`"regions":[{"vocabulary":"1","code":"489","share":25},{"vocabulary":"99","code":"A1","share":25}],` +
		`"sectors":[{"vocabulary":"2","code":"111","share":50},{"vocabulary":"2","code":"112","share":50},{"vocabulary":"99","code":"A1","share":100}],` +
		`"allocations":{"nodes":[{"transactionType":"INCOMING_FUNDS","year":2012,"date":"2012-01-01","amount":{"amount":"1000.00","currency":"EUR"},` +
		`"implementingAgency":"Organisation name","trustFund":{"name":"Name of Agency B via Organisation name (EUR)","currency":"EUR",` +
		`"donor":{"name":"Name of Agency B","shortName":"Name of Agency B","ref":"BB-BBB-123456789","type":"MULTILATERAL"}}}]}}`
	if string(got.Node) != wantProject {
		t.Errorf("project %s\nwant    %s", got.Node, wantProject)
	}

	// The stored totals, through fundingReport, are the file's.
	var rep struct {
		FundingReport struct {
			Total struct{ Amount, Currency string }
		}
	}
	m.ok(t, m.viewer, `query($p: ID!) { fundingReport(transactionType: INCOMING_FUNDS, filter: {projectId: {eq: $p}}) { total { amount currency } } }`,
		map[string]any{"p": globalID(funding.TypeProject, "iati:AA-AAA-123456789-ABC123")}, &rep)
	if rep.FundingReport.Total.Amount != "1000.00" || rep.FundingReport.Total.Currency != "EUR" {
		t.Errorf("fundingReport total %+v", rep.FundingReport.Total)
	}

	// Again: nothing changes.
	after := m.totals(t)
	if again := m.importIati(t, string(b), false); again.Unchanged != 1 || again.Created != 0 || m.totals(t) != after {
		t.Errorf("re-import: %+v, totals %+v (were %+v)", again, m.totals(t), after)
	}
	log := m.auditLog(t, map[string]any{"entityType": "Project"})
	n := 0
	for _, e := range log {
		if strings.Contains(string(mustJSON(e)), "iatiIdentifier\":\"AA-AAA-123456789-ABC123") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit entries for the imported project, want 1: %+v", n, log)
	}

	// Broken XML is refused on xml, after what came before it.
	_, e := m.fail(t, m.editor, importIati, map[string]any{"xml": "<iati-activities><iati-activity>"})
	if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "xml" {
		t.Errorf("broken XML: %+v", e)
	}
	if reflect.DeepEqual(e, gqlError{}) {
		t.Error("no error")
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// corrections is an IATI file as published data has them: a disbursement corrected by a
// negative one, a commitment of 0, a de-commitment, a project whose only transaction is a correction (its
// net is negative), an identifier of 123 characters and one of 201.
var corrections = `<iati-activities version="2.03">
 <iati-activity last-updated-datetime="2021-05-01T00:00:00Z" default-currency="EUR">
  <iati-identifier>XM-DAC-41302-` + strings.Repeat("ABCDEFGHIJ", 11) + `</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40"><narrative>International Labour Organization</narrative></reporting-org>
  <title><narrative>Corrected</narrative></title>
  <participating-org ref="XM-TEST-1" role="1" type="10"><narrative>Test funder</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2021-01-01"/>
  <recipient-country code="MW" percentage="60"/>
  <recipient-country code="TZ" percentage="40"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2021-03-01"/><value>1000.00</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2021-09-01"/><value>-250.50</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2021-01-15"/><value>0</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2021-01-20"/><value>1200.00</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2022-02-01"/><value>-200.00</value></transaction>
 </iati-activity>
 <iati-activity last-updated-datetime="2021-05-01T00:00:00Z" default-currency="EUR">
  <iati-identifier>XM-DAC-41302-NET-NEGATIVE</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40"><narrative>International Labour Organization</narrative></reporting-org>
  <title><narrative>Only a correction</narrative></title>
  <participating-org ref="XM-TEST-1" role="1" type="10"><narrative>Test funder</narrative></participating-org>
  <activity-date type="1" iso-date="2021-01-01"/>
  <recipient-country code="MW" percentage="100"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2021-10-01"/><value>-100.00</value></transaction>
 </iati-activity>
 <iati-activity default-currency="EUR">
  <iati-identifier>XM-DAC-41302-` + strings.Repeat("ABCDEFGHIJ", 18) + `12345678</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40"><narrative>International Labour Organization</narrative></reporting-org>
  <title><narrative>Too long an identifier</narrative></title>
  <activity-date type="1" iso-date="2021-01-01"/>
 </iati-activity>
</iati-activities>`

// TestImportIatiCorrections imports negative and zero transactions and long identifiers
// through the API, and checks that reports, conversion, series and flows stay exact.
func TestImportIatiCorrections(t *testing.T) {
	m := newMutAPI(t, false)
	long := "XM-DAC-41302-" + strings.Repeat("ABCDEFGHIJ", 11)
	sum := m.importIati(t, corrections, false)
	if sum.Activities != 3 || sum.Created != 2 || len(sum.Skipped) != 1 ||
		!reflect.DeepEqual(sum.Skipped[0].Reasons, []string{"code: must be at most 200 characters, got 201"}) {
		t.Fatalf("summary %+v", sum)
	}
	totals := map[string]string{}
	for _, x := range sum.Totals {
		if x.InFile != x.Stored {
			t.Errorf("%s: in the file %v, stored %v", x.TransactionType, x.InFile, x.Stored)
		}
		totals[x.TransactionType] = x.Stored.Amount + " " + x.Stored.Currency
	}
	if want := map[string]string{"COMMITMENT": "1000.00 EUR", "DISBURSEMENT": "649.50 EUR"}; !reflect.DeepEqual(totals, want) {
		t.Errorf("totals %v, want %v", totals, want)
	}

	// The long code is found by code, by filter and by search.
	var got struct {
		Project struct {
			ID          string
			Code        string
			Allocations struct{ Nodes []struct{ Amount money } }
		}
		Projects struct{ TotalCount int }
		Search   []struct{ ID string }
	}
	m.ok(t, m.viewer, `query($code: String!) { project(code: $code) { id code allocations(orderBy: [{field: AMOUNT}]) { nodes { amount { amount currency } } } }
		projects(filter: {code: {eq: $code}}) { totalCount } search(text: $code) { ... on Project { id } } }`, map[string]any{"code": long}, &got)
	amounts := []money{}
	for _, n := range got.Project.Allocations.Nodes {
		amounts = append(amounts, n.Amount)
	}
	if got.Project.Code != long || got.Projects.TotalCount != 1 || len(got.Search) == 0 || got.Search[0].ID != got.Project.ID ||
		!reflect.DeepEqual(amounts, []money{{"-250.50", "EUR"}, {"-200.00", "EUR"}, {"0.00", "EUR"}, {"1000.00", "EUR"}, {"1200.00", "EUR"}}) {
		t.Errorf("by code %q: %+v", long, got)
	}

	// Disbursed: 1000.00 − 250.50 = 749.50, split 60/40 by country to the cent.
	type row struct {
		Country *struct{ Code string }
		Total   money
	}
	var rep struct {
		FundingReport struct {
			Total money
			Rows  struct{ Nodes []row }
		}
	}
	byCountry := func(currency any) map[string]string {
		m.ok(t, m.viewer, `query($p: ID!, $c: String) { fundingReport(transactionType: DISBURSEMENT, groupBy: [COUNTRY], currency: $c, filter: {projectId: {eq: $p}}) {
			total { amount currency } rows { nodes { country { code } total { amount currency } } } } }`,
			map[string]any{"p": got.Project.ID, "c": currency}, &rep)
		out := map[string]string{"total": rep.FundingReport.Total.Amount}
		var sum int64
		for _, r := range rep.FundingReport.Rows.Nodes {
			out[r.Country.Code] = r.Total.Amount
			sum += cents(t, r.Total)
		}
		if sum != cents(t, rep.FundingReport.Total) {
			t.Errorf("rows add up to %d, the total is %v", sum, rep.FundingReport.Total)
		}
		return out
	}
	if r, want := byCountry(nil), map[string]string{"total": "749.50", "MW": "449.70", "TZ": "299.80"}; !reflect.DeepEqual(r, want) {
		t.Errorf("disbursed by country %v, want %v", r, want)
	}
	// In USD at 0.9 EUR per dollar: 1111.11 and −278.33 (half to even, symmetric), each
	// split by largest remainder: 666.67 + 444.44 and −167.00 + −111.33.
	m.ok(t, m.admin, `mutation { setExchangeRate(input: {currency: "EUR", year: 2021, perUSD: "0.9", source: "test"}) { exchangeRate { year } } }`, nil, &struct{}{})
	if r, want := byCountry("USD"), map[string]string{"total": "832.78", "MW": "499.67", "TZ": "333.11"}; !reflect.DeepEqual(r, want) {
		t.Errorf("disbursed by country in USD %v, want %v", r, want)
	}

	// The series and the flows of the funder's disbursements: the project with only a
	// correction keeps its negative net on its links, so the links out of each level still
	// add up to the total (649.50).
	var sf struct {
		FundingSeries struct{ Points []struct{ Total money } }
		FundingFlows  struct {
			Nodes []struct{ ID, Label, Level string }
			Links []struct {
				Source, Target string
				Amount         money
			}
		}
	}
	funder := map[string]any{"f": map[string]any{"donorId": map[string]any{"eq": globalID(funding.TypeDonor, "iati-org:XM-TEST-1")}}}
	m.ok(t, m.viewer, `query($f: AllocationFilter) { fundingSeries(filter: $f, transactionType: DISBURSEMENT, from: 2020, to: 2022) { points { total { amount currency } } }
		fundingFlows(filter: $f, transactionType: DISBURSEMENT, levels: [DONOR, PROJECT, COUNTRY]) { nodes { id label level } links { source target amount { amount currency } } } }`, funder, &sf)
	var series []string
	for _, p := range sf.FundingSeries.Points {
		series = append(series, p.Total.Amount)
	}
	if want := []string{"0.00", "649.50", "0.00"}; !reflect.DeepEqual(series, want) {
		t.Errorf("series %v, want %v", series, want)
	}
	label := map[string]string{}
	for _, n := range sf.FundingFlows.Nodes {
		label[n.ID] = n.Level + " " + n.Label
	}
	links := map[string]string{}
	for _, l := range sf.FundingFlows.Links {
		links[label[l.Source]+" → "+label[l.Target]] = l.Amount.Amount
	}
	want := map[string]string{
		"DONOR Test funder → PROJECT Corrected":                    "749.50",
		"DONOR Test funder → PROJECT Only a correction":            "-100.00",
		"PROJECT Corrected → COUNTRY Malawi":                       "449.70",
		"PROJECT Corrected → COUNTRY Tanzania, United Republic of": "299.80",
		"PROJECT Only a correction → COUNTRY Malawi":               "-100.00",
	}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("links %v\nwant  %v", links, want)
	}

	// The fund's balance counts the de-commitment in its year.
	var fb struct {
		Node struct{ Y2021, Y2022 map[string]money }
	}
	m.ok(t, m.viewer, `query($id: ID!) { node(id: $id) { ... on TrustFund {
		y2021: balance(year: 2021) { allocatedInYear { amount currency } allocated { amount currency } remaining { amount currency } }
		y2022: balance(year: 2022) { allocatedInYear { amount currency } allocated { amount currency } remaining { amount currency } } } } }`,
		map[string]any{"id": globalID(funding.TypeTrustFund, "iati-fund:iati-org:XM-TEST-1|XM-DAC-41302|EUR")}, &fb)
	wantBalance := struct{ Y2021, Y2022 map[string]money }{
		map[string]money{"allocatedInYear": {"1200.00", "EUR"}, "allocated": {"1200.00", "EUR"}, "remaining": {"-1200.00", "EUR"}},
		map[string]money{"allocatedInYear": {"-200.00", "EUR"}, "allocated": {"1000.00", "EUR"}, "remaining": {"-1000.00", "EUR"}},
	}
	if !reflect.DeepEqual(fb.Node, wantBalance) {
		t.Errorf("balances %+v\nwant     %+v", fb.Node, wantBalance)
	}

	// Through the API, amounts stay non-negative, but an editor may change other fields
	// of an imported correction.
	var al struct {
		Allocations struct{ Nodes []struct{ ID string } }
	}
	m.ok(t, m.viewer, `{ allocations(filter: {amount: {lt: "0"}}, orderBy: [{field: AMOUNT}]) { nodes { id } } }`, nil, &al)
	if len(al.Allocations.Nodes) != 3 {
		t.Fatalf("negative allocations %+v", al)
	}
	const update = `mutation($in: UpdateAllocationInput!) { updateAllocation(input: $in) { allocation { implementingAgency amount { amount } } } }`
	var upd struct {
		UpdateAllocation struct {
			Allocation struct {
				ImplementingAgency string
				Amount             struct{ Amount string }
			}
		}
	}
	m.ok(t, m.editor, update, map[string]any{"in": map[string]any{"id": al.Allocations.Nodes[0].ID, "expectedVersion": 1, "implementingAgency": "ILO"}}, &upd)
	if a := upd.UpdateAllocation.Allocation; a.ImplementingAgency != "ILO" || a.Amount.Amount != "-250.50" {
		t.Errorf("update of a correction: %+v", a)
	}
	_, e := m.fail(t, m.editor, update, map[string]any{"in": map[string]any{"id": al.Allocations.Nodes[0].ID, "expectedVersion": 2,
		"amount": map[string]any{"amount": "-251.00", "currency": "EUR"}}})
	if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "input.amount.amount" {
		t.Errorf("a negative amount through the API: %+v", e)
	}
}

// TestImportIatiRepairs imports a file shaped like a multi-publisher 2.0x file of issue
// 18 through the mutation: every activity is kept, the summary's columns add up, and
// fundingReport gives, per project and transaction type, the file's readable values to
// the minor unit (the one value with 8 decimals rounded half to even).
func TestImportIatiRepairs(t *testing.T) {
	b, err := os.ReadFile("../iati/testdata/repair/v2-multi.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := newMutAPI(t, false)
	var out struct {
		ImportIati struct {
			Activities, Created, WarningCount, LeftOutCount, Budgets, PlannedDisbursements int
			Skipped                                                                        []struct{ Identifier string }
			Totals                                                                         []struct {
				TransactionType                   *string
				Currency, File, LeftOut, Rounding string
				Stored                            money
				LeftOutCount, Rounded             int
				Balanced                          bool
			}
			Warnings []struct {
				Kind     string
				Count    int
				Examples []struct {
					Activity, Element, Reason, Raw string
					Line                           int
				}
			}
			LeftOut []struct {
				Kind     string
				Count    int
				Examples []struct{ Element, Raw string }
			}
		}
	}
	m.ok(t, m.editor, `mutation($xml: String!) { importIati(xml: $xml) { activities created warningCount leftOutCount budgets plannedDisbursements
		skipped { identifier }
		totals { transactionType currency file stored { amount currency } leftOut leftOutCount rounding rounded balanced }
		warnings { kind count examples { activity line element reason raw } } leftOut { kind count examples { element raw } } } }`,
		map[string]any{"xml": string(b)}, &out)
	sum := out.ImportIati
	if sum.Activities != 4 || sum.Created != 4 || len(sum.Skipped) != 0 || sum.WarningCount != 7 || sum.LeftOutCount != 1 ||
		sum.Budgets != 2 || sum.PlannedDisbursements != 1 {
		t.Errorf("summary %+v", sum)
	}
	var cols []string
	for _, x := range sum.Totals {
		typ := "(unreadable)"
		if x.TransactionType != nil {
			typ = *x.TransactionType
		}
		cols = append(cols, typ+" "+x.Currency+": "+x.File+" = "+x.Stored.Amount+" + "+x.LeftOut+" + "+x.Rounding)
		if !x.Balanced {
			t.Errorf("%s: not balanced", typ)
		}
	}
	want := []string{
		"INCOMING_FUNDS KRW: 247800000000 = 247800000000 + 0 + 0",
		"COMMITMENT EUR: 80000.00 = 80000.00 + 0.00 + 0.00",
		"DISBURSEMENT EUR: 25000.10 = 25000.10 + 0.00 + 0.00",
		"DISBURSEMENT KRW: 1500000000 = 1500000000 + 0 + 0",
		"EXPENDITURE USD: 1112742.39448867 = 1112742.40 + 0.00 + -0.00551133",
		"(unreadable) : 0.00 = 0.00 + 0.00 + 0.00",
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("totals\n%s\nwant\n%s", strings.Join(cols, "\n"), strings.Join(want, "\n"))
	}
	if len(sum.Warnings) == 0 || sum.Warnings[0].Kind != "scaled" || sum.Warnings[0].Examples[0].Element != "sector[1]" || sum.Warnings[0].Examples[0].Line != 13 {
		t.Errorf("warnings %+v", sum.Warnings)
	}
	if len(sum.LeftOut) != 1 || sum.LeftOut[0].Kind != "type" || sum.LeftOut[0].Examples[0].Element != "transaction[2]" {
		t.Errorf("left out %+v", sum.LeftOut)
	}

	// fundingReport per project and transaction type: the stored values, to the minor unit.
	for _, c := range []struct{ project, typ, want string }{
		{"KR-GOV-010-2021-001", "INCOMING_FUNDS", "247800000000 KRW"},
		{"KR-GOV-010-2021-001", "DISBURSEMENT", "1500000000 KRW"},
		{"NL-KVK-27108436-A-02", "COMMITMENT", "80000.00 EUR"},
		{"NL-KVK-27108436-A-02", "DISBURSEMENT", "25000.10 EUR"},
		{"XM-DAC-47066-DP.1234", "EXPENDITURE", "1112742.40 USD"},
	} {
		var rep struct{ FundingReport struct{ Total money } }
		m.ok(t, m.viewer, `query($p: ID!, $t: TransactionType) { fundingReport(transactionType: $t, filter: {projectId: {eq: $p}}) { total { amount currency } } }`,
			map[string]any{"p": globalID(funding.TypeProject, "iati:"+c.project), "t": c.typ}, &rep)
		if got := rep.FundingReport.Total.Amount + " " + rep.FundingReport.Total.Currency; got != c.want {
			t.Errorf("%s %s: %s, want %s", c.project, c.typ, got, c.want)
		}
	}
	// The theme keeps its full name, and the filter matches it.
	long := "Community-led total sanitation in rural districts of the Sahel and coastal West Africa"
	var ps struct {
		Projects struct{ Nodes []struct{ Code string } }
	}
	m.ok(t, m.viewer, `query($t: String!) { projects(filter: {theme: {eq: $t}}) { nodes { code } } }`, map[string]any{"t": long}, &ps)
	if len(ps.Projects.Nodes) != 1 || ps.Projects.Nodes[0].Code != "NL-KVK-27108436-A-02" {
		t.Errorf("projects of theme %q: %+v", long, ps)
	}
}
