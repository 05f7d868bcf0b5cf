package server_test

import (
	"encoding/csv"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// withSpending is the demo data plus money paid out and spent: for every second
// commitment, a disbursement of half of it (with a date in its year), and for every
// fourth an expenditure of a third; and a project in Malawi (60 %) and a region (25 %),
// the rest unplaced, with a commitment of 1000.01 EUR.
func withSpending() (*seed.Dataset, map[funding.TransactionType]map[string]int64) {
	d := seed.Flanders()
	sums := map[funding.TransactionType]map[string]int64{}
	add := func(a *funding.Allocation) {
		t := a.Type.TypeOrCommitment()
		if sums[t] == nil {
			sums[t] = map[string]int64{}
		}
		sums[t][a.Amount.Currency] += a.Amount.Units
	}
	for _, a := range d.Allocations {
		add(a)
	}
	var extra []*funding.Allocation
	for i, a := range d.Allocations {
		if i%2 == 0 {
			x := *a
			x.ID, x.Type, x.Date = a.ID+"-d", funding.Disbursement, funding.NewDate(a.Year, 6, 30)
			x.Amount.Units = a.Amount.Units / 2
			extra = append(extra, &x)
		}
		if i%4 == 0 {
			x := *a
			x.ID, x.Type = a.ID+"-e", funding.Expenditure
			x.Amount.Units = a.Amount.Units / 3
			extra = append(extra, &x)
		}
	}
	p := *d.Projects[0]
	p.ID, p.Code = "p-partly-placed", "TST/PARTLY"
	p.Countries = []funding.CountryShare{{CountryCode: "MW", Share: 6000}}
	p.Regions = []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 2500}}
	d.Projects = append(d.Projects, &p)
	a := *d.Allocations[0]
	a.ID, a.ProjectID, a.Amount = "a-partly-placed", p.ID, funding.Money{Units: 100001, Currency: "EUR"}
	extra = append(extra, &a)
	for _, x := range extra {
		add(x)
	}
	d.Allocations = append(d.Allocations, extra...)
	return d, sums
}

type typeTotals struct {
	TransactionType string
	Total           *money
	Totals          []money
	AllocationCount int
}

type comparedRow struct {
	Country           *struct{ Code string }
	Unallocated       bool
	Totals            []money
	AllocationCount   int
	ByTransactionType []typeTotals
}

type comparedReport struct {
	FundingReport struct {
		Totals            []money
		AllocationCount   int
		ByTransactionType []typeTotals
		Rows              struct{ Nodes []comparedRow }
	}
}

const comparedQuery = `query($t: TransactionType, $cmp: [TransactionType!], $g: [ReportDimension!], $f: AllocationFilter) {
  fundingReport(transactionType: $t, compare: $cmp, groupBy: $g, filter: $f) {
    totals { amount currency } allocationCount
    byTransactionType { transactionType total { amount currency } totals { amount currency } allocationCount }
    rows(orderBy: KEYS, first: 10000) { nodes { country { code } unallocated totals { amount currency } allocationCount
      byTransactionType { transactionType total { amount currency } totals { amount currency } allocationCount } } } } }`

func units(t *testing.T, ms []money) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range ms {
		out[m.Currency] = cents(t, m)
	}
	return out
}

func rowKey(r comparedRow) string {
	if r.Country == nil {
		return "(unallocated)"
	}
	return r.Country.Code
}

