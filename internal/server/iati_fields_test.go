package server_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// flows is an IATI 2.03 file shaped as publishers write them (namespaces, narratives in two
// languages, an extension element, defaults at activity level, transactions with and
// without provider-org and receiver-org, several aid-types in several vocabularies), and
// an activity without any of it.
const flows = `<?xml version="1.0" encoding="UTF-8"?>
<iati-activities xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ilo="http://www.ilo.org/iati/extension"
  version="2.03" generated-datetime="2024-03-01T10:00:00Z">
 <iati-activity last-updated-datetime="2024-02-15T09:30:00Z" xml:lang="en" default-currency="USD" humanitarian="0" hierarchy="2">
  <iati-identifier>XM-DAC-41302-FLOW-1</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40">
   <narrative>International Labour Organization</narrative>
   <narrative xml:lang="fr">Organisation internationale du Travail</narrative>
  </reporting-org>
  <title><narrative>Decent work in Malawi</narrative><narrative xml:lang="fr">Travail décent au Malawi</narrative></title>
  <description type="1"><narrative>Employment services and labour inspection.</narrative></description>
  <participating-org ref="XM-DAC-7" role="1" type="10"><narrative>Netherlands - Ministry of Foreign Affairs</narrative></participating-org>
  <participating-org ref="XM-DAC-41302" role="4" type="40"><narrative>ILO</narrative></participating-org>
  <ilo:project-code>MWI/22/01/NLD</ilo:project-code>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2022-01-01"/>
  <activity-date type="3" iso-date="2025-12-31"/>
  <recipient-country code="MW" percentage="100"/>
  <sector vocabulary="1" code="16020" percentage="100"/>
  <collaboration-type code="2"/>
  <default-flow-type code="10"/>
  <default-finance-type code="110"/>
  <default-aid-type code="C01" vocabulary="1"/>
  <default-aid-type code="1" vocabulary="2"/>
  <default-tied-status code="5"/>
  <transaction ref="MWI-T1">
   <transaction-type code="1"/>
   <transaction-date iso-date="2022-03-01"/>
   <value currency="USD" value-date="2022-03-01">500000</value>
   <description><narrative>First tranche</narrative></description>
   <provider-org provider-activity-id="NL-KVK-27378529-26584" type="10" ref="XM-DAC-7">
    <narrative xml:lang="fr">Pays-Bas - Ministère des Affaires étrangères</narrative>
    <narrative xml:lang="en">Netherlands - Ministry of Foreign Affairs</narrative>
   </provider-org>
   <receiver-org type="40" ref="XM-DAC-41302"><narrative>International Labour Organization</narrative></receiver-org>
  </transaction>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2022-06-30"/>
   <value value-date="2022-06-30">120000.50</value>
   <receiver-org receiver-activity-id="MW-GOV-1-DW-2022" type="10" ref="MW-GOV-1"><narrative>Ministry of Labour, Malawi</narrative></receiver-org>
   <flow-type code="20"/>
   <aid-type code="B03" vocabulary="1"/>
   <aid-type code="1" vocabulary="4"/>
  </transaction>
  <transaction>
   <transaction-type code="4"/>
   <transaction-date iso-date="2023-01-15"/>
   <value>2500</value>
   <finance-type code="410"/>
   <aid-type code="D02"/>
  </transaction>
  <transaction>
   <transaction-type code="2"/>
   <transaction-date iso-date="2022-01-10"/>
   <value>900000</value>
   <provider-org><narrative xml:lang="fr">Pays-Bas</narrative></provider-org>
   <receiver-org ref="XM-DAC-41302"/>
  </transaction>
 </iati-activity>
 <iati-activity last-updated-datetime="2024-02-15T09:30:00Z" default-currency="USD">
  <iati-identifier>XM-DAC-41302-FLOW-2</iati-identifier>
  <reporting-org ref="XM-DAC-41302" type="40"><narrative>International Labour Organization</narrative></reporting-org>
  <title><narrative>No defaults</narrative></title>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2022-01-01"/>
  <recipient-country code="MW"/>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2022-05-01"/>
   <value>10</value>
   <provider-org/>
  </transaction>
 </iati-activity>
</iati-activities>`

const allocationFlows = `provider { ref name type typeName activityId } receiver { ref name type typeName activityId }
	flowType { code name fromDefault } financeType { code name fromDefault } aidTypes { vocabulary code name fromDefault }`

