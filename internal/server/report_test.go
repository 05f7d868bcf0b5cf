package server_test

import (
	"encoding/csv"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

type reportRow struct {
	Donor, TrustFund, Project, Agreement *struct{ ID string }
	Country                              *struct{ Code string }
	Region, Theme, ImplementingAgency    *string
	Year                                 *int
	Unallocated                          bool
	Total                                *money
	Totals                               []money
	AllocationCount                      int
}

const reportQuery = `query($g: [ReportDimension!], $c: String, $f: AllocationFilter) {
  fundingReport(groupBy: $g, currency: $c, filter: $f) {
    total { amount currency } totals { amount currency } allocationCount
    rows(orderBy: KEYS, first: 10000) { totalCount nodes {
      donor { id } trustFund { id } project { id } agreement { id } country { code }
      region theme implementingAgency year unallocated
      total { amount currency } totals { amount currency } allocationCount } } } }`

type reportResult struct {
	FundingReport struct {
		Total           *money
		Totals          []money
		AllocationCount int
		Rows            struct {
			TotalCount int
			Nodes      []reportRow
		}
	}
}

func cents(t testing.TB, m money) int64 {
	t.Helper()
	n, err := funding.ParseUnits(m.Amount, funding.MinorDigits(m.Currency))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// toUSD converts an allocation independently of the server: units × (1 / perUSD),
// rounded half to even, with the dataset's rates.
func toUSD(t testing.TB, d *seed.Dataset, a *funding.Allocation) int64 {
	if a.Amount.Currency == "USD" {
		return a.Amount.Units
	}
	for _, r := range d.ExchangeRates {
		if r.Currency == a.Amount.Currency && r.Year == a.Year {
			rate, _ := new(big.Rat).SetString(r.PerUSD)
			v := new(big.Rat).SetInt64(a.Amount.Units)
			v.Quo(v, rate)
			for i := funding.MinorDigits(a.Amount.Currency); i < 2; i++ {
				v.Mul(v, big.NewRat(10, 1))
			}
			for i := 2; i < funding.MinorDigits(a.Amount.Currency); i++ {
				v.Quo(v, big.NewRat(10, 1))
			}
			return roundHalfEven(v)
		}
	}
	t.Fatalf("no rate for %s %d in the dataset", a.Amount.Currency, a.Year)
	return 0
}

func roundHalfEven(v *big.Rat) int64 {
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2))
	switch c := twice.Cmp(v.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// split divides units by weights with the largest-remainder method, ties to the earlier
// key: the rule the schema promises, written again here to check the server.
func split(units int64, keys []string, weights []int64) map[string]int64 {
	var total int64
	for _, w := range weights {
		total += w
	}
	out := map[string]int64{}
	type rem struct {
		key string
		r   int64
	}
	var rems []rem
	var given int64
	for i, k := range keys {
		out[k] = units * weights[i] / total
		given += out[k]
		rems = append(rems, rem{k, units * weights[i] % total})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		if a.r != b.r {
			return int(b.r - a.r)
		}
		return strings.Compare(a.key, b.key)
	})
	for i := int64(0); i < units-given; i++ {
		out[rems[i].key]++
	}
	return out
}

// TestReportMatchesGo: over synthetic data in six currencies, converted to USD, every
// dimension and some pairs: the rows add up exactly to the total, the total is the sum of
// the independently converted allocations, and by COUNTRY, YEAR and DONOR each row is what
// an independent computation gives.
func TestReportMatchesGo(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Donors: 8, Projects: 120, Allocations: 500, Seed: 9})
	a := newAPI(t, d)

	var want int64
	byCountry, byYear, byDonor := map[string]int64{}, map[string]int64{}, map[string]int64{}
	projects := map[string]*funding.Project{}
	for _, p := range d.Projects {
		projects[p.ID] = p
	}
	donorOf := map[string]string{}
	for _, tf := range d.TrustFunds {
		donorOf[tf.ID] = tf.DonorID
	}
	for _, al := range d.Allocations {
		usd := toUSD(t, d, al)
		want += usd
		byYear[fmt.Sprint(al.Year)] += usd
		byDonor[donorOf[al.TrustFundID]] += usd
		p := projects[al.ProjectID]
		if len(p.Countries) == 0 {
			byCountry[""] += usd
			continue
		}
		var keys []string
		var weights []int64
		for _, c := range p.Countries {
			keys, weights = append(keys, c.CountryCode), append(weights, int64(c.Share))
		}
		for k, v := range split(usd, keys, weights) {
			byCountry[k] += v
		}
	}

	for _, dims := range [][]string{{"DONOR"}, {"AGREEMENT"}, {"TRUST_FUND"}, {"PROJECT"}, {"COUNTRY"}, {"REGION"}, {"YEAR"},
		{"THEME"}, {"IMPLEMENTING_AGENCY"}, {"COUNTRY", "YEAR"}, {"REGION", "DONOR"}, {"THEME", "COUNTRY"}} {
		t.Run(strings.Join(dims, "×"), func(t *testing.T) {
			var got reportResult
			a.query(t, reportQuery, map[string]any{"g": dims, "c": "USD"}, &got)
			r := got.FundingReport
			if r.Total == nil || r.Total.Currency != "USD" || cents(t, *r.Total) != want {
				t.Fatalf("total = %+v, want %d cents USD", r.Total, want)
			}
			if r.AllocationCount != len(d.Allocations) || r.Rows.TotalCount != len(r.Rows.Nodes) {
				t.Errorf("allocationCount %d (want %d), %d of %d rows", r.AllocationCount, len(d.Allocations), len(r.Rows.Nodes), r.Rows.TotalCount)
			}
			var sum int64
			rows := map[string]int64{}
			for _, row := range r.Rows.Nodes {
				sum += cents(t, *row.Total)
				switch dims[0] {
				case "COUNTRY":
					if len(dims) == 1 {
						rows[codeOf(row.Country)] = cents(t, *row.Total)
					}
				case "YEAR":
					rows[fmt.Sprint(*row.Year)] = cents(t, *row.Total)
				case "DONOR":
					rows[localID(row.Donor.ID)] = cents(t, *row.Total)
				}
			}
			if sum != want {
				t.Errorf("rows add up to %d cents, the total is %d", sum, want)
			}
			wantRows := map[string]map[string]int64{"COUNTRY": byCountry, "YEAR": byYear, "DONOR": byDonor}[dims[0]]
			if len(dims) == 1 && wantRows != nil && !mapsEqual(rows, wantRows) {
				t.Errorf("rows %v\nwant %v", rows, wantRows)
			}
		})
	}
}