// TestReportsByTransactionType checks that a report adds up one transaction type:
// commitments by default (the demo totals), disbursements or expenditures when asked;
// that side by side, each compared type's totals per row and overall are those of its
// own report; that a project's unplaced share lands in the unallocated row, to the
// cent; and that series, flows and the CSV export follow the type.
func TestReportsByTransactionType(t *testing.T) {
	d, sums := withSpending()
	a := newAPI(t, d)
	report := func(typ any, compare []string, groupBy []string, filter map[string]any) comparedReport {
		t.Helper()
		var out comparedReport
		vars := map[string]any{"t": typ, "g": groupBy, "f": filter}
		if compare != nil {
			vars["cmp"] = compare
		}
		a.query(t, comparedQuery, vars, &out)
		return out
	}

	t.Run("DefaultIsCommitments", func(t *testing.T) {
		def, com := report(nil, nil, nil, nil), report("COMMITMENT", nil, nil, nil)
		if got := units(t, def.FundingReport.Totals); !maps.Equal(got, sums[funding.Commitment]) {
			t.Errorf("default totals %v, want the commitments' %v", got, sums[funding.Commitment])
		}
		if !maps.Equal(units(t, com.FundingReport.Totals), units(t, def.FundingReport.Totals)) {
			t.Errorf("COMMITMENT totals %v differ from the default's %v", com.FundingReport.Totals, def.FundingReport.Totals)
		}
		if len(def.FundingReport.ByTransactionType) != 0 {
			t.Errorf("byTransactionType without compare: %+v", def.FundingReport.ByTransactionType)
		}
	})
	for _, typ := range []funding.TransactionType{funding.Disbursement, funding.Expenditure} {
		t.Run(string(typ), func(t *testing.T) {
			rep := report(string(typ), nil, nil, nil)
			if got := units(t, rep.FundingReport.Totals); !maps.Equal(got, sums[typ]) {
				t.Errorf("totals %v, want %v", got, sums[typ])
			}
		})
	}
	t.Run("NothingOfAType", func(t *testing.T) {
		rep := report("LOAN_REPAYMENT", nil, []string{"COUNTRY"}, nil)
		if len(rep.FundingReport.Totals) != 0 || rep.FundingReport.AllocationCount != 0 || len(rep.FundingReport.Rows.Nodes) != 0 {
			t.Errorf("a type without allocations: %+v", rep.FundingReport)
		}
	})

	t.Run("SideBySide", func(t *testing.T) {
		g := []string{"COUNTRY"}
		both := report(nil, []string{"DISBURSEMENT", "EXPENDITURE"}, g, nil)
		own := map[string]comparedReport{"COMMITMENT": report(nil, nil, g, nil),
			"DISBURSEMENT": report("DISBURSEMENT", nil, g, nil), "EXPENDITURE": report("EXPENDITURE", nil, g, nil)}
		r := both.FundingReport
		if len(r.ByTransactionType) != 2 || r.ByTransactionType[0].TransactionType != "DISBURSEMENT" || r.ByTransactionType[1].TransactionType != "EXPENDITURE" {
			t.Fatalf("report byTransactionType %+v, want DISBURSEMENT then EXPENDITURE", r.ByTransactionType)
		}
		if !maps.Equal(units(t, r.Totals), sums[funding.Commitment]) {
			t.Errorf("the compared report's own totals %v, want the commitments' %v", r.Totals, sums[funding.Commitment])
		}
		for _, c := range r.ByTransactionType {
			o := own[c.TransactionType].FundingReport
			if got := units(t, c.Totals); !maps.Equal(got, units(t, o.Totals)) || c.AllocationCount != o.AllocationCount {
				t.Errorf("%s beside commitments: %v (%d), its own report: %v (%d)", c.TransactionType, got, c.AllocationCount, units(t, o.Totals), o.AllocationCount)
			}
		}
		// Every row of each type's own report is in the side-by-side report with the same
		// totals; rows where a type has nothing show nothing of it.
		for typ, o := range own {
			want := map[string]map[string]int64{}
			for _, row := range o.FundingReport.Rows.Nodes {
				want[rowKey(row)] = units(t, row.Totals)
			}
			seen := 0
			for _, row := range r.Rows.Nodes {
				got := units(t, row.Totals)
				if typ != "COMMITMENT" {
					i := slices.IndexFunc(row.ByTransactionType, func(x typeTotals) bool { return x.TransactionType == typ })
					got = units(t, row.ByTransactionType[i].Totals)
				}
				w, ok := want[rowKey(row)]
				if ok {
					seen++
				}
				if !ok && len(got) > 0 || ok && !maps.Equal(got, w) {
					t.Errorf("%s in row %s: %v, its own report: %v", typ, rowKey(row), got, w)
				}
			}
			if seen != len(want) {
				t.Errorf("%s: %d of its own report's %d rows are in the side-by-side report", typ, seen, len(want))
			}
		}
	})

	t.Run("UnplacedShareIsUnallocated", func(t *testing.T) {
		f := map[string]any{"projectId": map[string]any{"eq": globalID(funding.TypeProject, "p-partly-placed")}}
		rep := report(nil, nil, []string{"COUNTRY"}, f).FundingReport
		got := map[string]int64{}
		var sum int64
		for _, row := range rep.Rows.Nodes {
			got[rowKey(row)] = units(t, row.Totals)["EUR"]
			sum += got[rowKey(row)]
		}
		// 1000.01 EUR: 60 % is 600.006, 40 % 400.004; the unit left goes to the larger
		// remainder, Malawi's.
		want := map[string]int64{"MW": 60001, "(unallocated)": 40000}
		if !maps.Equal(got, want) || sum != units(t, rep.Totals)["EUR"] || sum != 100001 {
			t.Errorf("rows %v (sum %d), total %v; want %v adding up to 100001", got, sum, rep.Totals, want)
		}
	})

	t.Run("SeriesAndFlows", func(t *testing.T) {
		var s struct {
			FundingSeries struct{ Points []struct{ Totals []money } }
			FundingFlows  struct {
				Links []struct {
					Source string
					Amount money
				}
			}
			FundingReport struct{ Total money }
		}
		a.query(t, `{ fundingSeries(transactionType: DISBURSEMENT, from: 2000, to: 2030) { points { totals { amount currency } } }
		  fundingFlows(transactionType: DISBURSEMENT, levels: [DONOR, TRUST_FUND], currency: "USD") { links { source amount { amount currency } } }
		  fundingReport(transactionType: DISBURSEMENT, currency: "USD") { total { amount currency } } }`, nil, &s)
		series := map[string]int64{}
		for _, p := range s.FundingSeries.Points {
			for c, u := range units(t, p.Totals) {
				series[c] += u
			}
		}
		if !maps.Equal(series, sums[funding.Disbursement]) {
			t.Errorf("series of disbursements adds up to %v, want %v", series, sums[funding.Disbursement])
		}
		var flows int64
		for _, l := range s.FundingFlows.Links {
			if strings.HasPrefix(l.Source, "RG9ub3I6") { // "Donor:"
				flows += cents(t, l.Amount)
			}
		}
		if want := cents(t, s.FundingReport.Total); flows != want || want == 0 {
			t.Errorf("flows of disbursements out of the donors: %d, the disbursement report: %d", flows, want)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=COUNTRY&compare=DISBURSEMENT", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
		lines, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"country_code", "country", "currency", "total", "allocation_count", "share_percent", "disbursement_total"}
		if !slices.Equal(lines[0], want) {
			t.Fatalf("header %v, want %v", lines[0], want)
		}
		committed, disbursed := map[string]int64{}, map[string]int64{}
		for _, l := range lines[1:] {
			committed[l[2]] += cents(t, money{l[3], l[2]})
			disbursed[l[2]] += cents(t, money{l[6], l[2]})
		}
		if !maps.Equal(committed, sums[funding.Commitment]) || !maps.Equal(disbursed, sums[funding.Disbursement]) {
			t.Errorf("CSV columns add up to %v and %v, want %v and %v", committed, disbursed, sums[funding.Commitment], sums[funding.Disbursement])
		}
	})

	t.Run("ErrCompareTwice", func(t *testing.T) {
		e := a.queryError(t, `{ fundingReport(compare: [DISBURSEMENT, DISBURSEMENT]) { allocationCount } }`, nil)
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "compare" || !strings.Contains(e.Message, "twice") {
			t.Errorf("got %+v, want BAD_USER_INPUT on compare", e)
		}
	})
	t.Run("ErrUnknownType", func(t *testing.T) {
		e := a.queryError(t, `{ fundingReport(transactionType: PAYMENT) { allocationCount } }`, nil)
		if e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("got %+v, want a validation error", e)
		}
	})
}

