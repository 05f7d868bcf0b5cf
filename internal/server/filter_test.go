package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestFiltersMatchGo runs filters of every operator family through the top-level lists and
// compares the ids they return with the same filter evaluated in plain Go over the dataset.
func TestFiltersMatchGo(t *testing.T) {
	d := filterDataset()
	fx := newFilterFixture(d)
	a := newAPI(t, d)

	donor := func(id string) string { return globalID(funding.TypeDonor, id) }
	fund := func(id string) string { return globalID(funding.TypeTrustFund, id) }
	project := func(id string) string { return globalID(funding.TypeProject, id) }

	t.Run("projects", func(t *testing.T) {
		checkFilters(t, a, "projects", "ProjectFilter", d.Projects, func(p *funding.Project) string {
			return globalID(funding.TypeProject, p.ID)
		}, []filterCase[*funding.Project]{
			{"countryCode in", `{"countryCode": {"in": ["RE", "GF"]}}`, func(p *funding.Project) bool {
				return fx.inCountry(p, "RE") || fx.inCountry(p, "GF")
			}},
			{"countryCode ne", `{"countryCode": {"ne": "RE"}}`, func(p *funding.Project) bool {
				return !fx.inCountry(p, "RE")
			}},
			{"countryCode notIn", `{"countryCode": {"notIn": ["RE", "GF"]}}`, func(p *funding.Project) bool {
				return !fx.inCountry(p, "RE") && !fx.inCountry(p, "GF")
			}},
			{"not countryCode eq", `{"not": {"countryCode": {"eq": "RE"}}}`, func(p *funding.Project) bool {
				return !fx.inCountry(p, "RE")
			}},
			{"status eq", `{"status": {"eq": "ACTIVE"}}`, func(p *funding.Project) bool {
				return p.Status == funding.ProjectActive
			}},
			{"status ne", `{"status": {"ne": "COMPLETED"}}`, func(p *funding.Project) bool {
				return p.Status != funding.ProjectCompleted
			}},
			{"status notIn", `{"status": {"notIn": ["ACTIVE", "COMPLETED"]}}`, func(p *funding.Project) bool {
				return p.Status == funding.ProjectPipeline
			}},
			{"startsOn gte", `{"startsOn": {"gte": "2015-01-01"}}`, func(p *funding.Project) bool {
				return p.StartsOn.String() >= "2015-01-01"
			}},
			{"startsOn lt", `{"startsOn": {"lt": "2000-06-01"}}`, func(p *funding.Project) bool {
				return p.StartsOn.String() < "2000-06-01"
			}},
			{"startsOn gt and lte", `{"startsOn": {"gt": "2010-01-01", "lte": "2012-12-01"}}`, func(p *funding.Project) bool {
				s := p.StartsOn.String()
				return s > "2010-01-01" && s <= "2012-12-01"
			}},
			{"endsOn isNull true", `{"endsOn": {"isNull": true}}`, func(p *funding.Project) bool {
				return p.EndsOn.IsZero()
			}},
			{"endsOn isNull false", `{"endsOn": {"isNull": false}}`, func(p *funding.Project) bool {
				return !p.EndsOn.IsZero()
			}},
			{"endsOn lt leaves out open-ended", `{"endsOn": {"lt": "2030-01-01"}}`, func(p *funding.Project) bool {
				return !p.EndsOn.IsZero() && p.EndsOn.String() < "2030-01-01"
			}},
			{"theme eq", `{"theme": {"eq": "skills"}}`, func(p *funding.Project) bool {
				return slices.Contains(p.Themes, "skills")
			}},
			{"theme notIn", `{"theme": {"notIn": ["skills", "green jobs"]}}`, func(p *funding.Project) bool {
				return !slices.Contains(p.Themes, "skills") && !slices.Contains(p.Themes, "green jobs")
			}},
			{"implementingAgency in", `{"implementingAgency": {"in": ["ILO", "UNDP"]}}`, func(p *funding.Project) bool {
				return p.ImplementingAgency == "ILO" || p.ImplementingAgency == "UNDP"
			}},
			{"region eq", `{"region": {"eq": "Africa"}}`, func(p *funding.Project) bool {
				return fx.inRegion(p, "Africa")
			}},
			{"region in", `{"region": {"in": ["Oceania", "Europe"]}}`, func(p *funding.Project) bool {
				return fx.inRegion(p, "Oceania") || fx.inRegion(p, "Europe")
			}},
			{"region ne", `{"region": {"ne": "Africa"}}`, func(p *funding.Project) bool {
				return !fx.inRegion(p, "Africa")
			}},
			{"region notIn", `{"region": {"notIn": ["Africa", "Europe"]}}`, func(p *funding.Project) bool {
				return !fx.inRegion(p, "Africa") && !fx.inRegion(p, "Europe")
			}},
			{"donorId eq", fmt.Sprintf(`{"donorId": {"eq": %q}}`, donor("syn-donor-0007")), func(p *funding.Project) bool {
				return fx.projectDonors[p.ID]["syn-donor-0007"]
			}},
			{"trustFundId in", fmt.Sprintf(`{"trustFundId": {"in": [%q, %q]}}`, fund("syn-tf-00003"), fund("syn-tf-00013")), func(p *funding.Project) bool {
				return fx.projectFunds[p.ID]["syn-tf-00003"] || fx.projectFunds[p.ID]["syn-tf-00013"]
			}},
			{"title contains, other case", `{"title": {"contains": "SOCIAL Dialogue"}}`, func(p *funding.Project) bool {
				return strings.Contains(foldText(p.Title), "social dialogue")
			}},
			{"title contains, no accents", `{"title": {"contains": "MOCAMBIQUE"}}`, func(p *funding.Project) bool {
				return strings.Contains(foldText(p.Title), "mocambique")
			}},
			{"title contains, accents", `{"title": {"contains": "são tomé"}}`, func(p *funding.Project) bool {
				return strings.Contains(foldText(p.Title), "sao tome")
			}},
			{"title startsWith", `{"title": {"startsWith": "synthetic SKILLS"}}`, func(p *funding.Project) bool {
				return strings.HasPrefix(foldText(p.Title), "synthetic skills")
			}},
			{"code eq", `{"code": {"eq": "SYN/00042"}}`, func(p *funding.Project) bool {
				return p.Code == "SYN/00042"
			}},
			{"code in", `{"code": {"in": ["SYN/00001", "SYN/00150", "SYN/99999"]}}`, func(p *funding.Project) bool {
				return p.Code == "SYN/00001" || p.Code == "SYN/00150"
			}},
			{"id notIn", fmt.Sprintf(`{"id": {"notIn": [%q]}, "code": {"in": ["SYN/00001", "SYN/00002"]}}`, project("syn-proj-00001")), func(p *funding.Project) bool {
				return p.Code == "SYN/00002"
			}},
			{"two fields", `{"theme": {"eq": "skills"}, "region": {"eq": "Europe"}}`, func(p *funding.Project) bool {
				return slices.Contains(p.Themes, "skills") && fx.inRegion(p, "Europe")
			}},
			{"or", `{"or": [{"theme": {"eq": "green jobs"}}, {"countryCode": {"eq": "GF"}}]}`, func(p *funding.Project) bool {
				return slices.Contains(p.Themes, "green jobs") || fx.inCountry(p, "GF")
			}},
			{"and", `{"and": [{"status": {"eq": "ACTIVE"}}, {"implementingAgency": {"eq": "ILO"}}]}`, func(p *funding.Project) bool {
				return p.Status == funding.ProjectActive && p.ImplementingAgency == "ILO"
			}},
			{"not", `{"not": {"region": {"eq": "Africa"}}}`, func(p *funding.Project) bool {
				return !fx.inRegion(p, "Africa")
			}},
			{"not of a donor", fmt.Sprintf(`{"not": {"donorId": {"eq": %q}}}`, donor("syn-donor-0007")), func(p *funding.Project) bool {
				return !fx.projectDonors[p.ID]["syn-donor-0007"]
			}},
			{"and of or and not", `{"and": [{"or": [{"status": {"eq": "PIPELINE"}}, {"endsOn": {"isNull": true}}]}, {"not": {"implementingAgency": {"eq": "ILO"}}}]}`, func(p *funding.Project) bool {
				return (p.Status == funding.ProjectPipeline || p.EndsOn.IsZero()) && p.ImplementingAgency != "ILO"
			}},
		})
	})

	t.Run("allocations", func(t *testing.T) {
		checkFilters(t, a, "allocations", "AllocationFilter", d.Allocations, func(al *funding.Allocation) string {
			return globalID(funding.TypeAllocation, al.ID)
		}, []filterCase[*funding.Allocation]{
			{"year gte and lte", `{"year": {"gte": 2010, "lte": 2015}}`, func(al *funding.Allocation) bool {
				return al.Year >= 2010 && al.Year <= 2015
			}},
			{"year in", `{"year": {"in": [2001, 2019]}}`, func(al *funding.Allocation) bool {
				return al.Year == 2001 || al.Year == 2019
			}},
			{"year gt and lt", `{"year": {"gt": 2020, "lt": 2024}}`, func(al *funding.Allocation) bool {
				return al.Year > 2020 && al.Year < 2024
			}},
			{"amount gte", `{"amount": {"gte": "1000000.50"}}`, func(al *funding.Allocation) bool {
				return al.Amount.Milli() >= 1_000_000_500
			}},
			{"amount lt with currency", `{"amount": {"lt": "250000"}, "currency": {"eq": "JPY"}}`, func(al *funding.Allocation) bool {
				return al.Amount.Currency == "JPY" && al.Amount.Milli() < 250_000_000
			}},
			{"amount eq", fmt.Sprintf(`{"amount": {"eq": %q}}`, d.Allocations[0].Amount.Decimal()), func(al *funding.Allocation) bool {
				return al.Amount.Milli() == d.Allocations[0].Amount.Milli()
			}},
			{"currency eq", `{"currency": {"eq": "EUR"}}`, func(al *funding.Allocation) bool {
				return al.Amount.Currency == "EUR"
			}},
			{"donorId eq", fmt.Sprintf(`{"donorId": {"eq": %q}}`, donor("syn-donor-0007")), func(al *funding.Allocation) bool {
				return fx.fundDonor[al.TrustFundID] == "syn-donor-0007"
			}},
			{"donorId in", fmt.Sprintf(`{"donorId": {"in": [%q, %q]}}`, donor("syn-donor-0002"), donor("syn-donor-0011")), func(al *funding.Allocation) bool {
				return fx.fundDonor[al.TrustFundID] == "syn-donor-0002" || fx.fundDonor[al.TrustFundID] == "syn-donor-0011"
			}},
			{"trustFundId eq", fmt.Sprintf(`{"trustFundId": {"eq": %q}}`, fund("syn-tf-00013")), func(al *funding.Allocation) bool {
				return al.TrustFundID == "syn-tf-00013"
			}},
			{"countryCode eq", `{"countryCode": {"eq": "RE"}}`, func(al *funding.Allocation) bool {
				return fx.inCountry(fx.project[al.ProjectID], "RE")
			}},
			{"countryCode ne", `{"countryCode": {"ne": "RE"}}`, func(al *funding.Allocation) bool {
				return !fx.inCountry(fx.project[al.ProjectID], "RE")
			}},
			{"countryCode in", `{"countryCode": {"in": ["GF", "LU"]}}`, func(al *funding.Allocation) bool {
				return fx.inCountry(fx.project[al.ProjectID], "GF") || fx.inCountry(fx.project[al.ProjectID], "LU")
			}},
			{"projectId in", fmt.Sprintf(`{"projectId": {"in": [%q, %q, %q]}}`, project("syn-proj-00003"), project("syn-proj-00042"), project("syn-proj-00150")), func(al *funding.Allocation) bool {
				return al.ProjectID == "syn-proj-00003" || al.ProjectID == "syn-proj-00042" || al.ProjectID == "syn-proj-00150"
			}},
			{"implementingAgency ne", `{"implementingAgency": {"ne": "ILO"}}`, func(al *funding.Allocation) bool {
				return al.ImplementingAgency != "ILO"
			}},
			{"not currency in", `{"not": {"currency": {"in": ["EUR", "USD"]}}}`, func(al *funding.Allocation) bool {
				return al.Amount.Currency != "EUR" && al.Amount.Currency != "USD"
			}},
			{"or of donor and year", fmt.Sprintf(`{"or": [{"donorId": {"eq": %q}}, {"year": {"eq": 2005}}]}`, donor("syn-donor-0003")), func(al *funding.Allocation) bool {
				return fx.fundDonor[al.TrustFundID] == "syn-donor-0003" || al.Year == 2005
			}},
		})
	})

	t.Run("donors", func(t *testing.T) {
		checkFilters(t, a, "donors", "DonorFilter", d.Donors, func(x *funding.Donor) string {
			return globalID(funding.TypeDonor, x.ID)
		}, []filterCase[*funding.Donor]{
			{"type in", `{"type": {"in": ["GOVERNMENT", "FOUNDATION"]}}`, func(x *funding.Donor) bool {
				return x.Type == funding.DonorGovernment || x.Type == funding.DonorFoundation
			}},
			{"type ne", `{"type": {"ne": "FOUNDATION"}}`, func(x *funding.Donor) bool {
				return x.Type != funding.DonorFoundation
			}},
			{"partnerCountryCode eq", `{"partnerCountryCode": {"eq": "BO"}}`, func(x *funding.Donor) bool {
				return slices.Contains(x.PartnerCountryCodes, "BO")
			}},
			{"partnerCountryCode ne", `{"partnerCountryCode": {"ne": "BO"}}`, func(x *funding.Donor) bool {
				return !slices.Contains(x.PartnerCountryCodes, "BO")
			}},
			{"homeCountryCode in", `{"homeCountryCode": {"in": ["MZ", "NO", "XX"]}}`, func(x *funding.Donor) bool {
				return x.HomeCountryCode == "MZ" || x.HomeCountryCode == "NO"
			}},
			{"cooperatingSince gte", `{"cooperatingSince": {"gte": 1990}}`, func(x *funding.Donor) bool {
				return x.CooperatingSince >= 1990
			}},
			{"cooperatingSince lt counts unknown as 0", `{"cooperatingSince": {"lt": 1965}}`, func(x *funding.Donor) bool {
				return x.CooperatingSince < 1965
			}},
			{"name contains", `{"name": {"contains": "FOUNDATION"}}`, func(x *funding.Donor) bool {
				return strings.Contains(foldText(x.Name), "foundation") || strings.Contains(foldText(x.ShortName), "foundation")
			}},
			{"name contains short name", `{"name": {"contains": "d0003"}}`, func(x *funding.Donor) bool {
				return strings.Contains(foldText(x.Name), "d0003") || strings.Contains(foldText(x.ShortName), "d0003")
			}},
			{"name startsWith", `{"name": {"startsWith": "government OF"}}`, func(x *funding.Donor) bool {
				return strings.HasPrefix(foldText(x.Name), "government of") || strings.HasPrefix(foldText(x.ShortName), "government of")
			}},
			{"name startsWith short name", `{"name": {"startsWith": "syn-d000"}}`, func(x *funding.Donor) bool {
				return strings.HasPrefix(foldText(x.Name), "syn-d000") || strings.HasPrefix(foldText(x.ShortName), "syn-d000")
			}},
		})
	})

	t.Run("trustFunds", func(t *testing.T) {
		checkFilters(t, a, "trustFunds", "TrustFundFilter", d.TrustFunds, func(x *funding.TrustFund) string {
			return globalID(funding.TypeTrustFund, x.ID)
		}, []filterCase[*funding.TrustFund]{
			{"donorId eq", fmt.Sprintf(`{"donorId": {"eq": %q}}`, donor("syn-donor-0003")), func(x *funding.TrustFund) bool {
				return x.DonorID == "syn-donor-0003"
			}},
			{"status eq", `{"status": {"eq": "CLOSED"}}`, func(x *funding.TrustFund) bool {
				return x.Status == funding.TrustFundClosed
			}},
			{"currency in", `{"currency": {"in": ["EUR", "JPY"]}}`, func(x *funding.TrustFund) bool {
				return x.Currency == "EUR" || x.Currency == "JPY"
			}},
			{"endsOn gte", `{"endsOn": {"gte": "2029-01-01"}}`, func(x *funding.TrustFund) bool {
				return !x.EndsOn.IsZero() && x.EndsOn.String() >= "2029-01-01"
			}},
			{"agreementId eq", fmt.Sprintf(`{"agreementId": {"eq": %q}}`, globalID(funding.TypeAgreement, d.TrustFunds[0].AgreementIDs[0])), func(x *funding.TrustFund) bool {
				return slices.Contains(x.AgreementIDs, d.TrustFunds[0].AgreementIDs[0])
			}},
			{"not status and currency", `{"not": {"status": {"eq": "CLOSED"}}, "currency": {"eq": "USD"}}`, func(x *funding.TrustFund) bool {
				return x.Status != funding.TrustFundClosed && x.Currency == "USD"
			}},
		})
	})

	t.Run("agreements", func(t *testing.T) {
		checkFilters(t, a, "agreements", "AgreementFilter", d.Agreements, func(x *funding.Agreement) string {
			return globalID(funding.TypeAgreement, x.ID)
		}, []filterCase[*funding.Agreement]{
			{"donorId eq", fmt.Sprintf(`{"donorId": {"eq": %q}}`, donor("syn-donor-0005")), func(x *funding.Agreement) bool {
				return x.DonorID == "syn-donor-0005"
			}},
			{"signedOn range", `{"signedOn": {"gte": "1995-01-01", "lt": "2000-01-01"}}`, func(x *funding.Agreement) bool {
				s := x.SignedOn.String()
				return s >= "1995-01-01" && s < "2000-01-01"
			}},
			{"endsOn isNull", `{"endsOn": {"isNull": true}}`, func(x *funding.Agreement) bool {
				return x.EndsOn.IsZero()
			}},
			{"title contains", `{"title": {"contains": "SYN-AGR-0001"}}`, func(x *funding.Agreement) bool {
				return strings.Contains(foldText(x.Title), "syn-agr-0001")
			}},
		})
	})

	t.Run("countries", func(t *testing.T) {
		checkFilters(t, a, "countries", "CountryFilter", d.Countries, func(c *funding.Country) string {
			return globalID(funding.TypeCountry, c.Code)
		}, []filterCase[*funding.Country]{
			{"region eq", `{"region": {"eq": "Oceania"}}`, func(c *funding.Country) bool {
				return c.Region == "Oceania"
			}},
			{"region notIn keeps countries without region", `{"region": {"notIn": ["Africa", "Americas", "Asia", "Europe"]}}`, func(c *funding.Country) bool {
				return !slices.Contains([]string{"Africa", "Americas", "Asia", "Europe"}, c.Region)
			}},
			{"subRegion eq", `{"subRegion": {"eq": "Sub-Saharan Africa"}}`, func(c *funding.Country) bool {
				return c.SubRegion == "Sub-Saharan Africa"
			}},
			{"name startsWith", `{"name": {"startsWith": "mal"}}`, func(c *funding.Country) bool {
				return strings.HasPrefix(foldText(c.Name), "mal")
			}},
			{"name contains without accents", `{"name": {"contains": "cote"}}`, func(c *funding.Country) bool {
				return strings.Contains(foldText(c.Name), "cote")
			}},
			{"name contains with accents", `{"name": {"contains": "RÉUNION"}}`, func(c *funding.Country) bool {
				return strings.Contains(foldText(c.Name), "reunion")
			}},
			{"code in or name", `{"or": [{"code": {"in": ["BE", "MW"]}}, {"name": {"contains": "guinea"}}]}`, func(c *funding.Country) bool {
				return c.Code == "BE" || c.Code == "MW" || strings.Contains(foldText(c.Name), "guinea")
			}},
		})

		// The Go side is right about the names it is compared with.
		var got struct {
			Mal, Cote struct{ Nodes []struct{ Code string } }
		}
		a.query(t, `{ mal: countries(filter: {name: {startsWith: "MAL"}}) { nodes { code } }
			cote: countries(filter: {name: {contains: "cote d'ivoire"}}) { nodes { code } } }`, nil, &got)
		var mal, cote []string
		for _, n := range got.Mal.Nodes {
			mal = append(mal, n.Code)
		}
		for _, n := range got.Cote.Nodes {
			cote = append(cote, n.Code)
		}
		if want := []string{"ML", "MT", "MV", "MW", "MY"}; !slices.Equal(mal, want) {
			t.Errorf("countries starting with MAL = %v, want %v (Mali, Malta, Maldives, Malawi, Malaysia)", mal, want)
		}
		if !slices.Equal(cote, []string{"CI"}) {
			t.Errorf(`countries containing "cote d'ivoire" = %v, want [CI]`, cote)
		}
	})
}

