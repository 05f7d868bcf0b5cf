package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

type money struct{ Amount, Currency string }

const countryToDonors = `{ country(code: "MW") { name projects { nodes { code title
    allocations { nodes { year amount { amount currency }
      trustFund { name donor { name } } } } } } } }`

func TestCountryToDonors(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	var got struct {
		Country struct {
			Name     string
			Projects struct {
				Nodes []struct {
					Code, Title string
					Allocations struct {
						Nodes []struct {
							Year      int
							Amount    money
							TrustFund struct {
								Name  string
								Donor struct{ Name string }
							}
						}
					}
				}
			}
		}
	}
	a.query(t, countryToDonors, nil, &got)
	if got.Country.Name != "Malawi" {
		t.Errorf("name = %q, want Malawi", got.Country.Name)
	}
	var codes []string
	for _, p := range got.Country.Projects.Nodes {
		codes = append(codes, p.Code)
		if p.Code != "MLW/18/01/FLA" {
			continue
		}
		var years []int
		for _, al := range p.Allocations.Nodes {
			years = append(years, al.Year)
			if al.Amount != (money{"137721.00", "EUR"}) {
				t.Errorf("allocation %d amount = %+v, want 137721.00 EUR", al.Year, al.Amount)
			}
			if al.TrustFund.Name != "ILO-Flanders Trust Fund" || al.TrustFund.Donor.Name != "Government of Flanders" {
				t.Errorf("allocation %d comes from %+v", al.Year, al.TrustFund)
			}
		}
		if !slices.Equal(years, []int{2018, 2019}) {
			t.Errorf("Malawi project allocation years = %v, want [2018 2019]", years)
		}
	}
	// The Malawi project, and the regional ones with a share in Malawi.
	want := []string{"MLW/18/01/FLA", "RAF/02/01/FLA", "RAF/13/01/FLA", "RAF/20/01/FLA"}
	slices.Sort(codes)
	if !slices.Equal(codes, want) {
		t.Errorf("projects in Malawi = %v, want %v", codes, want)
	}
}

// fiveLevels walks from donors down to countries.
const fiveLevels = `{ donors(first: 100) { nodes { name
    trustFunds(first: 5) { nodes { name currency
      allocations(first: 20) { nodes { year amount { amount currency }
        project { code countries { share country { code name region } } } } } } } } } }`

// TestNoNPlusOneConcurrent runs the five-level query from several requests at once: each
// request has its own loaders, and each still reads once per level while the others run.
// The embedded store runs in this process, and its scans keep both CPUs busy: a resolver
// then waits its turn for tens of milliseconds (up to 65 ms seen with six requests on
// 2 cores), so the loaders wait 100 ms here (newCountingAPI's 20 ms split some levels).
func TestNoNPlusOneConcurrent(t *testing.T) {
	const requests, levels = 6, 5
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 20, Projects: 200, Allocations: 1000, Seed: 7})
	s, cmds := storetest.Open(t, d)
	a := &api{h: newHandler(s, 100*time.Millisecond), cmds: cmds}
	donors := make([]int, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			body, _ := json.Marshal(map[string]string{"query": fiveLevels})
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			a.h.ServeHTTP(rec, req)
			var r struct {
				Data   struct{ Donors struct{ Nodes []any } }
				Errors []any
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Errors) > 0 {
				t.Errorf("request %d: status %d, %v: %s", i, rec.Code, err, rec.Body)
			}
			donors[i] = len(r.Data.Donors.Nodes)
		})
	}
	wg.Wait()
	for i, n := range donors {
		if n != 20 {
			t.Errorf("request %d returned %d donors, want 20", i, n)
		}
	}
	if got := a.cmds.Counts(); got["find"] != requests*levels || got["aggregate"] != 0 {
		t.Errorf("%d concurrent five-level queries sent %v; want %d finds (one per level per request)", requests, got, requests*levels)
	}
}

