package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// Global ids of the demo data the mutation tests use.
var (
	flandersID       = globalID(funding.TypeDonor, "flanders")
	flandersFundID   = globalID(funding.TypeTrustFund, "ilo-flanders-tf")
	skillsProjectID  = globalID(funding.TypeProject, "p-global-skills-lifelong-learning")
	flanders2011ID   = globalID(funding.TypeAgreement, "flanders-ilo-2011")
	missingDonorID   = globalID(funding.TypeDonor, "no-such-donor")
	missingProjectID = globalID(funding.TypeProject, "no-such-project")
	missingFundID    = globalID(funding.TypeTrustFund, "no-such-fund")
)

// The mutations, each returning the id and version of what it changed.
const (
	createCountryM     = `mutation($input: CreateCountryInput!) { createCountry(input: $input) { country { id code version } } }`
	createDonorM       = `mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id version } } }`
	updateDonorM       = `mutation($input: UpdateDonorInput!) { updateDonor(input: $input) { donor { id version } } }`
	deleteDonorM       = `mutation($input: DeleteInput!) { deleteDonor(input: $input) { deletedId } }`
	createAgreementM   = `mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id version } } }`
	createTrustFundM   = `mutation($input: CreateTrustFundInput!) { createTrustFund(input: $input) { trustFund { id version currency } } }`
	deleteTrustFundM   = `mutation($input: DeleteInput!) { deleteTrustFund(input: $input) { deletedId } }`
	createProjectM     = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id version } } }`
	updateProjectM     = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id version title } } }`
	deleteProjectM     = `mutation($input: DeleteInput!) { deleteProject(input: $input) { deletedId } }`
	createAllocationM  = `mutation($input: CreateAllocationInput!) { createAllocation(input: $input) { allocation { id version } } }`
	createAllocationsM = `mutation($input: [CreateAllocationInput!]!) { createAllocations(input: $input) { allocations { id version year } } }`
)

