package seed_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

func TestCountries(t *testing.T) {
	cs := seed.Countries()
	if len(cs) != 249 {
		t.Fatalf("got %d countries, want 249", len(cs))
	}
	byCode := map[string]*funding.Country{}
	var noRegion []string
	for _, c := range cs {
		if len(c.Code) != 2 || len(c.ISO3) != 3 || c.Name == "" {
			t.Errorf("malformed country %+v", *c)
		}
		if byCode[c.Code] != nil {
			t.Errorf("duplicate code %s", c.Code)
		}
		byCode[c.Code] = c
		if c.Region == "" {
			noRegion = append(noRegion, c.Code)
		}
	}
	// The source data gives no UN M49 region for Antarctica and for Taiwan.
	if !reflect.DeepEqual(noRegion, []string{"AQ", "TW"}) {
		t.Errorf("countries without a region: %v, want [AQ TW]", noRegion)
	}
	want := map[string]funding.Country{
		"MW": {Code: "MW", ISO3: "MWI", Name: "Malawi", Region: "Africa", SubRegion: "Sub-Saharan Africa"},
		"NA": {Code: "NA", ISO3: "NAM", Name: "Namibia", Region: "Africa", SubRegion: "Sub-Saharan Africa"},
		"BE": {Code: "BE", ISO3: "BEL", Name: "Belgium", Region: "Europe", SubRegion: "Western Europe"},
		"AQ": {Code: "AQ", ISO3: "ATA", Name: "Antarctica"},
	}
	for code, w := range want {
		if c := byCode[code]; c == nil || *c != w {
			t.Errorf("country %s = %+v, want %+v", code, c, w)
		}
	}

	// Each call returns a new slice.
	cs[0] = nil
	if seed.Countries()[0] == nil {
		t.Error("Countries returned a shared slice")
	}
}

func TestFlandersIntegrity(t *testing.T) {
	checkDataset(t, seed.Flanders())
}

func TestFlandersDeterministic(t *testing.T) {
	if !reflect.DeepEqual(seed.Flanders(), seed.Flanders()) {
		t.Error("two calls of Flanders differ")
	}
}