// TestNoNPlusOne shows that the number of store reads of a nested query depends on its
// depth only: the same with 3 donors as with 100.
func TestNoNPlusOne(t *testing.T) {
	country := `{ country(code: "%s") { name projects(first: 100) { nodes { title
	    allocations(first: 100) { nodes { year amount { amount currency }
	      trustFund { name donor { name } } } } } } } }`
	filtered := `{ donors(first: 100, filter: {type: {ne: OTHER}}, orderBy: [{field: NAME}]) { nodes { name
	    trustFunds(first: 5, filter: {status: {in: [ACTIVE, CLOSED]}}) { nodes { name
	      allocations(first: 20, filter: {year: {gte: 1990}, countryCode: {ne: "XX"}}, orderBy: [{field: AMOUNT, direction: DESC}]) {
	        totalCount nodes { year project { code countries { country { name } } } } } } } } } }`
	var filteredReads []int
	perParent := false
	reads := func(donors int) (countryReads, fiveLevelReads int) {
		d := seed.Synthetic(seed.SyntheticOptions{Donors: donors, Projects: 300, Allocations: 1500, Seed: 7})
		a := newCountingAPI(t, d)
		perParent = a.perParent
		var c struct {
			Country struct {
				Projects struct {
					Nodes []struct{ Allocations struct{ Nodes []any } }
				}
			}
		}
		a.query(t, fmt.Sprintf(country, busiestCountry(d)), nil, &c)
		countryReads = a.cmds.Reads()
		if len(c.Country.Projects.Nodes) == 0 || len(c.Country.Projects.Nodes[0].Allocations.Nodes) == 0 {
			t.Fatalf("%d donors: the country query found no allocations", donors)
		}

		a.cmds.Reset()
		var f struct{ Donors struct{ Nodes []any } }
		a.query(t, fiveLevels, nil, &f)
		if len(f.Donors.Nodes) != donors {
			t.Fatalf("five-level query returned %d donors, want %d", len(f.Donors.Nodes), donors)
		}
		fiveLevelReads = a.cmds.Reads()

		a.cmds.Reset()
		var g struct{ Donors struct{ Nodes []any } }
		a.query(t, filtered, nil, &g)
		if len(g.Donors.Nodes) == 0 {
			t.Fatal("the filtered query found no donors")
		}
		filteredReads = append(filteredReads, a.cmds.Reads())
		return countryReads, fiveLevelReads
	}
	c3, f3 := reads(3)
	c100, f100 := reads(100)
	t.Logf("reads: country query %d (3 donors) / %d (100 donors); five levels %d / %d", c3, c100, f3, f100)
	// country, projects, allocations, trust funds, donors: one read each.
	if c3 != 5 || c100 != 5 {
		t.Errorf("country query: %d reads with 3 donors, %d with 100; want 5 and 5", c3, c100)
	}
	// donors, trust funds, allocations, projects, countries: one read each.
	if f3 != 5 || f100 != 5 {
		t.Errorf("five-level query: %d reads with 3 donors, %d with 100; want 5 and 5", f3, f100)
	}
	// The same five reads, plus one for the countryCode filter of the nested allocations
	// (which projects have a share in the country), once for all parents; on the
	// per-parent plan, totalCount is a count per parent, one more read with its own
	// translation of the filter.
	t.Logf("filtered five-level query: %v reads", filteredReads)
	want := 6
	if perParent {
		want = 8
	}
	if !slices.Equal(filteredReads, []int{want, want}) {
		t.Errorf("filtered five-level query: %v reads with 3 and 100 donors; want %d and %d", filteredReads, want, want)
	}
}

// busiestCountry is the country with the most projects in d.
func busiestCountry(d *seed.Dataset) string {
	n := map[string]int{}
	best := ""
	for _, p := range d.Projects {
		for _, c := range p.Countries {
			n[c.CountryCode]++
			if n[c.CountryCode] > n[best] || (n[c.CountryCode] == n[best] && c.CountryCode < best) {
				best = c.CountryCode
			}
		}
	}
	return best
}