// TestNestedFilters checks filters on connections below a parent: each parent gets what
// the Go evaluation of the filter over its own items says.
func TestNestedFilters(t *testing.T) {
	d := filterDataset()
	fx := newFilterFixture(d)
	a := newAPI(t, d)

	type conn struct {
		TotalCount int
		Nodes      []struct{ ID string }
	}
	// checkConn compares one parent's connection with the ids the Go filter keeps, in id
	// order (the lists' default order) and cut to the page size.
	checkConn := func(t *testing.T, parent string, got conn, want []string, page int) {
		t.Helper()
		if got.TotalCount != len(want) {
			t.Errorf("%s: totalCount = %d, want %d", parent, got.TotalCount, len(want))
		}
		var ids []string
		for _, n := range got.Nodes {
			ids = append(ids, n.ID)
		}
		if w := want[:min(page, len(want))]; !slices.Equal(ids, w) {
			t.Errorf("%s: nodes = %v\nwant %v", parent, ids, w)
		}
	}

	t.Run("donor allocations by year", func(t *testing.T) {
		var got struct {
			Donors struct {
				Nodes []struct {
					ID          string
					Allocations conn
				}
			}
		}
		a.query(t, `{ donors(first: 100) { nodes { id allocations(filter: {year: {gte: 2010}}, first: 100) { totalCount nodes { id } } } } }`, nil, &got)
		if len(got.Donors.Nodes) != len(d.Donors) {
			t.Fatalf("got %d donors, want %d", len(got.Donors.Nodes), len(d.Donors))
		}
		total := 0
		for _, n := range got.Donors.Nodes {
			var want []string
			for _, al := range d.Allocations {
				if fx.fundDonor[al.TrustFundID] == localID(n.ID) && al.Year >= 2010 {
					want = append(want, al.ID)
				}
			}
			total += len(want)
			checkConn(t, localID(n.ID), n.Allocations, globalIDs(funding.TypeAllocation, want), 100)
		}
		assertSome(t, total, len(d.Allocations))
	})

	t.Run("trust fund projects by status", func(t *testing.T) {
		var got struct {
			TrustFunds struct {
				Nodes []struct {
					ID       string
					Projects conn
				}
			}
		}
		a.query(t, `{ trustFunds { nodes { id projects(filter: {status: {eq: ACTIVE}}) { totalCount nodes { id } } } } }`, nil, &got)
		if len(got.TrustFunds.Nodes) != len(d.TrustFunds) {
			t.Fatalf("got %d trust funds, want %d", len(got.TrustFunds.Nodes), len(d.TrustFunds))
		}
		total := 0
		for _, n := range got.TrustFunds.Nodes {
			var want []string
			for _, p := range d.Projects {
				if p.Status == funding.ProjectActive && fx.projectFunds[p.ID][localID(n.ID)] {
					want = append(want, p.ID)
				}
			}
			total += len(want)
			checkConn(t, localID(n.ID), n.Projects, globalIDs(funding.TypeProject, want), 50)
		}
		assertSome(t, total, len(d.Projects))
	})

	t.Run("country projects by or", func(t *testing.T) {
		var got struct {
			Countries struct {
				Nodes []struct {
					Code     string
					Projects conn
				}
			}
		}
		a.query(t, `{ countries(filter: {code: {in: ["RE", "GF", "LU", "GL", "BF"]}}) { nodes { code
			projects(filter: {or: [{status: {eq: ACTIVE}}, {theme: {eq: "skills"}}]}) { totalCount nodes { id } } } } }`, nil, &got)
		if len(got.Countries.Nodes) != 5 {
			t.Fatalf("got %d countries, want 5", len(got.Countries.Nodes))
		}
		total := 0
		for _, n := range got.Countries.Nodes {
			var want []string
			for _, p := range d.Projects {
				if fx.inCountry(p, n.Code) && (p.Status == funding.ProjectActive || slices.Contains(p.Themes, "skills")) {
					want = append(want, p.ID)
				}
			}
			total += len(want)
			checkConn(t, n.Code, n.Projects, globalIDs(funding.TypeProject, want), 50)
		}
		assertSome(t, total, len(d.Projects))
	})

	t.Run("filtered projects with filtered allocations", func(t *testing.T) {
		var got struct {
			Projects struct {
				Nodes []struct {
					ID          string
					Allocations conn
				}
			}
		}
		a.query(t, `{ projects(filter: {region: {eq: "Africa"}}, first: 100) { nodes { id
			allocations(filter: {amount: {gte: "1000000"}, currency: {in: ["EUR", "USD", "GBP"]}}) { totalCount nodes { id } } } } }`, nil, &got)
		wantParents := 0
		for _, p := range d.Projects {
			if fx.inRegion(p, "Africa") {
				wantParents++
			}
		}
		if len(got.Projects.Nodes) != wantParents {
			t.Fatalf("got %d African projects, want %d", len(got.Projects.Nodes), wantParents)
		}
		total := 0
		for _, n := range got.Projects.Nodes {
			var want []string
			for _, al := range d.Allocations {
				if al.ProjectID == localID(n.ID) && al.Amount.Milli() >= 1_000_000_000 && slices.Contains([]string{"EUR", "USD", "GBP"}, al.Amount.Currency) {
					want = append(want, al.ID)
				}
			}
			total += len(want)
			checkConn(t, localID(n.ID), n.Allocations, globalIDs(funding.TypeAllocation, want), 50)
		}
		assertSome(t, total, len(d.Allocations))
	})

	t.Run("donor projects by region", func(t *testing.T) {
		var got struct {
			Donors struct {
				Nodes []struct {
					ID       string
					Projects conn
				}
			}
		}
		a.query(t, `{ donors { nodes { id projects(filter: {region: {notIn: ["Africa", "Europe"]}}, first: 100) { totalCount nodes { id } } } } }`, nil, &got)
		if len(got.Donors.Nodes) != len(d.Donors) {
			t.Fatalf("got %d donors, want %d", len(got.Donors.Nodes), len(d.Donors))
		}
		total := 0
		for _, n := range got.Donors.Nodes {
			var want []string
			for _, p := range d.Projects {
				if fx.projectDonors[p.ID][localID(n.ID)] && !fx.inRegion(p, "Africa") && !fx.inRegion(p, "Europe") {
					want = append(want, p.ID)
				}
			}
			total += len(want)
			checkConn(t, localID(n.ID), n.Projects, globalIDs(funding.TypeProject, want), 100)
		}
		assertSome(t, total, len(d.Projects))
	})
}

