package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// SyntheticOptions sizes a synthetic dataset. A count that is zero (or negative) takes
// its default: 30 donors, 2000 projects, 10000 allocations. Seed chooses the data: the
// same options always give the same dataset.
type SyntheticOptions struct {
	Donors, Projects, Allocations int
	Seed                          int64
}

// Defaults of SyntheticOptions.
const (
	defaultDonors      = 30
	defaultProjects    = 2000
	defaultAllocations = 10000
)

// Vocabulary of the synthetic data.
var (
	synDonorTypes = []funding.DonorType{ // repeated entries make a type more frequent
		funding.DonorGovernment, funding.DonorGovernment, funding.DonorGovernment, funding.DonorGovernment,
		funding.DonorSubnationalGovernment, funding.DonorSubnationalGovernment,
		funding.DonorMultilateral, funding.DonorFoundation, funding.DonorFoundation,
		funding.DonorPrivateSector, funding.DonorOther,
	}
	synCurrencies = []string{"EUR", "USD", "GBP", "CHF", "SEK", "JPY"}
	synThemes     = []string{
		"decent work", "social dialogue", "youth employment", "women's economic empowerment",
		"skills", "social protection", "child labour", "occupational safety and health",
		"green jobs", "labour migration",
	}
	synAgencies = []string{"ILO", "ITCILO", "UNDP", "UNICEF"}
)

// Bounds of the synthetic data, in years.
const (
	synFirstProjectYear = 1995
	synLastProjectStart = 2024
	synLastAllocation   = 2025
	synToday            = 2026 // projects ending before it are COMPLETED
)

// Synthetic returns a generated dataset of the given size for load tests and demos of
// scale. It is deterministic: equal options give deeply equal datasets. It includes
// Countries(); every reference resolves, every project's country shares sum to
// funding.ShareScale, and every allocation's year lies within its project's dates and
// its trust fund's period. All amounts are invented (Illustrative, Source "synthetic").
// When there are at least as many allocations as projects, every project gets one.
func Synthetic(o SyntheticOptions) *Dataset {
	if o.Donors <= 0 {
		o.Donors = defaultDonors
	}
	if o.Projects <= 0 {
		o.Projects = defaultProjects
	}
	if o.Allocations <= 0 {
		o.Allocations = defaultAllocations
	}
	g := &synGen{
		rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15)),
		d:   &Dataset{Countries: Countries()},
	}
	for _, c := range g.d.Countries {
		if c.Region != "" {
			g.candidates = append(g.candidates, c)
		}
	}

	agrWidth, tfWidth := width(3*o.Donors, 5), width(3*o.Donors, 5)
	for i := 1; i <= o.Donors; i++ {
		donor := g.donor(i, width(o.Donors, 4))
		var agreements []*funding.Agreement
		for range 1 + g.rng.IntN(3) {
			a := g.agreement(donor, pad("syn-agr-", len(g.d.Agreements)+1, agrWidth))
			agreements = append(agreements, a)
		}
		for range 1 + g.rng.IntN(3) {
			g.trustFund(donor, agreements, pad("syn-tf-", len(g.d.TrustFunds)+1, tfWidth))
		}
	}

	projWidth := width(o.Projects, 5)
	for i := 1; i <= o.Projects; i++ {
		g.project(i, projWidth)
	}

	allocWidth := width(o.Allocations, 6)
	for i := 1; i <= o.Allocations; i++ {
		k := i - 1
		if k >= len(g.d.Projects) {
			k = g.rng.IntN(len(g.d.Projects))
		}
		g.allocation(pad("syn-alloc-", i, allocWidth), k)
	}

	// A project's budget is the total of its allocations (all in its fund's currency).
	for k, p := range g.d.Projects {
		if g.totals[k] > 0 {
			p.Budget = &funding.Money{Units: g.totals[k], Currency: g.projectFund[k].Currency}
		}
	}
	contributions(g.d)
	g.d.ExchangeRates = syntheticRates()
	return g.d
}

// syntheticRates are invented yearly rates for the synthetic currencies: a base value per
// currency moved by a few percent from year to year, deterministically.
func syntheticRates() []*funding.ExchangeRate {
	base := map[string]float64{"EUR": 0.9, "GBP": 0.78, "CHF": 0.95, "SEK": 9.5, "JPY": 115}
	var out []*funding.ExchangeRate
	for _, c := range synCurrencies {
		if c == "USD" {
			continue
		}
		for y := 1990; y <= 2030; y++ {
			move := 1 + float64((y*37)%21-10)/200
			out = append(out, &funding.ExchangeRate{Currency: c, Year: y, PerUSD: strconv.FormatFloat(base[c]*move, 'f', 6, 64),
				Source: "synthetic", Illustrative: true})
		}
	}
	return out
}

// synGen holds the state of one Synthetic run.
type synGen struct {
	rng        *rand.Rand
	d          *Dataset
	candidates []*funding.Country // countries with a region

	fundDonor   []*funding.Donor     // the donor of d.TrustFunds[i]
	projectFund []*funding.TrustFund // the fund paying d.Projects[k]
	totals      []int64              // allocated units of d.Projects[k]
}

