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
		code title description status startsOn endsOn actualStartsOn actualEndsOn themes implementingAgency reportingOrg source version
		countries { country { code } share } regions { vocabulary code share } sectors { vocabulary code share }
		allocations { nodes { transactionType year date amount { amount currency } implementingAgency
			trustFund { name currency donor { name shortName ref type } } } } } } }`,
		map[string]any{"id": globalID(funding.TypeProject, "iati:AA-AAA-123456789-ABC123")}, &got)
	wantProject := `{"code":"AA-AAA-123456789-ABC123","title":"Activity title",` +
		`"description":"General activity description text. Long description of the activity with no particular structure.",` +
		`"status":"ACTIVE","startsOn":"2012-04-15","endsOn":"2015-12-31","actualStartsOn":"2012-04-28","actualEndsOn":null,` +
		`"themes":["Education, Level Unspecified","Basic Education","A description of the sector"],` +
		`"implementingAgency":"Organisation name","reportingOrg":"Organisation name",` +
		`"source":"IATI activity file; last-updated-datetime 2014-09-10T07:15:37Z; digest %s","version":1,` +
		`"countries":[{"country":{"code":"AF"},"share":25},{"country":{"code":"AG"},"share":25}],` +
		`"regions":[{"vocabulary":"1","code":"489","share":25},{"vocabulary":"99","code":"A1","share":25}],` +
		`"sectors":[{"vocabulary":"2","code":"111","share":50},{"vocabulary":"2","code":"112","share":50},{"vocabulary":"99","code":"A1","share":100}],` +
		`"allocations":{"nodes":[{"transactionType":"INCOMING_FUNDS","year":2012,"date":"2012-01-01","amount":{"amount":"1000.00","currency":"EUR"},` +
		`"implementingAgency":"Organisation name","trustFund":{"name":"Name of Agency B via Organisation name (EUR)","currency":"EUR",` +
		`"donor":{"name":"Name of Agency B","shortName":"Name of Agency B","ref":"BB-BBB-123456789","type":"MULTILATERAL"}}}]}}`
	var p struct{ Source string }
	_ = json.Unmarshal(got.Node, &p)
	digest := p.Source[strings.LastIndex(p.Source, " ")+1:]
	if want := strings.Replace(wantProject, "%s", digest, 1); string(got.Node) != want || len(digest) != 16 {
		t.Errorf("project %s\nwant    %s", got.Node, want)
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