// TestFilterErrors checks that invalid filters and paging arguments are BAD_USER_INPUT
// naming the argument at fault, and unknown enum values are validation errors.
func TestFilterErrors(t *testing.T) {
	a := newAPI(t, seed.Flanders())

	// A cursor of the allocations ordered by year, to be passed to an order by amount.
	var page struct {
		Allocations struct{ PageInfo pageInfo }
	}
	a.query(t, `{ allocations(first: 2, orderBy: [{field: YEAR}]) { pageInfo { hasNextPage endCursor } } }`, nil, &page)
	if page.Allocations.PageInfo.EndCursor == nil {
		t.Fatal("no endCursor")
	}
	yearCursor := *page.Allocations.PageInfo.EndCursor

	for _, tc := range []struct {
		name, query, field string
	}{
		{"EmptyIntRange", `{ allocations(filter: {year: {gte: 2020, lte: 2010}}) { totalCount } }`, "filter.year.gte"},
		{"EmptyStrictIntRange", `{ allocations(filter: {year: {gt: 2010, lt: 2010}}) { totalCount } }`, "filter.year.gt"},
		{"EmptyDateRange", `{ projects(filter: {startsOn: {gt: "2020-01-01", lte: "2019-12-31"}}) { totalCount } }`, "filter.startsOn.gt"},
		{"EmptyDecimalRange", `{ allocations(filter: {amount: {gte: "10.5", lt: "10.500"}}) { totalCount } }`, "filter.amount.gte"},
		{"IsNullWithComparison", `{ projects(filter: {endsOn: {isNull: true, gte: "2020-01-01"}}) { totalCount } }`, "filter.endsOn.isNull"},
		{"EmptyIn", `{ projects(filter: {countryCode: {in: []}}) { totalCount } }`, "filter.countryCode.in"},
		{"EmptyNotIn", `{ donors(filter: {type: {notIn: []}}) { totalCount } }`, "filter.type.notIn"},
		{"EmptyIDIn", `{ allocations(filter: {projectId: {in: []}}) { totalCount } }`, "filter.projectId.in"},
		{"MalformedDate", `{ projects(filter: {startsOn: {gte: "2020-13-01"}}) { totalCount } }`, "filter.startsOn.gte"},
		{"MalformedID", `{ projects(filter: {donorId: {eq: "not-an-id"}}) { totalCount } }`, "filter.donorId.eq"},
		{"IDOfOtherType", fmt.Sprintf(`{ projects(filter: {donorId: {eq: %q}}) { totalCount } }`, gid("Project", "p-global-skills-lifelong-learning")), "filter.donorId.eq"},
		{"IDOfOtherTypeInList", fmt.Sprintf(`{ allocations(filter: {trustFundId: {in: [%q, %q]}}) { totalCount } }`, gid("TrustFund", "ilo-flanders-tf"), gid("Donor", "flanders")), "filter.trustFundId.in[1]"},
		{"IDOfOtherTypeOnEntity", fmt.Sprintf(`{ trustFunds(filter: {donorId: {eq: %q}}) { totalCount } }`, gid("Country", "MW")), "filter.donorId.eq"},
		{"AmountTooPrecise", `{ allocations(filter: {amount: {gte: "0.0001"}}) { totalCount } }`, "filter.amount.gte"},
		{"AmountNotANumber", `{ allocations(filter: {amount: {gte: "abc"}}) { totalCount } }`, "filter.amount.gte"},
		{"AmountInList", `{ allocations(filter: {amount: {in: ["1", "1e3"]}}) { totalCount } }`, "filter.amount.in[1]"},
		{"EmptyContains", `{ projects(filter: {title: {contains: ""}}) { totalCount } }`, "filter.title.contains"},
		{"BlankStartsWith", `{ countries(filter: {name: {startsWith: "   "}}) { totalCount } }`, "filter.name.startsWith"},
		{"EmptyAnd", `{ projects(filter: {and: []}) { totalCount } }`, "filter.and"},
		{"EmptyOr", `{ agreements(filter: {or: []}) { totalCount } }`, "filter.or"},
		{"InsideOr", `{ projects(filter: {or: [{status: {eq: ACTIVE}}, {title: {contains: ""}}]}) { totalCount } }`, "filter.or[1].title.contains"},
		{"InsideNot", `{ projects(filter: {not: {countryCode: {in: []}}}) { totalCount } }`, "filter.not.countryCode.in"},
		{"InsideAndNot", `{ allocations(filter: {and: [{not: {year: {gte: 2020, lte: 2010}}}]}) { totalCount } }`, "filter.and[0].not.year.gte"},
		{"NestedList", `{ donors { nodes { allocations(filter: {year: {gte: 2020, lte: 2010}}) { totalCount } } } }`, "filter.year.gte"},
		{"FirstTooLarge", `{ projects(first: 101) { totalCount } }`, "first"},
		{"LastTooSmall", `{ projects(last: 0) { totalCount } }`, "last"},
		{"FirstAndLast", `{ projects(first: 10, last: 10) { totalCount } }`, "last"},
		{"CursorOfOtherOrder", fmt.Sprintf(`{ allocations(orderBy: [{field: AMOUNT}], after: %q) { totalCount } }`, yearCursor), "after"},
		{"CursorOfOtherDirection", fmt.Sprintf(`{ allocations(orderBy: [{field: YEAR, direction: DESC}], after: %q) { totalCount } }`, yearCursor), "after"},
		{"CursorWithoutOrder", fmt.Sprintf(`{ allocations(before: %q) { totalCount } }`, yearCursor), "before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A bad argument of a nested list fails once per parent; every error must say so.
			_, r := a.post(t, tc.query, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("no error; data %s", r.Data)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != tc.field {
					t.Errorf("error = %+v; want BAD_USER_INPUT on field %q", e, tc.field)
				}
			}
		})
	}

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"UnknownEnumValue", `{ projects(filter: {status: {eq: FINISHED}}) { totalCount } }`, nil},
		{"UnknownEnumValueInVariable", `query($f: ProjectFilter) { projects(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"status": map[string]any{"in": []string{"ACTIVE", "FINISHED"}}}}},
		{"UnknownFilterField", `{ projects(filter: {budget: {gte: "1"}}) { totalCount } }`, nil},
		{"CodeFilterHasNoStartsWith", `{ projects(filter: {code: {startsWith: "SYN"}}) { totalCount } }`, nil},
		{"EnumAsString", `{ projects(filter: {status: {eq: "ACTIVE"}}) { totalCount } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := a.queryError(t, tc.query, tc.vars)
			if e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("error = %+v; want GRAPHQL_VALIDATION_FAILED", e)
			}
		})
	}
}