// TestValidationRules checks every validation rule of the mutations with a failing and a
// passing input: the failing one is refused as BAD_USER_INPUT (or CONFLICT) naming the
// field at fault and writes nothing, the passing one is stored.
func TestValidationRules(t *testing.T) {
	m := newMutAPI(t, false)

	// A yen fund, for the currency without minor units.
	var jpy struct {
		CreateTrustFund struct{ TrustFund struct{ ID, Currency string } }
	}
	m.ok(t, m.editor, createTrustFundM, inputVars(withFields(fundInput(), "name", "Yen test fund", "currency", "JPY", "startsOn", "2020-01-01")), &jpy)
	jpyFundID := jpy.CreateTrustFund.TrustFund.ID

	long := strings.Repeat("é", 201) // 201 characters, 402 bytes
	rules := []struct {
		name      string
		mutation  string
		list      string // the list whose totalCount a refused input must not change
		bad, good map[string]any
		code      string // BAD_USER_INPUT unless set
		field     string // extensions.field of the refusal
		message   string // a part of the refusal's message
	}{
		{"required name", createDonorM, "donors",
			withFields(donorInput(), "name", ""), donorInput(), "", "input.name", "must not be empty"},
		{"blank name", createDonorM, "donors",
			withFields(donorInput(), "name", "   "), donorInput(), "", "input.name", "must not be empty"},
		{"name of 201 characters", createDonorM, "donors",
			withFields(donorInput(), "name", long), withFields(donorInput(), "name", long[len("é"):]), "", "input.name", "at most 200 characters, got 201"},
		{"short name of 51 characters", createDonorM, "donors",
			withFields(donorInput(), "shortName", strings.Repeat("x", 51)), withFields(donorInput(), "shortName", strings.Repeat("x", 50)), "", "input.shortName", "at most 50 characters, got 51"},
		{"unknown home country", createDonorM, "donors",
			withFields(donorInput(), "homeCountryCode", "XX"), withFields(donorInput(), "homeCountryCode", "MW"), "", "input.homeCountryCode", `"XX" is not a known ISO 3166-1 country code`},
		{"lower-case home country", createDonorM, "donors",
			withFields(donorInput(), "homeCountryCode", "mw"), withFields(donorInput(), "homeCountryCode", "MW"), "", "input.homeCountryCode", "two upper-case letters"},
		{"unknown partner country", createDonorM, "donors",
			withFields(donorInput(), "partnerCountryCodes", []string{"MW", "XX"}), withFields(donorInput(), "partnerCountryCodes", []string{"MW", "MZ"}), "", "input.partnerCountryCodes[1]", "not a known ISO 3166-1 country code"},
		{"cooperation year out of range", createDonorM, "donors",
			withFields(donorInput(), "cooperatingSince", 1899), withFields(donorInput(), "cooperatingSince", 1900), "", "input.cooperatingSince", "from 1900 to 2100"},
		{"currency of four letters", createTrustFundM, "trustFunds",
			withFields(fundInput(), "currency", "EURO"), withFields(fundInput(), "currency", "EUR"), "", "input.currency", `"EURO" is not a current ISO 4217 currency code`},
		{"unknown currency", createTrustFundM, "trustFunds",
			withFields(fundInput(), "currency", "XYZ"), withFields(fundInput(), "currency", "USD"), "", "input.currency", `"XYZ" is not a current ISO 4217 currency code`},
		{"fund ending before it starts", createTrustFundM, "trustFunds",
			withFields(fundInput(), "endsOn", "2023-12-31"), withFields(fundInput(), "endsOn", "2024-01-01"), "", "input.endsOn", "before startsOn"},
		{"three decimals in EUR", createAllocationM, "allocations",
			allocationInput("0.001", "EUR"), allocationInput("12.50", "EUR"), "", "input.amount.amount", "has 3 decimals, but EUR amounts have at most 2"},
		{"decimals in JPY", createAllocationM, "allocations",
			withFields(allocationInput("12.5", "JPY"), "trustFundId", jpyFundID), withFields(allocationInput("12", "JPY"), "trustFundId", jpyFundID), "", "input.amount.amount", "JPY amounts are whole numbers"},
		{"negative amount", createAllocationM, "allocations",
			allocationInput("-5", "EUR"), allocationInput("0", "EUR"), "", "input.amount.amount", "must not be negative"},
		{"amount that is no number", createAllocationM, "allocations",
			allocationInput("1e5", "EUR"), allocationInput("100000", "EUR"), "", "input.amount.amount", "not a decimal number"},
		{"year before the fund's period", createAllocationM, "allocations",
			withFields(allocationInput("10.00", "EUR"), "year", 1999), withFields(allocationInput("10.00", "EUR"), "year", 2001), "", "input.year", "1999 is before the trust fund's period, which starts in 2001"},
		{"year after the fund's period", createAllocationM, "allocations",
			withFields(allocationInput("10.00", "EUR"), "year", 2028), withFields(allocationInput("10.00", "EUR"), "year", 2027), "", "input.year", "2028 is after the trust fund's period, which ends in 2027"},
		{"currency other than the fund's", createAllocationM, "allocations",
			allocationInput("10.00", "USD"), allocationInput("10.00", "EUR"), "", "input.amount.currency", "the amount is in USD but the trust fund is in EUR"},
		{"unknown trust fund", createAllocationM, "allocations",
			withFields(allocationInput("10.00", "EUR"), "trustFundId", missingFundID), allocationInput("10.00", "EUR"), "", "input.trustFundId", "no trust fund has this id"},
		{"unknown project", createAllocationM, "allocations",
			withFields(allocationInput("10.00", "EUR"), "projectId", missingProjectID), allocationInput("10.00", "EUR"), "", "input.projectId", "no project has this id"},
		{"project ending before it starts", createProjectM, "projects",
			withFields(projectInput("TST/01"), "startsOn", "2024-06-01", "endsOn", "2024-05-31"), withFields(projectInput("TST/01"), "startsOn", "2024-06-01", "endsOn", "2024-06-01"),
			"", "input.endsOn", "2024-05-31 is before startsOn (2024-06-01)"},
		{"shares adding up to 99.99", createProjectM, "projects",
			withFields(projectInput("TST/02"), "countries", shares("MW", "33.33", "MZ", "33.33", "ZA", "33.33")),
			withFields(projectInput("TST/02"), "countries", shares("MW", "33.34", "MZ", "33.33", "ZA", "33.33")), "", "input.countries", "99.99"},
		{"share of 0", createProjectM, "projects",
			withFields(projectInput("TST/03"), "countries", shares("MW", "0", "MZ", "100")),
			withFields(projectInput("TST/03"), "countries", shares("MW", "0.01", "MZ", "99.99")), "", "input.countries[0].share", "more than 0 and at most 100"},
		{"share of 100.01", createProjectM, "projects",
			withFields(projectInput("TST/04"), "countries", shares("MW", "100.01")),
			withFields(projectInput("TST/04"), "countries", shares("MW", "100")), "", "input.countries[0].share", "more than 0 and at most 100"},
		{"share with three decimals", createProjectM, "projects",
			withFields(projectInput("TST/05"), "countries", shares("MW", "33.333", "MZ", "33.333", "ZA", "33.334")),
			withFields(projectInput("TST/05"), "countries", shares("MW", "33.4", "MZ", "33.3", "ZA", "33.3")), "", "input.countries[0].share", "two decimals"},
		{"country listed twice", createProjectM, "projects",
			withFields(projectInput("TST/06"), "countries", shares("MW", "50", "MW", "50")),
			withFields(projectInput("TST/06"), "countries", shares("MW", "50", "MZ", "50")), "", "input.countries[1].countryCode", "listed twice"},
		{"unknown project country", createProjectM, "projects",
			withFields(projectInput("TST/07"), "countries", shares("MW", "50", "XX", "50")),
			withFields(projectInput("TST/07"), "countries", shares("MW", "50", "ZA", "50")), "", "input.countries[1].countryCode", "not a known ISO 3166-1 country code"},
		{"budget with three decimals", createProjectM, "projects",
			withFields(projectInput("TST/08"), "budget", map[string]any{"amount": "1.005", "currency": "EUR"}),
			withFields(projectInput("TST/08"), "budget", map[string]any{"amount": "1.05", "currency": "EUR"}), "", "input.budget.amount", "has 3 decimals"},
		{"project code taken", createProjectM, "projects",
			projectInput("GLO/22/01/FLA"), projectInput("GLO/22/99/FLA"), "CONFLICT", "input.code", "GLO/22/01/FLA is taken"},
		{"country code taken", createCountryM, "countries",
			countryInput("MW", "MWI", "Malawi again"), countryInput("XK", "XKX", "Kosovo"), "CONFLICT", "input.code", "exists already"},
		{"country code lower case", createCountryM, "countries",
			countryInput("xq", "XQA", "Testland"), countryInput("XQ", "XQA", "Testland"), "", "input.code", "two upper-case letters"},
		{"agreement of a donor that does not exist", createAgreementM, "agreements",
			withFields(agreementInput(), "donorId", missingDonorID), agreementInput(), "", "input.donorId", "no donor has this id"},
		{"agreement with a malformed donor id", createAgreementM, "agreements",
			withFields(agreementInput(), "donorId", "not-an-id!"), agreementInput(), "", "input.donorId", "is not a coopgraph id"},
		{"agreement with a project id as donor id", createAgreementM, "agreements",
			withFields(agreementInput(), "donorId", skillsProjectID), agreementInput(), "", "input.donorId", "is a Project id, not a Donor id"},
		{"fund with another donor's agreement", createTrustFundM, "trustFunds",
			withFields(fundInput(), "donorId", globalID(funding.TypeDonor, "netherlands"), "agreementIds", []string{flanders2011ID}),
			withFields(fundInput(), "agreementIds", []string{flanders2011ID}), "", "input.agreementIds[0]", "another donor's"},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			wantCode := r.code
			if wantCode == "" {
				wantCode = "BAD_USER_INPUT"
			}
			before, audit := m.count(t, r.list), len(m.auditLog(t, nil))
			_, e := m.fail(t, m.editor, r.mutation, inputVars(r.bad))
			checkError(t, e, wantCode, r.field, r.message)
			if n := m.count(t, r.list); n != before {
				t.Errorf("refused input changed %s: totalCount %d, want %d", r.list, n, before)
			}
			if n := len(m.auditLog(t, nil)); n != audit {
				t.Errorf("refused input changed the audit log: %d entries, want %d", n, audit)
			}

			var ok map[string]any
			m.ok(t, m.editor, r.mutation, inputVars(r.good), &ok)
			if n := m.count(t, r.list); n != before+1 {
				t.Errorf("accepted input: %s totalCount %d, want %d", r.list, n, before+1)
			}
			if n := len(m.auditLog(t, nil)); n != audit+1 {
				t.Errorf("accepted input: %d audit entries, want %d", n, audit+1)
			}
		})
	}

	t.Run("all problems of one input together", func(t *testing.T) {
		before := m.count(t, "projects")
		bad := withFields(projectInput(""), "title", " ", "startsOn", "2024-06-01", "endsOn", "2024-01-01",
			"countries", shares("MW", "33.33", "XX", "33.33", "ZA", "33.33"))
		_, e := m.fail(t, m.editor, createProjectM, inputVars(bad))
		checkError(t, e, "BAD_USER_INPUT", "input.code", "must not be empty (and 4 more problems)")
		want := []string{"input.code", "input.title", "input.endsOn", "input.countries", "input.countries[1].countryCode"}
		if got := problemFields(e); !slices.Equal(got, want) {
			t.Errorf("problems name %q, want %q (%v)", got, want, e.Extensions["problems"])
		}
		if msg := problemMessage(e, "input.countries"); !strings.Contains(msg, "99.99") {
			t.Errorf("problem of input.countries is %q, want it to mention 99.99", msg)
		}
		if n := m.count(t, "projects"); n != before {
			t.Errorf("projects totalCount %d, want %d", n, before)
		}
	})

	t.Run("all problems together when a share does not parse", func(t *testing.T) {
		before := m.count(t, "projects")
		bad := withFields(projectInput("TST/09"), "title", "",
			"countries", shares("MW", "50.005", "XX", "49.995"))
		_, e := m.fail(t, m.editor, createProjectM, inputVars(bad))
		checkError(t, e, "BAD_USER_INPUT", "input.countries[0].share", "two decimals")
		got := problemFields(e)
		for _, f := range []string{"input.countries[0].share", "input.countries[1].share", "input.title", "input.countries[1].countryCode"} {
			if !slices.Contains(got, f) {
				t.Errorf("problems %q do not name %s", got, f)
			}
		}
		// Neither share is 0: a share that does not parse must not be checked as one.
		for _, p := range e.Extensions["problems"].([]any) {
			if msg := p.(map[string]any)["message"].(string); strings.Contains(msg, "got 0.00") || strings.Contains(msg, "up to 0.00") {
				t.Errorf("problem %v treats a share that did not parse as 0", p)
			}
		}
		if n := m.count(t, "projects"); n != before {
			t.Errorf("projects totalCount %d, want %d", n, before)
		}
	})
}