func codeOf(c *struct{ Code string }) string {
	if c == nil {
		return ""
	}
	return c.Code
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestReportSplitsAndCurrencies checks figures by hand on the demo data.
func TestReportSplitsAndCurrencies(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	t.Run("ThreeCountrySplit", func(t *testing.T) {
		// RAF/02/01/FLA: MW 33.34 %, MZ 33.33 %, ZA 33.33 %; EUR 300,000.00 in 2002.
		var got reportResult
		f := map[string]any{"projectId": map[string]any{"eq": gid("Project", "p-southern-africa-social-dialogue")}, "year": map[string]any{"eq": 2002}}
		a.query(t, reportQuery, map[string]any{"g": []string{"COUNTRY"}, "f": f}, &got)
		rows := map[string]string{}
		for _, r := range got.FundingReport.Rows.Nodes {
			rows[codeOf(r.Country)] = r.Total.Amount
		}
		want := map[string]string{"MW": "100020.00", "MZ": "99990.00", "ZA": "99990.00"}
		if fmt.Sprint(rows) != fmt.Sprint(want) || got.FundingReport.Total.Amount != "300000.00" {
			t.Errorf("split = %v (total %+v), want %v", rows, got.FundingReport.Total, want)
		}
	})
	t.Run("Conversion", func(t *testing.T) {
		// EUR 137,721.00 in 2018 at 0.846740 EUR per USD (1 / 1.1810, 6 decimals):
		// 13,772,100 / 0.84674 = 16,264,851.08 cents → USD 162,648.51.
		var got reportResult
		f := map[string]any{"projectId": map[string]any{"eq": gid("Project", "p-malawi-tea-decent-work")}, "year": map[string]any{"eq": 2018}}
		a.query(t, reportQuery, map[string]any{"f": f, "c": "USD"}, &got)
		if tot := got.FundingReport.Total; tot == nil || *tot != (money{"162648.51", "USD"}) {
			t.Errorf("converted total = %+v, want 162648.51 USD", tot)
		}
	})
	t.Run("MissingRate", func(t *testing.T) {
		e := a.queryError(t, reportQuery, map[string]any{"g": []string{"YEAR"}, "c": "GBP"})
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "currency" || !strings.Contains(e.Message, "GBP in 2002") {
			t.Errorf("error = %+v, want BAD_USER_INPUT on currency naming GBP and 2002", e)
		}
	})
	t.Run("PerCurrency", func(t *testing.T) {
		var got reportResult
		a.query(t, reportQuery, map[string]any{"g": []string{"DONOR"}}, &got)
		r := got.FundingReport
		if r.Total != nil || len(r.Totals) != 2 || r.Totals[0].Currency != "EUR" || r.Totals[1].Currency != "USD" {
			t.Errorf("totals = %+v (total %+v): want EUR and USD apart, no single total", r.Totals, r.Total)
		}
	})
}

// TestSeriesFlowsBalances: a series fills empty years with zero, flows add up level by
// level, and a fund's balance is its contributions minus its allocations.
func TestSeriesFlowsBalances(t *testing.T) {
	d := seed.Flanders()
	a := newAPI(t, d)
	var s struct {
		FundingSeries struct {
			Points []struct {
				From, To int
				Total    money
			}
		}
	}
	// The Netherlands fund allocates from 2016 on: 2010–2015 are empty.
	f := map[string]any{"trustFundId": map[string]any{"eq": gid("TrustFund", "ilo-netherlands-tf")}}
	a.query(t, `query($f: AllocationFilter) { fundingSeries(filter: $f, from: 2010, to: 2020) { points { from to total { amount currency } } } }`,
		map[string]any{"f": f}, &s)
	if n := len(s.FundingSeries.Points); n != 11 {
		t.Fatalf("%d points, want 11 (2010–2020)", n)
	}
	for _, p := range s.FundingSeries.Points {
		var want int64
		for _, al := range d.Allocations {
			if al.TrustFundID == "ilo-netherlands-tf" && al.Year == p.From {
				want += al.Amount.Units
			}
		}
		if cents(t, p.Total) != want {
			t.Errorf("%d: %+v, want %d cents", p.From, p.Total, want)
		}
	}

	var fl struct {
		FundingFlows struct {
			Nodes []struct{ ID, Label, Level string }
			Links []struct {
				Source, Target string
				Amount         money
			}
		}
	}
	a.query(t, `{ fundingFlows(currency: "EUR") { nodes { id label level } links { source target amount { amount currency } } } }`, nil, &fl)
	level := map[string]string{}
	for _, n := range fl.FundingFlows.Nodes {
		level[n.ID] = n.Level
		if n.Label == "" {
			t.Errorf("node %s has no label", n.ID)
		}
	}
	out := map[string]int64{}
	for _, l := range fl.FundingFlows.Links {
		out[level[l.Source]] += cents(t, l.Amount)
	}
	var total reportResult
	a.query(t, reportQuery, map[string]any{"c": "EUR"}, &total)
	for _, lv := range []string{"DONOR", "TRUST_FUND", "PROJECT"} {
		if out[lv] != cents(t, *total.FundingReport.Total) {
			t.Errorf("links out of %s add up to %d, the total is %s", lv, out[lv], total.FundingReport.Total.Amount)
		}
	}

	var b struct {
		TrustFund struct {
			Balance struct {
				Contributed, Allocated, Remaining money
			}
		}
	}
	a.query(t, `{ trustFund(id: "`+gid("TrustFund", "ilo-flanders-tf")+`") { balance(year: 2021) {
		contributed { amount currency } allocated { amount currency } remaining { amount currency } } } }`, nil, &b)
	var allocated int64
	for _, al := range d.Allocations {
		if al.TrustFundID == "ilo-flanders-tf" && al.Year <= 2021 {
			allocated += al.Amount.Units
		}
	}
	bal := b.TrustFund.Balance
	if cents(t, bal.Contributed) != 10*90000000 || cents(t, bal.Allocated) != allocated || cents(t, bal.Remaining) != 10*90000000-allocated {
		t.Errorf("balance 2021 = %+v; want 9,000,000.00 contributed (10 bienniums), %d allocated", bal, allocated)
	}
}

// TestCSVExport: the CSV has a header and one line per row, adding up to the report total.
func TestCSVExport(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	target := "/export/funding-report.csv?groupBy=COUNTRY,YEAR&currency=USD&filter=" + url.QueryEscape(`{"year":{"gte":2016}}`)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	lines, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"country_code", "country", "year", "currency", "total", "allocation_count", "share_percent"}
	if !slices.Equal(lines[0], wantHeader) {
		t.Errorf("header %v, want %v", lines[0], wantHeader)
	}
	var got reportResult
	a.query(t, reportQuery, map[string]any{"g": []string{"COUNTRY", "YEAR"}, "c": "USD", "f": map[string]any{"year": map[string]any{"gte": 2016}}}, &got)
	var sum int64
	for _, l := range lines[1:] {
		sum += cents(t, money{l[4], l[3]})
	}
	if len(lines)-1 != got.FundingReport.Rows.TotalCount || sum != cents(t, *got.FundingReport.Total) {
		t.Errorf("%d CSV rows adding up to %d; the report has %d rows and total %s", len(lines)-1, sum, got.FundingReport.Rows.TotalCount, got.FundingReport.Total.Amount)
	}

	rec = httptest.NewRecorder()
	a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/funding-report.csv?groupBy=COUNTRY&currency=GBP", nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "GBP") {
		t.Errorf("missing rate: status %d: %s", rec.Code, rec.Body)
	}
}