// TestOperatorInjection checks that text that looks like a MongoDB operator or a regular
// expression is matched literally, and that operator keys cannot be smuggled into a filter.
func TestOperatorInjection(t *testing.T) {
	d := filterDataset()
	a := newAPI(t, d)

	// Literal matching in Go, for the expectations.
	titlesContaining := func(s string) int {
		n := 0
		for _, p := range d.Projects {
			if strings.Contains(foldText(p.Title), foldText(s)) {
				n++
			}
		}
		return n
	}

	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"code eq operator document", `{ projects(filter: {code: {eq: "{\"$ne\": null}"}}) { totalCount nodes { id } } }`, 0},
		{"code ne operator document", `{ projects(filter: {code: {ne: "{\"$ne\": null}"}}) { totalCount nodes { id } } }`, len(d.Projects)},
		{"title contains $where", `{ projects(filter: {title: {contains: "$where"}}) { totalCount nodes { id } } }`, titlesContaining("$where")},
		{"title contains .*", `{ projects(filter: {title: {contains: ".*"}}) { totalCount nodes { id } } }`, titlesContaining(".*")},
		{"title startsWith .*", `{ projects(filter: {title: {startsWith: ".*"}}) { totalCount nodes { id } } }`, 0},
		{"title contains regex class", `{ projects(filter: {title: {contains: "[a-z]+"}}) { totalCount nodes { id } } }`, titlesContaining("[a-z]+")},
		// As a regular expression, "0.1" would match every title with a number like 00010.
		{"title contains dot", `{ projects(filter: {title: {contains: "0.1"}}) { totalCount nodes { id } } }`, titlesContaining("0.1")},
		{"title contains literal metacharacters", `{ projects(filter: {title: {contains: "(phase 2.*)"}}) { totalCount nodes { id } } }`, titlesContaining("(phase 2.*)")},
		{"countryCode in $gt", `{ projects(filter: {countryCode: {in: ["$gt"]}}) { totalCount nodes { id } } }`, 0},
		{"region eq $exists", `{ projects(filter: {region: {eq: "$exists"}}) { totalCount nodes { id } } }`, 0},
		{"agency in operator", `{ allocations(filter: {implementingAgency: {in: ["$ne", "{\"$gt\": \"\"}"]}}) { totalCount nodes { id } } }`, 0},
		{"country name contains .*", `{ countries(filter: {name: {contains: ".*"}}) { totalCount nodes { id } } }`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, r := a.post(t, tc.query, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("errors %+v", r.Errors)
			}
			var got map[string]struct {
				TotalCount int
				Nodes      []struct{ ID string }
			}
			if err := json.Unmarshal(r.Data, &got); err != nil {
				t.Fatal(err)
			}
			for _, c := range got {
				if c.TotalCount != tc.want || len(c.Nodes) != min(tc.want, 50) {
					t.Errorf("totalCount = %d with %d nodes, want %d", c.TotalCount, len(c.Nodes), tc.want)
				}
			}
		})
	}

	// One title of the dataset holds regex metacharacters, so the literal cases above
	// find exactly it.
	if n := titlesContaining(".*"); n != 1 {
		t.Errorf("the dataset has %d titles containing .*, want 1", n)
	}

	// Search reads its text literally too: ".*" finds the one title that contains it.
	for _, text := range []string{".*", "2.*)", "(phase"} {
		t.Run("search "+text, func(t *testing.T) {
			var got struct {
				Search []struct {
					Typename string `json:"__typename"`
					Title    string
				}
			}
			a.query(t, `query($text: String!) { search(text: $text, first: 100) { __typename ... on Project { title } } }`,
				map[string]any{"text": text}, &got)
			if len(got.Search) != 1 || got.Search[0].Title != d.Projects[60].Title {
				t.Errorf("search(%q) = %+v, want only the project titled %q", text, got.Search, d.Projects[60].Title)
			}
		})
	}
	for _, text := range []string{"$where", "{\"$ne\": null}", "[a-z]+"} {
		t.Run("search "+text, func(t *testing.T) {
			var got struct{ Search []map[string]any }
			a.query(t, `query($text: String!) { search(text: $text, first: 100) { __typename } }`, map[string]any{"text": text}, &got)
			if len(got.Search) != 0 {
				t.Errorf("search(%q) found %v, want nothing", text, got.Search)
			}
		})
	}

	t.Run("operator key in variable", func(t *testing.T) {
		for _, f := range []map[string]any{
			{"$where": "1"},
			{"title": map[string]any{"$regex": ".*"}},
			{"code": map[string]any{"eq": map[string]any{"$ne": nil}}},
			{"countryCode": map[string]any{"in": []any{map[string]any{"$gt": ""}}}},
		} {
			a.cmds.Reset()
			_, r := a.post(t, `query($f: ProjectFilter) { projects(filter: $f) { totalCount nodes { id } } }`, map[string]any{"f": f})
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("filter %v: errors %+v, want one GRAPHQL_VALIDATION_FAILED", f, r.Errors)
			}
			if string(r.Data) != "" && string(r.Data) != "null" {
				t.Errorf("filter %v: data %s, want none", f, r.Data)
			}
			if n := a.cmds.Reads(); n != 0 {
				t.Errorf("filter %v: the store was read %d times, want 0", f, n)
			}
		}
	})
}