// TestConcurrentUpdates sends 20 updates of one project based on the same version at
// once: exactly one is stored, the others are refused as stale, and the audit log has
// the one change.
func TestConcurrentUpdates(t *testing.T) {
	m := newMutAPI(t, false)
	var p struct {
		Project struct {
			Title   string
			Version int
		}
	}
	m.ok(t, m.editor, `query($id: ID!) { project(id: $id) { title version } }`, map[string]any{"id": skillsProjectID}, &p)
	oldTitle, expected := p.Project.Title, p.Project.Version

	const n = 20
	type result struct {
		status int
		resp   gqlResponse
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := map[string]any{"id": skillsProjectID, "expectedVersion": expected, "title": fmt.Sprintf("Concurrent title %02d", i)}
			results[i].status, results[i].resp = postKey(t, m.h, m.editor, updateProjectM, inputVars(in))
		}()
	}
	close(start)
	wg.Wait()

	var winners []string      // the titles of the updates that succeeded
	conflicts := 0            // the updates refused as stale
	wrongFields := []string{} // conflicts reported on another field than input.expectedVersion
	for i, r := range results {
		switch {
		case r.status == http.StatusOK && len(r.resp.Errors) == 0:
			winners = append(winners, fmt.Sprintf("Concurrent title %02d", i))
			var d struct {
				UpdateProject struct {
					Project struct {
						Title   string
						Version int
					}
				}
			}
			if err := json.Unmarshal(r.resp.Data, &d); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("Concurrent title %02d", i)
			if got := d.UpdateProject.Project; got.Title != want || got.Version != expected+1 {
				t.Errorf("winner's payload: title %q version %d, want %q and %d", got.Title, got.Version, want, expected+1)
			}
		case len(r.resp.Errors) == 1 && r.resp.Errors[0].Extensions["code"] == "CONFLICT":
			conflicts++
			e := r.resp.Errors[0]
			if r.status != http.StatusOK {
				t.Errorf("update %d: HTTP %d for a conflict, want 200", i, r.status)
			}
			if cv, _ := e.Extensions["currentVersion"].(float64); int(cv) != expected+1 {
				t.Errorf("update %d: currentVersion %v, want %d", i, e.Extensions["currentVersion"], expected+1)
			}
			if f := e.Extensions["field"]; f != "input.expectedVersion" {
				wrongFields = append(wrongFields, fmt.Sprintf("update %d: %v (%s)", i, f, e.Message))
			}
		default:
			t.Errorf("update %d: HTTP %d, errors %+v", i, r.status, r.resp.Errors)
		}
	}
	if len(wrongFields) > 0 {
		t.Errorf("%d of %d conflicts name another field than input.expectedVersion, e.g. %s", len(wrongFields), conflicts, wrongFields[0])
	}
	if len(winners) != 1 || conflicts != n-1 {
		t.Errorf("%d updates succeeded (%q) and %d conflicted, want 1 and %d", len(winners), winners, conflicts, n-1)
	}
	if len(winners) == 0 {
		t.FailNow()
	}

	var stored struct {
		Project struct {
			Title   string
			Version int
			History struct{ Nodes []mutAuditEntry }
		}
	}
	m.ok(t, m.editor, `query($id: ID!) { project(id: $id) { title version
		history { nodes { action actor version entityId entityType fields before after } } } }`,
		map[string]any{"id": skillsProjectID}, &stored)
	// With exactly one winner, the stored title is its title.
	winnerTitle := stored.Project.Title
	if !slices.Contains(winners, winnerTitle) || stored.Project.Version != expected+1 {
		t.Errorf("stored project: title %q version %d, want a winner's title (%q) and %d", winnerTitle, stored.Project.Version, winners, expected+1)
	}

	logged := m.auditLog(t, map[string]any{"entityId": skillsProjectID})
	for name, entries := range map[string][]mutAuditEntry{"history": stored.Project.History.Nodes, "auditLog": logged} {
		if len(entries) != 1 {
			t.Errorf("%s has %d entries, want 1: %s", name, len(entries), titleChanges(entries))
			continue
		}
		e := entries[0]
		if e.Action != "UPDATE" || e.Actor != "editor" || e.Version != expected+1 || e.EntityID != skillsProjectID || e.EntityType != "Project" {
			t.Errorf("%s entry: %s by %s, version %d, %s %s; want UPDATE by editor, version %d, Project %s",
				name, e.Action, e.Actor, e.Version, e.EntityType, e.EntityID, expected+1, skillsProjectID)
		}
		// The service records fields by their names in the schema ("title") and
		// leaves out the bookkeeping (version and times).
		if !slices.Equal(e.Fields, []string{"title"}) {
			t.Errorf("%s entry: fields %q, want [title]", name, e.Fields)
		}
		if e.Before["title"] != oldTitle || e.After["title"] != winnerTitle {
			t.Errorf("%s entry: title %v → %v, want %q → %q", name, e.Before["title"], e.After["title"], oldTitle, winnerTitle)
		}
	}
}