func (g *synGen) donor(i, w int) *funding.Donor {
	typ := synDonorTypes[g.rng.IntN(len(synDonorTypes))]
	home := g.country()
	num := fmt.Sprintf("%0*d", w, i)
	var name string
	switch typ {
	case funding.DonorGovernment:
		name = "Government of " + home.Name + " (synthetic " + num + ")"
	case funding.DonorSubnationalGovernment:
		name = "Regional Government " + num + " of " + home.Name + " (synthetic)"
	case funding.DonorMultilateral:
		name = "Synthetic Development Bank " + num
	case funding.DonorFoundation:
		name = "Synthetic Foundation " + num + " (" + home.Name + ")"
	case funding.DonorPrivateSector:
		name = "Synthetic Company " + num + " (" + home.Name + ")"
	default:
		name = "Synthetic Donor " + num
	}
	d := &funding.Donor{
		ID:               "syn-donor-" + num,
		Name:             name,
		ShortName:        "SYN-D" + num,
		Type:             typ,
		HomeCountryCode:  home.Code,
		CooperatingSince: 1960 + g.rng.IntN(51),
		Description:      "Synthetic donor generated for load tests; not a real body.",
	}
	for _, c := range g.countries(g.rng.IntN(6), home.Code) {
		d.PartnerCountryCodes = append(d.PartnerCountryCodes, c.Code)
	}
	g.d.Donors = append(g.d.Donors, d)
	return d
}

func (g *synGen) agreement(donor *funding.Donor, id string) *funding.Agreement {
	signed := g.date(1990 + g.rng.IntN(16))
	a := &funding.Agreement{
		ID:          id,
		DonorID:     donor.ID,
		Counterpart: "ILO",
		Title:       "Synthetic framework agreement " + id,
		SignedOn:    signed,
		StartsOn:    signed,
		Themes:      g.themes(),
		Description: "Synthetic agreement generated for load tests.",
		Source:      "synthetic",
	}
	if g.rng.IntN(2) == 0 {
		a.EndsOn = funding.NewDate(signed.Year()+10+g.rng.IntN(21), time.December, 31)
	}
	g.d.Agreements = append(g.d.Agreements, a)
	return a
}

func (g *synGen) trustFund(donor *funding.Donor, agreements []*funding.Agreement, id string) {
	startYear := 1995 + g.rng.IntN(11)
	endYear := 2026 + g.rng.IntN(5)
	t := &funding.TrustFund{
		ID:            id,
		DonorID:       donor.ID,
		Name:          "Synthetic trust fund " + id,
		EstablishedOn: g.date(startYear - 1),
		StartsOn:      funding.NewDate(startYear, time.January, 1),
		EndsOn:        funding.NewDate(endYear, time.December, 31),
		Currency:      synCurrencies[g.rng.IntN(len(synCurrencies))],
		Status:        funding.TrustFundActive,
		Description:   "Synthetic trust fund generated for load tests.",
	}
	// One or two of the donor's agreements, in the donor's order.
	first := g.rng.IntN(len(agreements))
	t.AgreementIDs = []string{agreements[first].ID}
	if len(agreements) > 1 && g.rng.IntN(2) == 0 {
		second := (first + 1 + g.rng.IntN(len(agreements)-1)) % len(agreements)
		t.AgreementIDs = []string{agreements[min(first, second)].ID, agreements[max(first, second)].ID}
	}
	// Zero to two extensions from an initial five-year period to the final end.
	initialEnd := startYear + 4
	n := g.rng.IntN(3)
	for j := 1; j <= n; j++ {
		prevEnd := initialEnd + (endYear-initialEnd)*(j-1)/n
		t.Extensions = append(t.Extensions, funding.Extension{
			DecidedOn: funding.NewDate(prevEnd, time.June, 1),
			EndsOn:    funding.NewDate(initialEnd+(endYear-initialEnd)*j/n, time.December, 31),
			Note:      "synthetic",
		})
	}
	g.d.TrustFunds = append(g.d.TrustFunds, t)
	g.fundDonor = append(g.fundDonor, donor)
}