// filterDataset is a small synthetic dataset with a few changes so that every filter has
// something to find: closed trust funds, open-ended and pipeline projects, titles with
// accents and regex metacharacters, and a donor whose first year is unknown.
func filterDataset() *seed.Dataset {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 12, Projects: 150, Allocations: 600, Seed: 5})
	for i, tf := range d.TrustFunds {
		if i%4 == 1 {
			tf.Status = funding.TrustFundClosed
		}
	}
	for i, p := range d.Projects {
		switch {
		case i%10 == 3:
			p.EndsOn = funding.Date{}
			p.Status = funding.ProjectActive
		case i%15 == 7:
			p.Status = funding.ProjectPipeline
		}
	}
	d.Projects[41].Title = "Trabalho digno em Moçambique e São Tomé e Príncipe"
	d.Projects[42].Title = "Emploi des jeunes au Mozambique (MOÇAMBIQUE)"
	d.Projects[60].Title = "Skills for jobs (phase 2.*) in three countries"
	d.Donors[8].CooperatingSince = 0
	return d
}

// filterFixture indexes a dataset for evaluating filters in Go.
type filterFixture struct {
	region        map[string]string           // country code → UN M49 region
	project       map[string]*funding.Project // by id
	fundDonor     map[string]string           // trust fund id → donor id
	projectFunds  map[string]map[string]bool  // project id → trust funds that allocated to it
	projectDonors map[string]map[string]bool  // project id → donors whose funds allocated to it
}