// TestDeleteRefusedWhileReferenced deletes what is still referred to (refused, nothing
// changes), then goes through a whole delete: stale version, delete, delete again.
func TestDeleteRefusedWhileReferenced(t *testing.T) {
	m := newMutAPI(t, false)
	before := m.totals(t)

	var refs struct {
		Donor struct {
			Version    int
			Agreements struct{ TotalCount int }
			TrustFunds struct{ TotalCount int }
		}
		Project struct {
			Version     int
			Allocations struct{ TotalCount int }
		}
		TrustFund struct {
			Version     int
			Allocations struct{ TotalCount int }
		}
	}
	m.ok(t, m.editor, `query($d: ID!, $p: ID!, $f: ID!) {
		donor(id: $d) { version agreements { totalCount } trustFunds { totalCount } }
		project(id: $p) { version allocations { totalCount } }
		trustFund(id: $f) { version allocations { totalCount } } }`,
		map[string]any{"d": flandersID, "p": skillsProjectID, "f": flandersFundID}, &refs)
	if refs.Donor.Agreements.TotalCount != 3 || refs.Donor.TrustFunds.TotalCount != 1 || refs.Project.Allocations.TotalCount != 4 {
		t.Fatalf("demo data changed: %+v", refs)
	}

	t.Run("donor with agreements and a trust fund", func(t *testing.T) {
		_, e := m.fail(t, m.editor, deleteDonorM, inputVars(map[string]any{"id": flandersID, "expectedVersion": refs.Donor.Version}))
		checkError(t, e, "CONFLICT", "input.id", "3 agreements and 1 trust fund")
	})
	t.Run("project with allocations", func(t *testing.T) {
		_, e := m.fail(t, m.editor, deleteProjectM, inputVars(map[string]any{"id": skillsProjectID, "expectedVersion": refs.Project.Version}))
		checkError(t, e, "CONFLICT", "input.id", "4 allocations")
	})
	t.Run("trust fund with allocations", func(t *testing.T) {
		_, e := m.fail(t, m.editor, deleteTrustFundM, inputVars(map[string]any{"id": flandersFundID, "expectedVersion": refs.TrustFund.Version}))
		checkError(t, e, "CONFLICT", "input.id", fmt.Sprintf("%d allocations", refs.TrustFund.Allocations.TotalCount))
	})
	if after := m.totals(t); after != before {
		t.Errorf("refused deletes changed the totals: %+v, want %+v", after, before)
	}
	if log := m.auditLog(t, nil); len(log) != 0 {
		t.Errorf("refused deletes wrote %d audit entries: %+v", len(log), log)
	}

	t.Run("delete chain", func(t *testing.T) {
		var c struct {
			CreateDonor struct {
				Donor struct {
					ID      string
					Version int
				}
			}
		}
		m.ok(t, m.editor, createDonorM, inputVars(donorInput()), &c)
		id := c.CreateDonor.Donor.ID
		var u struct {
			UpdateDonor struct{ Donor struct{ Version int } }
		}
		m.ok(t, m.editor, updateDonorM, inputVars(map[string]any{"id": id, "expectedVersion": 1, "shortName": "Changed"}), &u)
		if u.UpdateDonor.Donor.Version != 2 {
			t.Fatalf("version after one update = %d, want 2", u.UpdateDonor.Donor.Version)
		}

		_, e := m.fail(t, m.editor, deleteDonorM, inputVars(map[string]any{"id": id, "expectedVersion": 1}))
		checkError(t, e, "CONFLICT", "input.expectedVersion", "version 2, not 1")
		if cv, _ := e.Extensions["currentVersion"].(float64); cv != 2 {
			t.Errorf("currentVersion = %v, want 2", e.Extensions["currentVersion"])
		}
		if n := m.count(t, "donors"); n != before.Donors.TotalCount+1 {
			t.Errorf("a stale delete changed the donors: %d, want %d", n, before.Donors.TotalCount+1)
		}

		var d struct{ DeleteDonor struct{ DeletedID string } }
		m.ok(t, m.editor, deleteDonorM, inputVars(map[string]any{"id": id, "expectedVersion": 2}), &d)
		if d.DeleteDonor.DeletedID != id {
			t.Errorf("deletedId = %q, want %q", d.DeleteDonor.DeletedID, id)
		}
		var gone struct{ Donor *struct{ ID string } }
		m.ok(t, m.editor, `query($id: ID!) { donor(id: $id) { id } }`, map[string]any{"id": id}, &gone)
		if gone.Donor != nil {
			t.Errorf("donor(id) after the delete = %+v, want null", gone.Donor)
		}
		if n := m.count(t, "donors"); n != before.Donors.TotalCount {
			t.Errorf("donors totalCount after the delete = %d, want %d", n, before.Donors.TotalCount)
		}

		_, e = m.fail(t, m.editor, deleteDonorM, inputVars(map[string]any{"id": id, "expectedVersion": 2}))
		checkError(t, e, "NOT_FOUND", "input.id", "no such object")

		log := m.auditLog(t, map[string]any{"entityId": id})
		var actions []string
		for _, e := range log {
			actions = append(actions, fmt.Sprintf("%s %d", e.Action, e.Version))
		}
		if want := []string{"DELETE 2", "UPDATE 2", "CREATE 1"}; !slices.Equal(actions, want) {
			t.Errorf("audit log of the donor: %q, want %q", actions, want)
		}
		if len(log) == 3 && (log[0].After != nil || log[0].Before["shortName"] != "Changed") {
			t.Errorf("delete entry: before %v, after %v; want the donor before and nothing after", log[0].Before, log[0].After)
		}
	})
}