// TestTransactionTypesThroughAPI creates and updates allocations with types and dates,
// filters them by type, and creates a project with the IATI fields, all read back through
// GraphQL; bad input is refused naming its field.
func TestTransactionTypesThroughAPI(t *testing.T) {
	m := newMutAPI(t, false)
	var created struct {
		CreateAllocation struct {
			Allocation struct {
				ID, TransactionType, Date string
				Year, Version             int
			}
		}
	}
	m.ok(t, m.editor, `mutation($input: CreateAllocationInput!) { createAllocation(input: $input) { allocation { id transactionType date year version } } }`,
		inputVars(withFields(allocationInput("250.00", "EUR"), "transactionType", "DISBURSEMENT", "date", "2024-03-15")), &created)
	al := created.CreateAllocation.Allocation
	if al.TransactionType != "DISBURSEMENT" || al.Date != "2024-03-15" || al.Year != 2024 {
		t.Errorf("created %+v", al)
	}
	var plain struct {
		CreateAllocation struct {
			Allocation struct{ TransactionType string }
		}
	}
	m.ok(t, m.editor, `mutation($input: CreateAllocationInput!) { createAllocation(input: $input) { allocation { transactionType } } }`,
		inputVars(allocationInput("1.00", "EUR")), &plain)
	if plain.CreateAllocation.Allocation.TransactionType != "COMMITMENT" {
		t.Errorf("an allocation created without a type is %s, want COMMITMENT", plain.CreateAllocation.Allocation.TransactionType)
	}

	count := func(filter string) int {
		t.Helper()
		var out struct{ Allocations struct{ TotalCount int } }
		m.ok(t, "", fmt.Sprintf(`{ allocations(filter: %s) { totalCount } }`, filter), nil, &out)
		return out.Allocations.TotalCount
	}
	all := count("{}")
	if n := count(`{transactionType: {eq: DISBURSEMENT}}`); n != 1 {
		t.Errorf("%d disbursements, want 1", n)
	}
	if n := count(`{transactionType: {eq: COMMITMENT}}`); n != all-1 {
		t.Errorf("%d commitments, want %d", n, all-1)
	}
	if n := count(`{transactionType: {in: [EXPENDITURE, DISBURSEMENT]}, date: {gte: "2024-03-01"}}`); n != 1 {
		t.Errorf("%d disbursements or expenditures dated from March 2024, want 1", n)
	}

	// Update: the type, and a date whose year the allocation takes.
	var updated struct {
		UpdateAllocation struct {
			Allocation struct {
				TransactionType, Date string
				Year                  int
			}
		}
	}
	m.ok(t, m.editor, `mutation($input: UpdateAllocationInput!) { updateAllocation(input: $input) { allocation { transactionType date year } } }`,
		inputVars(map[string]any{"id": al.ID, "expectedVersion": al.Version, "transactionType": "EXPENDITURE", "date": "2025-01-31"}), &updated)
	if u := updated.UpdateAllocation.Allocation; u.TransactionType != "EXPENDITURE" || u.Date != "2025-01-31" || u.Year != 2025 {
		t.Errorf("updated %+v, want an EXPENDITURE of 2025-01-31 in 2025", u)
	}
	_, e := m.fail(t, m.editor, createAllocationM, inputVars(withFields(allocationInput("1.00", "EUR"), "date", "2023-12-31")))
	checkError(t, e, "BAD_USER_INPUT", "input.date", "not in the allocation's year 2024")
	if n := count("{}"); n != all {
		t.Errorf("a refused allocation changed the count: %d, want %d", n, all)
	}

	// A project with the IATI fields.
	var p struct {
		CreateProject struct {
			Project struct {
				ID, Status, ActualStartsOn, ReportingOrg string
				ActualEndsOn                             *string
				Countries                                []struct{ Share float64 }
				Regions, Sectors                         []struct {
					Vocabulary, Code string
					Share            float64
				}
			}
		}
	}
	in := withFields(projectInput("TST/IATI"), "status", "SUSPENDED", "actualStartsOn", "2024-02-01", "reportingOrg", "International Labour Organization",
		"countries", shares("MW", "60"), "regions", []map[string]any{{"vocabulary": "1", "code": "298", "share": "25.5"}},
		"sectors", []map[string]any{{"vocabulary": "1", "code": "16020", "share": "100"}})
	m.ok(t, m.editor, `mutation($input: CreateProjectInput!) { createProject(input: $input) { project {
	  id status actualStartsOn actualEndsOn reportingOrg countries { share } regions { vocabulary code share } sectors { vocabulary code share } } } }`, inputVars(in), &p)
	got := p.CreateProject.Project
	if got.Status != "SUSPENDED" || got.ActualStartsOn != "2024-02-01" || got.ActualEndsOn != nil || got.ReportingOrg != "International Labour Organization" ||
		len(got.Regions) != 1 || got.Regions[0].Code != "298" || got.Regions[0].Share != 25.5 ||
		len(got.Sectors) != 1 || got.Sectors[0].Code != "16020" || got.Sectors[0].Share != 100 {
		t.Errorf("created project %+v", got)
	}
	var byStatus struct{ Projects struct{ TotalCount int } }
	m.ok(t, "", `{ projects(filter: {status: {in: [SUSPENDED, CANCELLED]}}) { totalCount } }`, nil, &byStatus)
	if byStatus.Projects.TotalCount != 1 {
		t.Errorf("%d suspended or cancelled projects, want 1", byStatus.Projects.TotalCount)
	}
	_, e = m.fail(t, m.editor, createProjectM, inputVars(withFields(in, "code", "TST/IATI2", "regions", []map[string]any{{"vocabulary": "1", "code": "298", "share": "40.01"}})))
	checkError(t, e, "BAD_USER_INPUT", "input.regions", "100.01 percent, more than 100")
	_, e = m.fail(t, m.editor, createProjectM, inputVars(withFields(in, "code", "TST/IATI3", "regions", nil)))
	checkError(t, e, "BAD_USER_INPUT", "input.countries", "60.00 percent, not 100")

	// A donor's IATI identifier.
	var dn struct {
		CreateDonor struct{ Donor struct{ ID, Ref string } }
	}
	m.ok(t, m.editor, `mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id ref } } }`,
		inputVars(withFields(donorInput(), "ref", "XM-DAC-41114")), &dn)
	var found struct {
		Donors struct{ Nodes []struct{ ID, Ref string } }
	}
	m.ok(t, "", `{ donors(filter: {ref: {eq: "XM-DAC-41114"}}) { nodes { id ref } } }`, nil, &found)
	if len(found.Donors.Nodes) != 1 || found.Donors.Nodes[0].ID != dn.CreateDonor.Donor.ID {
		t.Errorf("donors with ref XM-DAC-41114: %+v, want %s", found.Donors.Nodes, dn.CreateDonor.Donor.ID)
	}
}