func newFilterFixture(d *seed.Dataset) *filterFixture {
	fx := &filterFixture{
		region: map[string]string{}, project: map[string]*funding.Project{}, fundDonor: map[string]string{},
		projectFunds: map[string]map[string]bool{}, projectDonors: map[string]map[string]bool{},
	}
	for _, c := range d.Countries {
		fx.region[c.Code] = c.Region
	}
	for _, p := range d.Projects {
		fx.project[p.ID] = p
		fx.projectFunds[p.ID] = map[string]bool{}
		fx.projectDonors[p.ID] = map[string]bool{}
	}
	for _, tf := range d.TrustFunds {
		fx.fundDonor[tf.ID] = tf.DonorID
	}
	for _, al := range d.Allocations {
		fx.projectFunds[al.ProjectID][al.TrustFundID] = true
		fx.projectDonors[al.ProjectID][fx.fundDonor[al.TrustFundID]] = true
	}
	return fx
}

func (fx *filterFixture) inCountry(p *funding.Project, code string) bool {
	for _, c := range p.Countries {
		if c.CountryCode == code {
			return true
		}
	}
	return false
}

func (fx *filterFixture) inRegion(p *funding.Project, region string) bool {
	for _, c := range p.Countries {
		if fx.region[c.CountryCode] == region {
			return true
		}
	}
	return false
}