// TestAuthRefusals checks who may do what: mutations need EDITOR, the audit log ADMIN,
// history EDITOR; reads are public unless the server requires keys for them.
func TestAuthRefusals(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	kr, keys := newKeys(t)
	m := &mutAPI{h: newKeyedHandler(s, kr, false), viewer: keys[auth.Viewer], editor: keys[auth.Editor], admin: keys[auth.Admin]}
	strict := newKeyedHandler(s, kr, true)
	keyless := newKeyedHandler(s, nil, false)
	donorsBefore := m.count(t, "donors")
	create := inputVars(donorInput())

	t.Run("mutation without a key", func(t *testing.T) {
		status, e := m.failOn(t, m.h, "", createDonorM, create)
		checkStatus(t, status, http.StatusUnauthorized)
		checkError(t, e, "UNAUTHENTICATED", "", "Authorization: Bearer <key>")
	})
	t.Run("mutation with a wrong key", func(t *testing.T) {
		status, e := m.failOn(t, m.h, "cgk_not-a-key", createDonorM, create)
		checkStatus(t, status, http.StatusUnauthorized)
		checkError(t, e, "UNAUTHENTICATED", "", "not valid")
	})
	t.Run("mutation with a VIEWER key", func(t *testing.T) {
		status, e := m.failOn(t, m.h, m.viewer, createDonorM, create)
		checkStatus(t, status, http.StatusOK)
		checkError(t, e, "FORBIDDEN", "", "needs role EDITOR")
	})
	t.Run("mutation on a server without keys", func(t *testing.T) {
		status, e := m.failOn(t, keyless, "", createDonorM, create)
		checkStatus(t, status, http.StatusUnauthorized)
		checkError(t, e, "UNAUTHENTICATED", "", "coopgraph keys add")
		status, e = m.failOn(t, keyless, m.editor, createDonorM, create)
		checkStatus(t, status, http.StatusUnauthorized)
		checkError(t, e, "UNAUTHENTICATED", "", "not valid")
	})
	if n := m.count(t, "donors"); n != donorsBefore {
		t.Errorf("refused mutations changed the donors: %d, want %d", n, donorsBefore)
	}
	if log := m.auditLog(t, nil); len(log) != 0 {
		t.Errorf("refused mutations wrote %d audit entries: %+v", len(log), log)
	}

	const read = `{ donors { totalCount } }`
	t.Run("reads are public by default", func(t *testing.T) {
		status, r := postKey(t, m.h, "", read, nil)
		if status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("read without a key: HTTP %d, errors %+v", status, r.Errors)
		}
	})
	t.Run("reads with RequireAuthForReads", func(t *testing.T) {
		status, r := postKey(t, strict, "", read, nil)
		checkStatus(t, status, http.StatusUnauthorized)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("read without a key: errors %+v, want one UNAUTHENTICATED", r.Errors)
		}
		status, r = postKey(t, strict, "cgk_not-a-key", read, nil)
		checkStatus(t, status, http.StatusUnauthorized)
		var got struct{ Donors struct{ TotalCount int } }
		status, r = postKey(t, strict, m.viewer, read, nil)
		if status != http.StatusOK || len(r.Errors) > 0 || json.Unmarshal(r.Data, &got) != nil || got.Donors.TotalCount != donorsBefore {
			t.Errorf("read with a VIEWER key: HTTP %d, errors %+v, data %s", status, r.Errors, r.Data)
		}
	})
	t.Run("auditLog needs ADMIN", func(t *testing.T) {
		const q = `{ auditLog { nodes { action } } }`
		status, e := m.failOn(t, m.h, m.editor, q, nil)
		checkStatus(t, status, http.StatusOK)
		checkError(t, e, "FORBIDDEN", "", "needs role ADMIN")
		status, r := postKey(t, m.h, m.admin, q, nil)
		if status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("auditLog with an ADMIN key: HTTP %d, errors %+v", status, r.Errors)
		}
	})
	t.Run("history needs EDITOR", func(t *testing.T) {
		const q = `query($id: ID!) { donor(id: $id) { history { nodes { action } } } }`
		status, r := postKey(t, m.h, m.viewer, q, map[string]any{"id": flandersID})
		checkStatus(t, status, http.StatusOK)
		if len(r.Errors) != 1 {
			t.Fatalf("history with a VIEWER key: errors %+v, want one", r.Errors)
		}
		checkError(t, r.Errors[0], "FORBIDDEN", "", "needs role EDITOR")
		for _, key := range []string{m.editor, m.admin} {
			status, r = postKey(t, m.h, key, q, map[string]any{"id": flandersID})
			if status != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("history with an EDITOR or ADMIN key: HTTP %d, errors %+v", status, r.Errors)
			}
		}
	})
}