func TestFlandersFacts(t *testing.T) {
	d := seed.Flanders()

	donor := find(t, d.Donors, "flanders", func(x *funding.Donor) string { return x.ID })
	if donor.Name != "Government of Flanders" || donor.ShortName != "Flanders" ||
		donor.Type != funding.DonorSubnationalGovernment || donor.HomeCountryCode != "BE" ||
		donor.CooperatingSince != 1991 || !reflect.DeepEqual(donor.PartnerCountryCodes, []string{"MW", "MZ", "ZA"}) {
		t.Errorf("Flanders donor = %+v", *donor)
	}
	if len(d.Donors) < 3 {
		t.Errorf("got %d donors, want at least 3", len(d.Donors))
	}

	for id, year := range map[string]int{"flanders-ilo-1997": 1997, "flanders-ilo-2011": 2011, "flanders-ilo-2016": 2016} {
		a := find(t, d.Agreements, id, func(x *funding.Agreement) string { return x.ID })
		if a.DonorID != "flanders" || a.Counterpart != "ILO" || a.SignedOn.Year() != year || a.Source == "" || len(a.Themes) == 0 {
			t.Errorf("agreement %s = %+v", id, *a)
		}
	}
	if a := find(t, d.Agreements, "flanders-ilo-2011", func(x *funding.Agreement) string { return x.ID }); a.SignedOn.Time().Month() != 3 {
		t.Errorf("2011 agreement signed on %s, want March", a.SignedOn)
	}

	tf := find(t, d.TrustFunds, "ilo-flanders-tf", func(x *funding.TrustFund) string { return x.ID })
	if tf.Name != "ILO-Flanders Trust Fund" || tf.EstablishedOn.String() != "2001-12-01" ||
		tf.StartsOn.String() != "2001-01-01" || tf.Currency != "EUR" || tf.Status != funding.TrustFundActive ||
		!reflect.DeepEqual(tf.AgreementIDs, []string{"flanders-ilo-1997", "flanders-ilo-2011", "flanders-ilo-2016"}) {
		t.Errorf("trust fund = %+v", *tf)
	}
	if len(tf.Extensions) < 3 || tf.EndsOn != tf.Extensions[len(tf.Extensions)-1].EndsOn {
		t.Errorf("trust fund extensions %+v, ends on %s", tf.Extensions, tf.EndsOn)
	}

	// The Malawi tea project: public budget, allocations summing to it exactly.
	malawi := find(t, d.Projects, "MLW/18/01/FLA", func(x *funding.Project) string { return x.Code })
	if malawi.Budget == nil || *malawi.Budget != (funding.Money{Units: 27544200, Currency: "EUR"}) ||
		!reflect.DeepEqual(malawi.Countries, []funding.CountryShare{{CountryCode: "MW", Share: 10000}}) ||
		malawi.Illustrative || malawi.Source == "" || malawi.StartsOn.Year() != 2018 {
		t.Errorf("Malawi project = %+v", *malawi)
	}
	var sum int64
	for _, a := range d.Allocations {
		if a.ProjectID == malawi.ID {
			sum += a.Amount.Units
			if a.Illustrative || a.Amount.Currency != "EUR" || a.TrustFundID != "ilo-flanders-tf" || a.Year < 2018 || a.Year > 2019 {
				t.Errorf("Malawi allocation %+v", *a)
			}
		}
	}
	if sum != 27544200 {
		t.Errorf("Malawi allocations sum to %d, want 27544200", sum)
	}

	// The public EUR 900,000 contribution for 2020–2021.
	var y2020 int64
	for _, a := range d.Allocations {
		if a.TrustFundID == "ilo-flanders-tf" && (a.Year == 2020 || a.Year == 2021) && !a.Illustrative {
			y2020 += a.Amount.Units
		}
	}
	if y2020 != 90000000 {
		t.Errorf("published 2020–2021 allocations sum to %d, want 90000000", y2020)
	}

	gpsl := find(t, d.Projects, "GLO/22/01/FLA", func(x *funding.Project) string { return x.Code })
	if len(gpsl.Countries) != 0 || gpsl.Status != funding.ProjectActive || gpsl.ImplementingAgency != "ILO" {
		t.Errorf("GPSL project = %+v", *gpsl)
	}

	var threeWay, mz, za, itcilo, flandersProjects int
	fundOf := map[string]string{}
	for _, a := range d.Allocations {
		fundOf[a.ProjectID] = a.TrustFundID
	}
	for _, p := range d.Projects {
		if fundOf[p.ID] != "ilo-flanders-tf" {
			continue
		}
		flandersProjects++
		if reflect.DeepEqual(p.Countries, []funding.CountryShare{{CountryCode: "MW", Share: 3334}, {CountryCode: "MZ", Share: 3333}, {CountryCode: "ZA", Share: 3333}}) {
			threeWay++
		}
		for _, c := range p.Countries {
			switch c.CountryCode {
			case "MZ":
				mz++
			case "ZA":
				za++
			}
		}
		if p.ImplementingAgency == "ITCILO" {
			itcilo++
		}
		if p.EndsOn.Year() < 2026 && p.Status != funding.ProjectCompleted || p.EndsOn.Year() >= 2026 && p.Status != funding.ProjectActive {
			t.Errorf("project %s ends %s with status %s", p.Code, p.EndsOn, p.Status)
		}
	}
	if flandersProjects < 8 || flandersProjects > 12 {
		t.Errorf("%d Flanders projects, want 8 to 12", flandersProjects)
	}
	if threeWay == 0 || mz == 0 || za == 0 {
		t.Errorf("MW/MZ/ZA projects %d, Mozambique %d, South Africa %d; want each > 0", threeWay, mz, za)
	}
	if itcilo*10 < flandersProjects*4 || itcilo*10 > flandersProjects*6 {
		t.Errorf("%d of %d Flanders projects by ITCILO, want about half", itcilo, flandersProjects)
	}

	currencies := map[string]bool{}
	for _, tf := range d.TrustFunds {
		currencies[tf.Currency] = true
	}
	if !currencies["EUR"] || !currencies["USD"] {
		t.Errorf("trust fund currencies %v, want EUR and USD", currencies)
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	o := seed.SyntheticOptions{Donors: 5, Projects: 60, Allocations: 300, Seed: 42}
	a, b := seed.Synthetic(o), seed.Synthetic(o)
	if !reflect.DeepEqual(a, b) {
		t.Error("same options gave different datasets")
	}
	o.Seed = 43
	if reflect.DeepEqual(a, seed.Synthetic(o)) {
		t.Error("different seeds gave the same dataset")
	}
}

func TestSyntheticCounts(t *testing.T) {
	for _, tc := range []struct {
		o                            seed.SyntheticOptions
		donors, projects, allocation int
	}{
		{seed.SyntheticOptions{Donors: 3, Projects: 10, Allocations: 4, Seed: 1}, 3, 10, 4},
		{seed.SyntheticOptions{Donors: 1, Projects: 1, Allocations: 1, Seed: -7}, 1, 1, 1},
		{seed.SyntheticOptions{Donors: 12, Projects: 150, Allocations: 12000, Seed: 9}, 12, 150, 12000},
	} {
		d := seed.Synthetic(tc.o)
		if len(d.Donors) != tc.donors || len(d.Projects) != tc.projects || len(d.Allocations) != tc.allocation {
			t.Errorf("%+v: got %d donors, %d projects, %d allocations", tc.o,
				len(d.Donors), len(d.Projects), len(d.Allocations))
		}
		checkDataset(t, d)
		checkSynthetic(t, d)
	}
}

func TestSyntheticDefaults(t *testing.T) {
	d := seed.Synthetic(seed.SyntheticOptions{Seed: 2026})
	if len(d.Donors) != 30 || len(d.Projects) != 2000 || len(d.Allocations) != 10000 {
		t.Fatalf("got %d donors, %d projects, %d allocations; want 30, 2000, 10000",
			len(d.Donors), len(d.Projects), len(d.Allocations))
	}
	if len(d.Countries) != 249 {
		t.Errorf("got %d countries", len(d.Countries))
	}
	checkDataset(t, d)
	checkSynthetic(t, d)

	// Shapes: about 20 % global, 50 % single-country, 30 % multi-country projects;
	// every project has an allocation; several donor types, currencies and agencies.
	var global, single, multi int
	for _, p := range d.Projects {
		switch n := len(p.Countries); {
		case n == 0:
			global++
		case n == 1:
			single++
		case n <= 4:
			multi++
		default:
			t.Errorf("project %s has %d countries", p.ID, n)
		}
	}
	if global < 300 || global > 500 || single < 900 || single > 1100 || multi < 500 || multi > 700 {
		t.Errorf("global %d, single %d, multi %d of 2000", global, single, multi)
	}
	funded := map[string]bool{}
	for _, a := range d.Allocations {
		funded[a.ProjectID] = true
	}
	if len(funded) != len(d.Projects) {
		t.Errorf("%d of %d projects have allocations", len(funded), len(d.Projects))
	}
	types, currencies, agencies := map[funding.DonorType]bool{}, map[string]bool{}, map[string]bool{}
	for _, x := range d.Donors {
		types[x.Type] = true
	}
	for _, x := range d.TrustFunds {
		currencies[x.Currency] = true
	}
	for _, x := range d.Projects {
		agencies[x.ImplementingAgency] = true
	}
	if len(types) < 4 || len(currencies) < 5 || len(agencies) != 4 {
		t.Errorf("donor types %v, currencies %v, agencies %v", types, currencies, agencies)
	}
}

// checkSynthetic checks what is particular to synthetic data: id order, the ranges of
// years and amounts, and that everything is marked synthetic.
func checkSynthetic(t *testing.T, d *seed.Dataset) {
	t.Helper()
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	for name, list := range map[string][]string{
		"donors":      ids(len(d.Donors), func(i int) string { return d.Donors[i].ID }),
		"agreements":  ids(len(d.Agreements), func(i int) string { return d.Agreements[i].ID }),
		"trust funds": ids(len(d.TrustFunds), func(i int) string { return d.TrustFunds[i].ID }),
		"projects":    ids(len(d.Projects), func(i int) string { return d.Projects[i].ID }),
		"allocations": ids(len(d.Allocations), func(i int) string { return d.Allocations[i].ID }),
	} {
		if !slices.IsSorted(list) {
			t.Errorf("%s ids are not in string order", name)
		}
	}
	if d.Donors[0].ID != "syn-donor-0001" || d.Projects[0].ID != "syn-proj-00001" ||
		d.Projects[0].Code != "SYN/00001" || d.Allocations[0].ID != "syn-alloc-000001" {
		t.Errorf("unexpected first ids %s %s %s %s", d.Donors[0].ID, d.Projects[0].ID, d.Projects[0].Code, d.Allocations[0].ID)
	}
	for _, p := range d.Projects {
		if y := p.StartsOn.Year(); y < 1995 || y > 2024 {
			t.Errorf("project %s starts in %d", p.ID, y)
		}
		if n := p.EndsOn.Year() - p.StartsOn.Year(); n < 0 || n > 6 {
			t.Errorf("project %s lasts from %s to %s", p.ID, p.StartsOn, p.EndsOn)
		}
	}
	for _, a := range d.Allocations {
		scale := int64(1)
		for range funding.MinorDigits(a.Amount.Currency) {
			scale *= 10
		}
		if a.Amount.Units%scale != 0 || a.Amount.Units < 10_000*scale || a.Amount.Units > 2_000_000*scale {
			t.Errorf("allocation %s amount %s %s", a.ID, a.Amount.Decimal(), a.Amount.Currency)
		}
		if !a.Illustrative || a.Source != "synthetic" || a.Year > 2025 {
			t.Errorf("allocation %+v", *a)
		}
	}
}

// checkDataset checks what every dataset must satisfy: unique ids and codes, every
// reference resolves, shares sum to 100 %, allocation years lie within the fund's period
// and the project's dates, amounts are in the fund's currency, published amounts name
// their source, and a project's budget equals the total of its allocations.
func checkDataset(t *testing.T, d *seed.Dataset) {
	t.Helper()
	countries := index(t, "country", d.Countries, func(x *funding.Country) string { return x.Code })
	donors := index(t, "donor", d.Donors, func(x *funding.Donor) string { return x.ID })
	agreements := index(t, "agreement", d.Agreements, func(x *funding.Agreement) string { return x.ID })
	funds := index(t, "trust fund", d.TrustFunds, func(x *funding.TrustFund) string { return x.ID })
	projects := index(t, "project", d.Projects, func(x *funding.Project) string { return x.ID })
	index(t, "project code", d.Projects, func(x *funding.Project) string { return x.Code })
	index(t, "allocation", d.Allocations, func(x *funding.Allocation) string { return x.ID })

	for _, x := range d.Donors {
		for _, code := range append([]string{x.HomeCountryCode}, x.PartnerCountryCodes...) {
			if countries[code] == nil {
				t.Errorf("donor %s: unknown country %q", x.ID, code)
			}
		}
		if x.Name == "" || x.Type == "" {
			t.Errorf("donor %s has no name or type", x.ID)
		}
	}
	for _, x := range d.Agreements {
		if donors[x.DonorID] == nil {
			t.Errorf("agreement %s: unknown donor %q", x.ID, x.DonorID)
		}
		if x.SignedOn.IsZero() || x.StartsOn.IsZero() {
			t.Errorf("agreement %s has no dates", x.ID)
		}
	}
	for _, x := range d.TrustFunds {
		if donors[x.DonorID] == nil {
			t.Errorf("trust fund %s: unknown donor %q", x.ID, x.DonorID)
		}
		if len(x.AgreementIDs) == 0 {
			t.Errorf("trust fund %s has no agreement", x.ID)
		}
		for _, id := range x.AgreementIDs {
			if a := agreements[id]; a == nil || a.DonorID != x.DonorID {
				t.Errorf("trust fund %s: agreement %q is unknown or another donor's", x.ID, id)
			}
		}
		if !funding.ValidCurrencyCode(x.Currency) || x.EndsOn.Time().Before(x.StartsOn.Time()) {
			t.Errorf("trust fund %s: currency %q, period %s to %s", x.ID, x.Currency, x.StartsOn, x.EndsOn)
		}
		if n := len(x.Extensions); n > 0 && x.Extensions[n-1].EndsOn != x.EndsOn {
			t.Errorf("trust fund %s ends %s, its last extension %s", x.ID, x.EndsOn, x.Extensions[n-1].EndsOn)
		}
	}
	for _, x := range d.Projects {
		sum := 0
		seen := map[string]bool{}
		for _, c := range x.Countries {
			if countries[c.CountryCode] == nil || seen[c.CountryCode] || c.Share <= 0 {
				t.Errorf("project %s: bad country share %+v", x.ID, c)
			}
			seen[c.CountryCode] = true
			sum += c.Share
		}
		if len(x.Countries) > 0 && sum != funding.ShareScale {
			t.Errorf("project %s: shares sum to %d", x.ID, sum)
		}
		if x.StartsOn.IsZero() || x.EndsOn.Time().Before(x.StartsOn.Time()) || x.Status == "" || len(x.Themes) == 0 {
			t.Errorf("project %s: dates %s to %s, status %q, themes %v", x.ID, x.StartsOn, x.EndsOn, x.Status, x.Themes)
		}
		if !x.Illustrative && x.Source == "" {
			t.Errorf("published project %s has no source", x.ID)
		}
	}
	totals := map[string]funding.Money{}
	for _, x := range d.Allocations {
		f, p := funds[x.TrustFundID], projects[x.ProjectID]
		if f == nil || p == nil {
			t.Errorf("allocation %s: unknown trust fund %q or project %q", x.ID, x.TrustFundID, x.ProjectID)
			continue
		}
		if x.Year < f.StartsOn.Year() || x.Year > f.EndsOn.Year() {
			t.Errorf("allocation %s: year %d outside fund %s's period %s to %s", x.ID, x.Year, f.ID, f.StartsOn, f.EndsOn)
		}
		if x.Year < p.StartsOn.Year() || x.Year > p.EndsOn.Year() {
			t.Errorf("allocation %s: year %d outside project %s's dates %s to %s", x.ID, x.Year, p.ID, p.StartsOn, p.EndsOn)
		}
		if x.Amount.Currency != f.Currency || x.Amount.Units <= 0 {
			t.Errorf("allocation %s: amount %d %s from a %s fund", x.ID, x.Amount.Units, x.Amount.Currency, f.Currency)
		}
		if x.ImplementingAgency != p.ImplementingAgency {
			t.Errorf("allocation %s: agency %q, project's %q", x.ID, x.ImplementingAgency, p.ImplementingAgency)
		}
		if !x.Illustrative && x.Source == "" {
			t.Errorf("published allocation %s has no source", x.ID)
		}
		total := totals[x.ProjectID]
		if total.Currency != "" && total.Currency != x.Amount.Currency {
			t.Errorf("project %s has allocations in %s and %s", x.ProjectID, total.Currency, x.Amount.Currency)
		}
		totals[x.ProjectID] = funding.Money{Units: total.Units + x.Amount.Units, Currency: x.Amount.Currency}
	}
	for _, x := range d.Projects {
		if x.Budget != nil && *x.Budget != totals[x.ID] {
			t.Errorf("project %s: budget %+v, allocations total %+v", x.ID, *x.Budget, totals[x.ID])
		}
	}
}

// index maps each element of list by key, reporting empty and duplicate keys.
func index[T any](t *testing.T, what string, list []*T, key func(*T) string) map[string]*T {
	t.Helper()
	m := make(map[string]*T, len(list))
	for _, x := range list {
		k := key(x)
		if k == "" || m[k] != nil {
			t.Errorf("%s id %q is empty or duplicate", what, k)
		}
		m[k] = x
	}
	return m
}

// find returns the element of list whose key is k, failing the test if there is none.
func find[T any](t *testing.T, list []*T, k string, key func(*T) string) *T {
	t.Helper()
	for _, x := range list {
		if key(x) == k {
			return x
		}
	}
	t.Fatalf("no %q", k)
	return nil
}

// recorder is a seed.Writer that records what it is asked to write, and can fail.
type recorder struct {
	calls  []string
	counts []int
	failOn string
}

func (r *recorder) put(name string, n int) error {
	r.calls = append(r.calls, name)
	r.counts = append(r.counts, n)
	if name == r.failOn {
		return errBoom
	}
	return nil
}

var errBoom = errors.New("boom")

func (r *recorder) PutCountries(_ context.Context, cs []*funding.Country) error {
	return r.put("countries", len(cs))
}
func (r *recorder) PutDonors(_ context.Context, ds []*funding.Donor) error {
	return r.put("donors", len(ds))
}
func (r *recorder) PutAgreements(_ context.Context, as []*funding.Agreement) error {
	return r.put("agreements", len(as))
}
func (r *recorder) PutTrustFunds(_ context.Context, ts []*funding.TrustFund) error {
	return r.put("trust funds", len(ts))
}
func (r *recorder) PutProjects(_ context.Context, ps []*funding.Project) error {
	return r.put("projects", len(ps))
}
func (r *recorder) PutAllocations(_ context.Context, as []*funding.Allocation) error {
	return r.put("allocations", len(as))
}

func (r *recorder) PutExchangeRates(_ context.Context, rs []*funding.ExchangeRate) error {
	return r.put("exchange rates", len(rs))
}

func TestLoad(t *testing.T) {
	d := seed.Flanders()
	r := &recorder{}
	if err := seed.Load(context.Background(), r, d); err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{"countries", "donors", "agreements", "trust funds", "projects", "allocations", "exchange rates"}
	wantCounts := []int{len(d.Countries), len(d.Donors), len(d.Agreements), len(d.TrustFunds), len(d.Projects), len(d.Allocations), len(d.ExchangeRates)}
	if !reflect.DeepEqual(r.calls, wantCalls) || !reflect.DeepEqual(r.counts, wantCounts) {
		t.Errorf("Load wrote %v %v, want %v %v", r.calls, r.counts, wantCalls, wantCounts)
	}

	r = &recorder{failOn: "trust funds"}
	err := seed.Load(context.Background(), r, d)
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "trust funds") {
		t.Errorf("Load error = %v, want it to wrap errBoom and name trust funds", err)
	}
	if len(r.calls) != 4 {
		t.Errorf("Load went on after an error: %v", r.calls)
	}
}