// TestSetExchangeRate: an ADMIN adds the missing GBP rates, and the report that failed for
// want of them converts: GBP 1 per USD 0.8 makes USD 100.00 into GBP 80.00.
func TestSetExchangeRate(t *testing.T) {
	m := newMutAPI(t, false)
	const set = `mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { exchangeRate { currency year perUSD illustrative } } }`
	in := map[string]any{"currency": "GBP", "year": 2021, "perUSD": "0.8", "source": "test"}
	if _, e := m.fail(t, m.editor, set, inputVars(in)); e.Extensions["code"] != "FORBIDDEN" {
		t.Errorf("EDITOR setting a rate: %+v, want FORBIDDEN", e)
	}
	if _, e := m.fail(t, m.admin, set, inputVars(withFields(in, "perUSD", "-1"))); e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "input.perUSD" {
		t.Errorf("negative rate: %+v, want BAD_USER_INPUT on input.perUSD", e)
	}
	for y := 2020; y <= 2022; y++ {
		var got struct {
			SetExchangeRate struct{ ExchangeRate struct{ PerUSD string } }
		}
		m.ok(t, m.admin, set, inputVars(withFields(in, "year", y)), &got)
		if got.SetExchangeRate.ExchangeRate.PerUSD != "0.8" {
			t.Errorf("stored rate %+v", got.SetExchangeRate)
		}
	}
	// The Decent Work Futures fund gives USD: its 2021 allocation of USD 120,000.00 is
	// GBP 96,000.00 at 0.8.
	var rep reportResult
	f := map[string]any{"trustFundId": map[string]any{"eq": gid("TrustFund", "ilo-demo-foundation-tf")}, "year": map[string]any{"eq": 2021}}
	m.ok(t, m.viewer, reportQuery, map[string]any{"f": f, "c": "GBP"}, &rep)
	var usd int64
	for _, al := range seed.Flanders().Allocations {
		if al.TrustFundID == "ilo-demo-foundation-tf" && al.Year == 2021 {
			usd += al.Amount.Units
		}
	}
	if tot := rep.FundingReport.Total; tot == nil || tot.Currency != "GBP" || cents(t, *tot) != usd*8/10 {
		t.Errorf("GBP total %+v, want %d pence", tot, usd*8/10)
	}
}