// TestMutationsRoundTrip creates a whole chain, donor to allocation, adds allocations in
// batches, changes the donor and the project's countries, and walks the new objects
// through the graph.
func TestMutationsRoundTrip(t *testing.T) {
	m := newMutAPI(t, false)

	var d struct {
		CreateDonor struct{ Donor mutDonor }
	}
	m.ok(t, m.editor, `mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { `+donorFields+` } } }`,
		inputVars(map[string]any{"name": "Government of Testland", "shortName": "Testland", "type": "GOVERNMENT",
			"homeCountryCode": "BE", "cooperatingSince": 2020, "partnerCountryCodes": []string{"MW", "MZ"}, "description": "A donor for tests."}), &d)
	donor := d.CreateDonor.Donor
	if donor.Version != 1 || !donor.CreatedAt.Equal(donor.UpdatedAt) || donor.Name != "Government of Testland" ||
		donor.HomeCountry.Code != "BE" || !slices.Equal(donor.partners(), []string{"MW", "MZ"}) {
		t.Fatalf("created donor: %+v", donor)
	}

	var a struct {
		CreateAgreement struct{ Agreement struct{ ID string } }
	}
	m.ok(t, m.editor, createAgreementM, inputVars(withFields(agreementInput(), "donorId", donor.ID, "startsOn", "2024-01-01", "endsOn", "2028-12-31")), &a)
	agreementID := a.CreateAgreement.Agreement.ID

	var f struct {
		CreateTrustFund struct{ TrustFund struct{ ID string } }
	}
	m.ok(t, m.editor, createTrustFundM, inputVars(withFields(fundInput(), "donorId", donor.ID, "agreementIds", []string{agreementID},
		"name", "Testland Trust Fund", "startsOn", "2024-01-01", "endsOn", "2028-12-31")), &f)
	fundID := f.CreateTrustFund.TrustFund.ID

	var p struct{ CreateProject struct{ Project mutProject } }
	m.ok(t, m.editor, `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { `+projectFields+` } } }`,
		inputVars(withFields(projectInput("TST/24/01/TST"), "budget", map[string]any{"amount": "1000000", "currency": "EUR"},
			"countries", shares("MW", "60", "MZ", "40"))), &p)
	project := p.CreateProject.Project
	if got := project.shares(); got != "MW 60, MZ 40" || project.Budget.Amount != "1000000.00" || project.Version != 1 {
		t.Fatalf("created project: shares %s, budget %+v, version %d", got, project.Budget, project.Version)
	}

	allocation := func(year int, amount string) map[string]any {
		return withFields(allocationInput(amount, "EUR"), "trustFundId", fundID, "projectId", project.ID, "year", year)
	}
	m.ok(t, m.editor, createAllocationM, inputVars(allocation(2024, "250000.00")), &struct{}{})

	t.Run("batch of three", func(t *testing.T) {
		before := m.count(t, "allocations")
		var b struct {
			CreateAllocations struct {
				Allocations []struct {
					ID            string
					Version, Year int
				}
			}
		}
		m.ok(t, m.editor, createAllocationsM, inputVars([]any{allocation(2025, "100000.00"), allocation(2026, "100000"), allocation(2027, "50000.5")}), &b)
		var ids []string
		for i, x := range b.CreateAllocations.Allocations {
			ids = append(ids, x.ID)
			if x.Version != 1 || x.Year != 2025+i {
				t.Errorf("allocation %d: version %d year %d, want 1 and %d", i, x.Version, x.Year, 2025+i)
			}
		}
		if len(ids) != 3 {
			t.Fatalf("batch returned %d allocations, want 3", len(ids))
		}
		if n := m.count(t, "allocations"); n != before+3 {
			t.Errorf("allocations totalCount %d, want %d", n, before+3)
		}
		var logged []string
		for _, e := range m.auditLog(t, map[string]any{"entityType": "Allocation", "action": "CREATE"}) {
			if slices.Contains(ids, e.EntityID) {
				logged = append(logged, e.EntityID)
			}
		}
		if slices.Sort(logged); !slices.Equal(logged, slices.Sorted(slices.Values(ids))) {
			t.Errorf("audit log has CREATE entries for %q, want one for each of %q", logged, ids)
		}
	})

	for _, c := range []struct {
		name        string
		item        map[string]any
		field, text string
	}{
		{"batch with a year outside the fund's period", allocation(2030, "1.00"), "input[1].year", "after the trust fund's period"},
		{"batch with an amount in another currency", withFields(allocation(2025, "1.00"), "amount", map[string]any{"amount": "1.00", "currency": "USD"}), "input[1].amount.currency", "trust fund is in EUR"},
		{"batch with three decimals", allocation(2025, "1.001"), "input[1].amount.amount", "has 3 decimals"},
		{"batch with an unknown project", withFields(allocation(2025, "1.00"), "projectId", missingProjectID), "input[1].projectId", "no project has this id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, audit := m.count(t, "allocations"), len(m.auditLog(t, nil))
			_, e := m.fail(t, m.editor, createAllocationsM, inputVars([]any{allocation(2025, "1.00"), c.item, allocation(2026, "1.00")}))
			checkError(t, e, "BAD_USER_INPUT", c.field, c.text)
			if got := problemFields(e); !slices.Equal(got, []string{c.field}) {
				t.Errorf("problems name %q, want only %s", got, c.field)
			}
			if n := m.count(t, "allocations"); n != before {
				t.Errorf("a refused batch changed the allocations: %d, want %d", n, before)
			}
			if n := len(m.auditLog(t, nil)); n != audit {
				t.Errorf("a refused batch changed the audit log: %d entries, want %d", n, audit)
			}
		})
	}

	t.Run("updateDonor changes only the given field", func(t *testing.T) {
		var u struct{ UpdateDonor struct{ Donor mutDonor } }
		m.ok(t, m.editor, `mutation($input: UpdateDonorInput!) { updateDonor(input: $input) { donor { `+donorFields+` } } }`,
			inputVars(map[string]any{"id": donor.ID, "expectedVersion": 1, "description": "Changed."}), &u)
		var r struct{ Donor mutDonor }
		m.ok(t, m.editor, `query($id: ID!) { donor(id: $id) { `+donorFields+` } }`, map[string]any{"id": donor.ID}, &r)
		for _, got := range []mutDonor{u.UpdateDonor.Donor, r.Donor} {
			want := donor
			want.Description, want.Version, want.UpdatedAt = "Changed.", 2, got.UpdatedAt
			if !got.equal(want) {
				t.Errorf("donor after the update:\n got %+v\nwant %+v", got, want)
			}
			if !got.UpdatedAt.After(got.CreatedAt) || !got.CreatedAt.Equal(donor.CreatedAt) {
				t.Errorf("createdAt %v updatedAt %v: want updatedAt after createdAt %v", got.CreatedAt, got.UpdatedAt, donor.CreatedAt)
			}
		}
	})

	t.Run("setProjectCountries replaces the shares", func(t *testing.T) {
		var s struct{ SetProjectCountries struct{ Project mutProject } }
		m.ok(t, m.editor, `mutation($input: SetProjectCountriesInput!) { setProjectCountries(input: $input) { project { `+projectFields+` } } }`,
			inputVars(map[string]any{"id": project.ID, "expectedVersion": 1, "countries": shares("ZA", "33.34", "MW", "33.33", "MZ", "33.33")}), &s)
		var r struct{ Project mutProject }
		m.ok(t, m.editor, `query($id: ID!) { project(id: $id) { `+projectFields+` } }`, map[string]any{"id": project.ID}, &r)
		for _, got := range []mutProject{s.SetProjectCountries.Project, r.Project} {
			if got.shares() != "ZA 33.34, MW 33.33, MZ 33.33" || got.Version != 2 || got.Title != project.Title || got.Budget != project.Budget {
				t.Errorf("project after setProjectCountries: shares %s, version %d, title %q, budget %+v", got.shares(), got.Version, got.Title, got.Budget)
			}
		}
	})

	t.Run("reachable through the graph", func(t *testing.T) {
		var g struct {
			Donor struct {
				Agreements struct{ Nodes []struct{ ID string } }
				TrustFunds struct {
					Nodes []struct {
						ID          string
						Agreements  struct{ Nodes []struct{ ID string } }
						Allocations struct {
							Nodes []struct {
								Year    int
								Amount  struct{ Amount, Currency string }
								Project struct {
									ID        string
									Code      string
									Countries []struct {
										Share   float64
										Country struct{ Code string }
									}
									Donors struct{ Nodes []struct{ ID string } }
								}
							}
						}
					}
				}
			}
		}
		m.ok(t, m.editor, `query($id: ID!) { donor(id: $id) {
			agreements(first: 5) { nodes { id } }
			trustFunds(first: 5) { nodes { id agreements(first: 5) { nodes { id } }
				allocations(first: 10, orderBy: [{field: YEAR}]) { nodes { year amount { amount currency }
					project { id code countries { share country { code } } donors(first: 5) { nodes { id } } } } } } } } }`,
			map[string]any{"id": donor.ID}, &g)
		if ags := g.Donor.Agreements.Nodes; len(ags) != 1 || ags[0].ID != agreementID {
			t.Errorf("donor → agreements = %+v, want [%s]", ags, agreementID)
		}
		funds := g.Donor.TrustFunds.Nodes
		if len(funds) != 1 || funds[0].ID != fundID || len(funds[0].Agreements.Nodes) != 1 || funds[0].Agreements.Nodes[0].ID != agreementID {
			t.Fatalf("donor → trustFunds = %+v, want [%s] under agreement %s", funds, fundID, agreementID)
		}
		var got []string
		for _, x := range funds[0].Allocations.Nodes {
			var cs []string
			for _, c := range x.Project.Countries {
				cs = append(cs, fmt.Sprintf("%s %g", c.Country.Code, c.Share))
			}
			sameProject := x.Project.ID == project.ID
			sameDonor := len(x.Project.Donors.Nodes) == 1 && x.Project.Donors.Nodes[0].ID == donor.ID
			got = append(got, fmt.Sprintf("%d %s %s → %s (same id %v) [%s] (donor ok %v)", x.Year, x.Amount.Amount, x.Amount.Currency,
				x.Project.Code, sameProject, strings.Join(cs, ", "), sameDonor))
		}
		tail := " → TST/24/01/TST (same id true) [ZA 33.34, MW 33.33, MZ 33.33] (donor ok true)"
		want := []string{
			"2024 250000.00 EUR" + tail,
			"2025 100000.00 EUR" + tail,
			"2026 100000.00 EUR" + tail,
			"2027 50000.50 EUR" + tail,
		}
		if !slices.Equal(got, want) {
			t.Errorf("donor → trustFunds → allocations → project → countries:\n got %q\nwant %q", got, want)
		}
	})
}