// nodesJSON reads the allocations with these local ids through nodes(ids:), each with
// fields, as JSON in the order of ids.
func (m *mutAPI) nodesJSON(t *testing.T, fields string, ids ...string) []string {
	t.Helper()
	var got struct{ Nodes []json.RawMessage }
	gids := make([]string, len(ids))
	for i, id := range ids {
		gids[i] = globalID(funding.TypeAllocation, id)
	}
	m.ok(t, m.viewer, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Allocation { `+fields+` } } }`, map[string]any{"ids": gids}, &got)
	out := make([]string, len(got.Nodes))
	for i, n := range got.Nodes {
		out[i] = string(n)
	}
	return out
}

// TestImportIatiFollowTheMoney imports flows through the importIati mutation and reads
// each transaction's provider and receiver, flow, finance and aid types back through the
// API: the transaction's own values, else the activity's defaults (fromDefault), names
// from the code lists carried (OrganisationType, AidType vocabulary 1), null and empty when
// the file gives nothing. An update of another field keeps them; the demo data has none.
func TestImportIatiFollowTheMoney(t *testing.T) {
	m := newMutAPI(t, false)
	var sum struct {
		ImportIati struct{ Activities, Created int }
	}
	m.ok(t, m.editor, `mutation($xml: String!) { importIati(xml: $xml) { activities created } }`, map[string]any{"xml": flows}, &sum)
	if sum.ImportIati.Activities != 2 || sum.ImportIati.Created != 2 {
		t.Fatalf("import: %+v", sum.ImportIati)
	}
	const p1 = "iati:XM-DAC-41302-FLOW-1"
	got := m.nodesJSON(t, "transactionType amount { amount currency } "+allocationFlows, p1+"/1", p1+"/2", p1+"/3", p1+"/4", "iati:XM-DAC-41302-FLOW-2/1")
	want := []string{
		// Incoming funds: provider and receiver named in full, every type the activity's default.
		`{"transactionType":"INCOMING_FUNDS","amount":{"amount":"500000.00","currency":"USD"},` +
			`"provider":{"ref":"XM-DAC-7","name":"Netherlands - Ministry of Foreign Affairs","type":"10","typeName":"Government","activityId":"NL-KVK-27378529-26584"},` +
			`"receiver":{"ref":"XM-DAC-41302","name":"International Labour Organization","type":"40","typeName":"Multilateral","activityId":null},` +
			`"flowType":{"code":"10","name":null,"fromDefault":true},"financeType":{"code":"110","name":null,"fromDefault":true},` +
			`"aidTypes":[{"vocabulary":"1","code":"C01","name":"Project-type interventions","fromDefault":true},{"vocabulary":"2","code":"1","name":null,"fromDefault":true}]}`,
		// Disbursement: a receiver only, its own flow type, aid types of vocabularies 1 and 4
		// (the default of vocabulary 1 gives way, that of vocabulary 2 is added).
		`{"transactionType":"DISBURSEMENT","amount":{"amount":"120000.50","currency":"USD"},"provider":null,` +
			`"receiver":{"ref":"MW-GOV-1","name":"Ministry of Labour, Malawi","type":"10","typeName":"Government","activityId":"MW-GOV-1-DW-2022"},` +
			`"flowType":{"code":"20","name":null,"fromDefault":false},"financeType":{"code":"110","name":null,"fromDefault":true},` +
			`"aidTypes":[{"vocabulary":"1","code":"B03","name":"Contributions to specific-purpose programmes and funds managed by implementing partners","fromDefault":false},` +
			`{"vocabulary":"4","code":"1","name":null,"fromDefault":false},{"vocabulary":"2","code":"1","name":null,"fromDefault":true}]}`,
		// Expenditure: no organisations, its own finance type, an aid-type without a vocabulary (1).
		`{"transactionType":"EXPENDITURE","amount":{"amount":"2500.00","currency":"USD"},"provider":null,"receiver":null,` +
			`"flowType":{"code":"10","name":null,"fromDefault":true},"financeType":{"code":"410","name":null,"fromDefault":false},` +
			`"aidTypes":[{"vocabulary":"1","code":"D02","name":"Other technical assistance","fromDefault":false},{"vocabulary":"2","code":"1","name":null,"fromDefault":true}]}`,
		// Commitment: a provider by a French name only, a receiver by ref only.
		`{"transactionType":"COMMITMENT","amount":{"amount":"900000.00","currency":"USD"},` +
			`"provider":{"ref":null,"name":"Pays-Bas","type":null,"typeName":null,"activityId":null},` +
			`"receiver":{"ref":"XM-DAC-41302","name":null,"type":null,"typeName":null,"activityId":null},` +
			`"flowType":{"code":"10","name":null,"fromDefault":true},"financeType":{"code":"110","name":null,"fromDefault":true},` +
			`"aidTypes":[{"vocabulary":"1","code":"C01","name":"Project-type interventions","fromDefault":true},{"vocabulary":"2","code":"1","name":null,"fromDefault":true}]}`,
		// No defaults and an empty provider-org: nothing.
		`{"transactionType":"DISBURSEMENT","amount":{"amount":"10.00","currency":"USD"},"provider":null,"receiver":null,"flowType":null,"financeType":null,"aidTypes":[]}`,
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("allocation %d:\n got %s\nwant %s", i+1, at(got, i), want[i])
		}
	}

	// The filters on them, within the two imported projects.
	const p2 = "iati:XM-DAC-41302-FLOW-2"
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{`flowType: {eq: "20"}`, []string{p1 + "/2"}},
		{`flowType: {ne: "10"}`, []string{p1 + "/2", p2 + "/1"}},
		{`financeType: {in: ["410", "999"]}`, []string{p1 + "/3"}},
		{`financeType: {notIn: ["110"]}`, []string{p1 + "/3", p2 + "/1"}},
		{`providerRef: {eq: "XM-DAC-7"}`, []string{p1 + "/1"}},
		{`receiverRef: {in: ["XM-DAC-41302"]}`, []string{p1 + "/1", p1 + "/4"}},
		{`receiverRef: {ne: "XM-DAC-41302"}`, []string{p1 + "/2", p1 + "/3", p2 + "/1"}},
	} {
		var page struct {
			Allocations struct{ Nodes []struct{ ID string } }
		}
		m.ok(t, m.viewer, `query($ps: [ID!]!) { allocations(filter: {projectId: {in: $ps}, `+c.filter+`}) { nodes { id } } }`,
			map[string]any{"ps": []string{globalID(funding.TypeProject, p1), globalID(funding.TypeProject, p2)}}, &page)
		var got []string
		for _, n := range page.Allocations.Nodes {
			got = append(got, localID(n.ID))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.filter, got, c.want)
		}
	}

	// An update of another field keeps them.
	var up struct {
		UpdateAllocation struct{ Allocation json.RawMessage }
	}
	m.ok(t, m.editor, `mutation($id: ID!) { updateAllocation(input: {id: $id, expectedVersion: 1, source: "checked by hand"}) { allocation { source `+allocationFlows+` } } }`,
		map[string]any{"id": globalID(funding.TypeAllocation, p1+"/2")}, &up)
	if w := `{"source":"checked by hand",` + want[1][strings.Index(want[1], `"provider"`):]; string(up.UpdateAllocation.Allocation) != w {
		t.Errorf("after an update of its source:\n got %s\nwant %s", up.UpdateAllocation.Allocation, w)
	}
	if again := m.nodesJSON(t, "source "+allocationFlows, p1+"/2"); again[0] != string(up.UpdateAllocation.Allocation) {
		t.Errorf("read after the update: %s", again[0])
	}

	// The demo data has none of them.
	if demo := m.nodesJSON(t, allocationFlows, seed.Flanders().Allocations[0].ID); demo[0] != `{"provider":null,"receiver":null,"flowType":null,"financeType":null,"aidTypes":[]}` {
		t.Errorf("a demo allocation: %s", demo[0])
	}
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return "(none)"
}

// TestImportIatiExampleFollowTheMoney: the annotated example's transaction gives its
// provider and receiver, flow and finance types and two aid types of its own.
func TestImportIatiExampleFollowTheMoney(t *testing.T) {
	b, err := os.ReadFile("../iati/testdata/examples/activity-standard-example-annotated.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := newMutAPI(t, false)
	var sum struct{ ImportIati struct{ Created int } }
	m.ok(t, m.editor, `mutation($xml: String!) { importIati(xml: $xml) { created } }`, map[string]any{"xml": string(b)}, &sum)
	if sum.ImportIati.Created != 1 {
		t.Fatalf("import: %+v", sum.ImportIati)
	}
	got := m.nodesJSON(t, allocationFlows, "iati:AA-AAA-123456789-ABC123/1")
	want := `{"provider":{"ref":"BB-BBB-123456789","name":"Agency B","type":"10","typeName":"Government","activityId":"BB-BBB-123456789-1234AA"},` +
		`"receiver":{"ref":"AA-AAA-123456789","name":"Agency A","type":"23","typeName":"Regional NGO","activityId":"AA-AAA-123456789-1234"},` +
		`"flowType":{"code":"10","name":null,"fromDefault":false},"financeType":{"code":"110","name":null,"fromDefault":false},` +
		`"aidTypes":[{"vocabulary":"1","code":"A01","name":"General budget support","fromDefault":false},{"vocabulary":"2","code":"1","name":null,"fromDefault":false}]}`
	if got[0] != want {
		t.Errorf("the example's transaction:\n got %s\nwant %s", got[0], want)
	}
}