func (g *synGen) project(i, w int) {
	f := g.rng.IntN(len(g.d.TrustFunds))
	fund, donor := g.d.TrustFunds[f], g.fundDonor[f]
	startYear := max(synFirstProjectYear, fund.StartsOn.Year()) + g.rng.IntN(synLastProjectStart-max(synFirstProjectYear, fund.StartsOn.Year())+1)
	starts := funding.NewDate(startYear, time.Month(1+g.rng.IntN(12)), 1)
	ends := funding.DateOf(starts.Time().AddDate(1+g.rng.IntN(6), 0, -1))
	num := fmt.Sprintf("%0*d", w, i)
	themes := g.themes()
	p := &funding.Project{
		ID:                 "syn-proj-" + num,
		Code:               "SYN/" + num,
		Description:        "Synthetic project generated for load tests.",
		Status:             funding.ProjectCompleted,
		StartsOn:           starts,
		EndsOn:             ends,
		Themes:             themes,
		ImplementingAgency: synAgencies[g.rng.IntN(len(synAgencies))],
		Illustrative:       true,
		Source:             "synthetic",
	}
	if ends.Year() >= synToday {
		p.Status = funding.ProjectActive
	}

	// About 20 % global, 50 % in one country, 30 % in two to four countries; half of
	// the time the first country is one of the donor's partner countries.
	var n int
	switch r := g.rng.IntN(100); {
	case r < 20:
		n = 0
	case r < 70:
		n = 1
	default:
		n = 2 + g.rng.IntN(3)
	}
	var cs []*funding.Country
	if n > 0 && len(donor.PartnerCountryCodes) > 0 && g.rng.IntN(2) == 0 {
		cs = append(cs, g.countryByCode(donor.PartnerCountryCodes[g.rng.IntN(len(donor.PartnerCountryCodes))]))
	}
	for _, c := range g.countries(n-len(cs), codes(cs)...) {
		cs = append(cs, c)
	}
	place := "global"
	if len(cs) == 1 {
		place = cs[0].Name
	} else if len(cs) > 1 {
		place = strconv.Itoa(len(cs)) + " countries"
	}
	p.Title = fmt.Sprintf("Synthetic %s project %s (%s)", themes[0], num, place)
	for k, share := range g.shares(len(cs)) {
		p.Countries = append(p.Countries, funding.CountryShare{CountryCode: cs[k].Code, Share: share})
	}

	g.d.Projects = append(g.d.Projects, p)
	g.projectFund = append(g.projectFund, fund)
	g.totals = append(g.totals, 0)
}

// allocation appends an allocation to project k from the fund that pays it, in a year
// within both the project's dates and the fund's period.
func (g *synGen) allocation(id string, k int) {
	p, fund := g.d.Projects[k], g.projectFund[k]
	first := max(p.StartsOn.Year(), fund.StartsOn.Year())
	last := min(p.EndsOn.Year(), fund.EndsOn.Year(), synLastAllocation)
	year := first + g.rng.IntN(last-first+1)
	whole := (10_000 + g.rng.Int64N(2_000_000-10_000+1)) / 100 * 100
	units := whole
	for range funding.MinorDigits(fund.Currency) {
		units *= 10
	}
	g.d.Allocations = append(g.d.Allocations, &funding.Allocation{
		ID:                 id,
		TrustFundID:        fund.ID,
		ProjectID:          p.ID,
		Type:               funding.Commitment,
		Year:               year,
		Amount:             funding.Money{Units: units, Currency: fund.Currency},
		ImplementingAgency: p.ImplementingAgency,
		ApprovedOn:         funding.NewDate(year, time.Month(1+g.rng.IntN(3)), 1+g.rng.IntN(28)),
		Illustrative:       true,
		Source:             "synthetic",
	})
	g.totals[k] += units
}

// country returns a random country with a region.
func (g *synGen) country() *funding.Country {
	return g.candidates[g.rng.IntN(len(g.candidates))]
}

// countries returns n distinct random countries with a region, none of them in exclude.
func (g *synGen) countries(n int, exclude ...string) []*funding.Country {
	var cs []*funding.Country
	for len(cs) < n {
		c := g.country()
		if !slices.Contains(exclude, c.Code) && !slices.Contains(codes(cs), c.Code) {
			cs = append(cs, c)
		}
	}
	return cs
}

func (g *synGen) countryByCode(code string) *funding.Country {
	for _, c := range g.candidates {
		if c.Code == code {
			return c
		}
	}
	panic("seed: no candidate country " + code)
}

// shares returns n random positive shares summing to funding.ShareScale (none if n is 0).
func (g *synGen) shares(n int) []int {
	if n == 0 {
		return nil
	}
	weights := make([]int, n)
	sum := 0
	for k := range weights {
		weights[k] = 1 + g.rng.IntN(100)
		sum += weights[k]
	}
	shares := make([]int, n)
	left := funding.ShareScale
	for k := range n - 1 {
		shares[k] = weights[k] * funding.ShareScale / sum
		left -= shares[k]
	}
	shares[n-1] = left
	return shares
}

// themes returns one to three distinct themes.
func (g *synGen) themes() []string {
	var ts []string
	for n := 1 + g.rng.IntN(3); len(ts) < n; {
		t := synThemes[g.rng.IntN(len(synThemes))]
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	return ts
}

// date returns a random date in year (day 1 to 28).
func (g *synGen) date(year int) funding.Date {
	return funding.NewDate(year, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28))
}

func codes(cs []*funding.Country) []string {
	out := make([]string, len(cs))
	for k, c := range cs {
		out[k] = c.Code
	}
	return out
}

// width is the number of digits for zero-padded numbers up to n: at least minimum, and
// enough that string order equals numeric order.
func width(n, minimum int) int {
	return max(minimum, len(strconv.Itoa(n)))
}

// pad returns prefix followed by i zero-padded to w digits.
func pad(prefix string, i, w int) string {
	return fmt.Sprintf("%s%0*d", prefix, w, i)
}