// ---------------------------------------------------------------------------------------
// Helpers

// mutAPI is the HTTP handler over a real store loaded with the demo data, with an API key
// of each role (named "viewer", "editor" and "admin").
type mutAPI struct {
	h                     http.Handler
	viewer, editor, admin string
}

func newMutAPI(t *testing.T, readsNeedKey bool) *mutAPI {
	t.Helper()
	s, _ := storetest.Open(t, seed.Flanders())
	kr, keys := newKeys(t)
	return &mutAPI{h: newKeyedHandler(s, kr, readsNeedKey), viewer: keys[auth.Viewer], editor: keys[auth.Editor], admin: keys[auth.Admin]}
}

// newKeys writes a keys file with a key of each role, named after the role in lower case,
// and loads it.
func newKeys(t *testing.T) (*auth.Keyring, map[auth.Role]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.json")
	keys := map[auth.Role]string{}
	for _, role := range []auth.Role{auth.Viewer, auth.Editor, auth.Admin} {
		key, err := auth.AddKey(path, strings.ToLower(string(role)), role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		keys[role] = key
	}
	kr, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return kr, keys
}

// newKeyedHandler is the API over s with the keys kr (nil: none configured).
func newKeyedHandler(s *mongostore.Store, kr *auth.Keyring, readsNeedKey bool) http.Handler {
	return server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewID: mongostore.NewID, Keys: kr, RequireAuthForReads: readsNeedKey,
	})
}

// postKey posts a GraphQL request to h with the key as `Authorization: Bearer <key>` (none if
// empty) and returns the HTTP status and the decoded response. It is safe to call from
// several goroutines.
func postKey(t testing.TB, h http.Handler, key, query string, vars map[string]any) (int, gqlResponse) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Errorf("response is not JSON: %v: %s", err, rec.Body.String())
	}
	return rec.Code, r
}

// ok sends a request that must succeed and decodes its data into out.
func (m *mutAPI) ok(t *testing.T, key, query string, vars map[string]any, out any) {
	t.Helper()
	status, r := postKey(t, m.h, key, query, vars)
	if status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("HTTP %d, errors %+v", status, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode data: %v: %s", err, r.Data)
	}
}

// fail sends a request that must fail with one error and no data, and returns the HTTP
// status and the error.
func (m *mutAPI) fail(t *testing.T, key, query string, vars map[string]any) (int, gqlError) {
	t.Helper()
	return m.failOn(t, m.h, key, query, vars)
}

func (m *mutAPI) failOn(t *testing.T, h http.Handler, key, query string, vars map[string]any) (int, gqlError) {
	t.Helper()
	status, r := postKey(t, h, key, query, vars)
	if len(r.Errors) != 1 {
		t.Fatalf("HTTP %d: want 1 error, got %+v (data %s)", status, r.Errors, r.Data)
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		t.Errorf("a refused request returned data %s", r.Data)
	}
	return status, r.Errors[0]
}

// count returns the totalCount of the top-level list field list.
func (m *mutAPI) count(t *testing.T, list string) int {
	t.Helper()
	var got map[string]struct{ TotalCount int }
	m.ok(t, m.admin, fmt.Sprintf(`{ %s { totalCount } }`, list), nil, &got)
	return got[list].TotalCount
}

// mutTotals are the sizes of the lists a delete could change.
type mutTotals struct {
	Donors, Agreements, TrustFunds, Projects, Allocations struct{ TotalCount int }
}