// filterCase is a filter, written as the JSON of its input object, and the Go predicate
// that says which items it should select.
type filterCase[T any] struct {
	name   string
	filter string
	match  func(T) bool
}

// checkFilters runs each case through the top-level list field (whose filter argument has
// type filterType) and compares the ids with those of the items the predicate keeps.
func checkFilters[T any](t *testing.T, a *api, field, filterType string, all []T, id func(T) string, cases []filterCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var filter map[string]any
			if err := json.Unmarshal([]byte(tc.filter), &filter); err != nil {
				t.Fatalf("bad filter JSON %s: %v", tc.filter, err)
			}
			var want []string
			for _, x := range all {
				if tc.match(x) {
					want = append(want, id(x))
				}
			}
			// Otherwise the case could pass whatever the server does with the filter.
			assertSome(t, len(want), len(all))
			got := pagedIDs(t, a, field, filterType, filter)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				missing, extra := setDiff(want, got), setDiff(got, want)
				t.Errorf("filter %s: got %d ids, want %d\nmissing %d: %v\nextra %d: %v",
					tc.filter, len(got), len(want), len(missing), head(missing), len(extra), head(extra))
			}
		})
	}
}

// pagedIDs pages through a filtered top-level list 100 at a time and returns all ids. It
// checks that every page's totalCount is the number of items in the end.
func pagedIDs(t *testing.T, a *api, field, filterType string, filter map[string]any) []string {
	t.Helper()
	query := fmt.Sprintf(`query($f: %s, $after: String) { list: %s(filter: $f, first: 100, after: $after) {
		totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`, filterType, field)
	var ids []string
	var after *string
	counts := map[int]bool{}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var got struct {
			List struct {
				TotalCount int
				PageInfo   pageInfo
				Nodes      []struct{ ID string }
			}
		}
		a.query(t, query, map[string]any{"f": filter, "after": after}, &got)
		counts[got.List.TotalCount] = true
		for _, n := range got.List.Nodes {
			ids = append(ids, n.ID)
		}
		if !got.List.PageInfo.HasNextPage {
			break
		}
		after = got.List.PageInfo.EndCursor
	}
	if len(counts) != 1 || !counts[len(ids)] {
		t.Errorf("totalCount %v, but the pages held %d items", counts, len(ids))
	}
	return ids
}

// assertSome fails unless a Go expectation selects some but not all of n items.
func assertSome(t *testing.T, selected, n int) {
	t.Helper()
	if selected == 0 || selected >= n {
		t.Fatalf("the Go side selects %d of %d items; the case proves nothing", selected, n)
	}
}

// foldText lowers the case of s and removes its accents, the way text filters compare.
func foldText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
	return strings.ToLower(s)
}

func globalIDs(typ funding.Kind, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = globalID(typ, id)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(localID(a), localID(b)) })
	return out
}

// localID is the local part of a global id.
func localID(gid string) string {
	id, err := graph.ParseGlobalID(gid)
	if err != nil {
		panic(err)
	}
	return id.Local
}

// setDiff returns the elements of a that are not in b.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// head returns the local ids of the first few of ids, for error messages.
func head(ids []string) []string {
	var out []string
	for _, id := range ids[:min(len(ids), 8)] {
		out = append(out, localID(id))
	}
	return out
}