func (m *mutAPI) totals(t *testing.T) mutTotals {
	t.Helper()
	var got mutTotals
	m.ok(t, m.admin, `{ donors { totalCount } agreements { totalCount } trustFunds { totalCount }
		projects { totalCount } allocations { totalCount } }`, nil, &got)
	return got
}

// mutAuditEntry is an AuditEntry as the API returns it.
type mutAuditEntry struct {
	Action, Actor, EntityID, EntityType string
	Version                             int
	Fields                              []string
	Before, After                       map[string]any
}

// auditLog returns the first 100 audit entries that match filter (nil: all), newest first.
func (m *mutAPI) auditLog(t *testing.T, filter map[string]any) []mutAuditEntry {
	t.Helper()
	var got struct {
		AuditLog struct{ Nodes []mutAuditEntry }
	}
	m.ok(t, m.admin, `query($filter: AuditFilter) { auditLog(filter: $filter, first: 100) {
		nodes { action actor entityId entityType version fields before after } } }`, map[string]any{"filter": filter}, &got)
	return got.AuditLog.Nodes
}

// titleChanges describes audit entries by action, version and title, e.g.
// "UPDATE v2 "A" → "B"".
func titleChanges(entries []mutAuditEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s v%d %q → %q", e.Action, e.Version, e.Before["title"], e.After["title"]))
	}
	return strings.Join(out, "; ")
}

// checkError checks an error's code, field (none if empty) and that its message contains
// text.
func checkError(t *testing.T, e gqlError, code, field, text string) {
	t.Helper()
	if got := e.Extensions["code"]; got != code {
		t.Errorf("code %v, want %s (%s)", got, code, e.Message)
	}
	if field != "" && e.Extensions["field"] != field {
		t.Errorf("field %v, want %s (%s; problems %v)", e.Extensions["field"], field, e.Message, e.Extensions["problems"])
	}
	if !strings.Contains(e.Message, text) {
		t.Errorf("message %q does not contain %q", e.Message, text)
	}
}

func checkStatus(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("HTTP status %d, want %d", got, want)
	}
}

// problemFields lists the fields of an error's extensions.problems, in order.
func problemFields(e gqlError) []string {
	var out []string
	ps, _ := e.Extensions["problems"].([]any)
	for _, p := range ps {
		f, _ := p.(map[string]any)["field"].(string)
		out = append(out, f)
	}
	return out
}

// problemMessage is the message of the first problem of field.
func problemMessage(e gqlError, field string) string {
	ps, _ := e.Extensions["problems"].([]any)
	for _, p := range ps {
		if p := p.(map[string]any); p["field"] == field {
			s, _ := p["message"].(string)
			return s
		}
	}
	return ""
}

// inputVars is the variables of a mutation with one argument, input.
func inputVars(input any) map[string]any { return map[string]any{"input": input} }

// withFields returns a copy of input with the keys and values kv (key, value, key, value...) set.
func withFields(input map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(input)+len(kv)/2)
	for k, v := range input {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// Valid inputs, to change one field of at a time.

func donorInput() map[string]any {
	return map[string]any{"name": "Test donor", "shortName": "Test", "type": "FOUNDATION"}
}

func countryInput(code, iso3, name string) map[string]any {
	return map[string]any{"code": code, "iso3": iso3, "name": name}
}

func agreementInput() map[string]any {
	return map[string]any{"donorId": flandersID, "counterpart": "ILO", "title": "Test agreement",
		"signedOn": "2023-12-01", "startsOn": "2024-01-01"}
}

func fundInput() map[string]any {
	return map[string]any{"donorId": flandersID, "name": "Test fund", "establishedOn": "2023-12-15",
		"startsOn": "2024-01-01", "currency": "EUR", "status": "ACTIVE"}
}

func projectInput(code string) map[string]any {
	return map[string]any{"code": code, "title": "Test project", "status": "ACTIVE", "startsOn": "2024-01-01",
		"endsOn": "2025-12-31", "implementingAgency": "ILO"}
}

// allocationInput is an allocation of amount from the Flanders fund to the skills project
// in 2024.
func allocationInput(amount, currency string) map[string]any {
	return map[string]any{"trustFundId": flandersFundID, "projectId": skillsProjectID, "year": 2024,
		"amount": map[string]any{"amount": amount, "currency": currency}, "implementingAgency": "ILO"}
}

// shares is a list of ProjectCountryInput from pairs of country code and share.
func shares(codeShare ...string) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(codeShare); i += 2 {
		out = append(out, map[string]any{"countryCode": codeShare[i], "share": codeShare[i+1]})
	}
	return out
}

const donorFields = `id version createdAt updatedAt name shortName type homeCountry { code } cooperatingSince
	partnerCountries { code } description`

// mutDonor is a Donor as donorFields selects it.
type mutDonor struct {
	ID, Name, ShortName, Type, Description string
	Version                                int
	CreatedAt, UpdatedAt                   time.Time
	HomeCountry                            struct{ Code string }
	CooperatingSince                       int
	PartnerCountries                       []struct{ Code string }
}

func (d mutDonor) partners() []string {
	var out []string
	for _, c := range d.PartnerCountries {
		out = append(out, c.Code)
	}
	return out
}

func (d mutDonor) equal(o mutDonor) bool {
	return d.ID == o.ID && d.Name == o.Name && d.ShortName == o.ShortName && d.Type == o.Type &&
		d.Description == o.Description && d.Version == o.Version && d.CreatedAt.Equal(o.CreatedAt) &&
		d.UpdatedAt.Equal(o.UpdatedAt) && d.HomeCountry == o.HomeCountry && d.CooperatingSince == o.CooperatingSince &&
		slices.Equal(d.partners(), o.partners())
}

const projectFields = `id version code title budget { amount currency } countries { share country { code } }`

// mutProject is a Project as projectFields selects it.
type mutProject struct {
	ID, Code, Title string
	Version         int
	Budget          struct{ Amount, Currency string }
	Countries       []struct {
		Share   float64
		Country struct{ Code string }
	}
}

// shares formats the project's countries as "MW 60, MZ 40".
func (p mutProject) shares() string {
	var out []string
	for _, c := range p.Countries {
		out = append(out, fmt.Sprintf("%s %g", c.Country.Code, c.Share))
	}
	return strings.Join(out, ", ")
}
