// Package report is the pure aggregation core of coopgraph's funding reports: it adds up
// allocations by group (donor, agreement, trust fund, project, country, region, year,
// theme, implementing agency, or any combination of them), exactly, in integer minor
// units.
//
// The caller streams allocations into an Aggregator, which keeps one accumulator per group
// and nothing per allocation, so memory is bounded by the number of groups. Allocations
// that a grouping splits (by the countries of a project, its themes) are divided into
// integer parts by the largest remainder method, so the parts of an allocation always add
// up to it and the rows of a report always add up to its totals, to the cent. Amounts in
// different currencies are never added together unless the report converts them, with
// exact rational arithmetic, into one currency.
//
// The package reads no store: the caller loads the facts the grouping needs (trust funds,
// agreements, projects, regions, exchange rates) and passes them in Facts.
package report

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Dimension is what a report groups allocations by.
type Dimension string

// The dimensions. A row's key for each is described at Row.Keys.
const (
	Donor              Dimension = "DONOR"               // the donor of the allocation's trust fund
	Agreement          Dimension = "AGREEMENT"           // the fund's agreement in force in the allocation's year
	TrustFund          Dimension = "TRUST_FUND"          // the allocation's trust fund
	Project            Dimension = "PROJECT"             // the allocation's project
	Country            Dimension = "COUNTRY"             // the project's countries, by their shares (splits)
	Region             Dimension = "REGION"              // the UN M49 regions of the project's countries (splits)
	Year               Dimension = "YEAR"                // the allocation's year
	Theme              Dimension = "THEME"               // the project's themes, evenly (splits)
	ImplementingAgency Dimension = "IMPLEMENTING_AGENCY" // the allocation's implementing agency
)

// Valid reports whether d is one of the declared dimensions.
func (d Dimension) Valid() bool {
	switch d {
	case Donor, Agreement, TrustFund, Project, Country, Region, Year, Theme, ImplementingAgency:
		return true
	}
	return false
}

// Unallocated is the key of the explicit "global / unallocated" group: a global project's
// share when grouping by COUNTRY or REGION (and the share of a country without a region
// when grouping by REGION), a project without themes when grouping by THEME, an allocation
// whose fund has no agreement when grouping by AGREEMENT.
const Unallocated = ""

// Facts are the facts about the allocations' context, loaded by the caller. Only what the
// grouping and conversion need must be there:
//
//   - TrustFunds, for DONOR and AGREEMENT: the fund of every allocation;
//   - Agreements, for AGREEMENT: every agreement the funds list;
//   - Projects, for COUNTRY, REGION and THEME: the project of every allocation;
//   - Regions, for REGION: every country code the projects list, mapped to its UN M49
//     region, or to "" for a country without one (which then counts as Unallocated);
//   - Rates, when converting: the rate of every currency involved, other than USD, in
//     every year involved.
//
// A fact that is needed but missing (a nil entry counts as missing) makes Add fail with
// an error naming it; the Aggregator never guesses. The Aggregator reads the maps without
// copying them, so a caller streaming allocations in batches may add the entries a batch
// needs before adding its allocations; entries already there must not change (rates are
// cached once used).
type Facts struct {
	TrustFunds map[string]*funding.TrustFund
	Agreements map[string]*funding.Agreement
	Projects   map[string]*funding.Project
	Regions    map[string]string    // country code → UN M49 region ("" if none: counts as Unallocated)
	Rates      map[RateKey]*big.Rat // units of currency per 1 USD in a year; USD itself needs no entry
}

// RateKey identifies an exchange rate: a currency's rate in a year.
type RateKey struct {
	Currency string
	Year     int
}

// MissingRateError is returned by Add when a conversion needs a rate that is not in
// Facts.Rates: the source currency's in the allocation's year, or else the report
// currency's (USD needs none, and an allocation already in the report currency needs no
// rate at all).
type MissingRateError struct {
	Currency string
	Year     int
}

// Error says which rate is missing, e.g. "no exchange rate for EUR in 2019".
func (e *MissingRateError) Error() string {
	return fmt.Sprintf("no exchange rate for %s in %d", e.Currency, e.Year)
}

// Options say how a report groups and in which currency it adds up.
type Options struct {
	GroupBy  []Dimension // 0..n distinct dimensions; order = order of Row.Keys
	Currency string      // "" → totals per currency, never adding currencies; else convert every allocation into it
}

// Report is the result of an aggregation.
type Report struct {
	// Rows has one row per group, ordered by Keys: element by element, each compared as a
	// string, except the YEAR key which is compared as a number. Unallocated ("") sorts
	// first.
	Rows []Row
	// Totals is the whole report: currency → minor units. Converting, it has exactly one
	// entry, the report's currency (zero if nothing was added); otherwise one entry per
	// currency of the allocations added. Per currency, it is the sum of the rows' totals.
	Totals map[string]int64
	// Count is the number of allocations added.
	Count int
}

// Row is one group of a report.
type Row struct {
	// Keys has one key per GroupBy dimension, in order: the id of the donor, agreement,
	// trust fund or project, a country code, a region name, a year ("2019"), a theme, or an
	// implementing agency; Unallocated ("") for the global / unallocated group.
	Keys []string
	// Totals maps currency → minor units. It has an entry (possibly zero) for each
	// currency of the allocations contributing to the row.
	Totals map[string]int64
	// Count is the number of allocations contributing to the row: those with a nonzero
	// weight in it (a country share, a theme), even if their part rounds to zero units.
	// An allocation is counted once per row.
	Count int
}

// Aggregator adds allocations up by group. It is not safe for concurrent use.
type Aggregator struct {
	facts    Facts
	dims     []Dimension
	currency string

	needFund    bool // DONOR or AGREEMENT
	needProject bool // COUNTRY, REGION or THEME
	byGeo       bool // COUNTRY or REGION
	byRegion    bool
	byTheme     bool

	groups  map[string]*group
	totals  []amount
	count   int
	factors map[RateKey]*factor // source currency and year → conversion factor into currency
	years   map[int]string      // year → its key, to format each year once

	// Scratch space for one allocation, reused so that adding into existing groups does
	// not allocate.
	fixed  []string  // the key of each non-splitting dimension
	geo    []geoPart // the parts by country or region
	themes []string  // the project's distinct themes
	labels []string  // the keys of all parts, len(dims) each
	parts  []part
	order  []int // indexes of parts, by remainder
	keyBuf []byte
}

// group is the accumulator of one row.
type group struct {
	keys   []string
	totals []amount
	count  int
}

// amount is a total in one currency.
type amount struct {
	currency string
	units    int64
}

// geoPart is a project's weight in a country, or a region, or (global) nowhere.
type geoPart struct {
	country, region string
	weight          uint64
}

// part is the share of one allocation that lands in one group.
type part struct {
	labels   []string // the group's keys, a window of Aggregator.labels
	weight   uint64
	units    uint64 // magnitude of the part's amount
	rem      uint64 // remainder of the largest remainder method
	key      [2]int // the group's map key, a window of Aggregator.keyBuf
	g        *group // the existing group, or nil for a new one
	curIndex int    // index of the currency in g.totals, or -1
}

// New returns an aggregator for the options. It refuses an unknown or repeated dimension
// and a report currency that is not an ISO 4217 code. f may be nil when the grouping and
// conversion need no facts.
func New(f *Facts, o Options) (*Aggregator, error) {
	a := &Aggregator{
		dims:     slices.Clone(o.GroupBy),
		currency: o.Currency,
		groups:   make(map[string]*group),
		factors:  make(map[RateKey]*factor),
		years:    make(map[int]string),
	}
	if f != nil {
		a.facts = *f
	}
	if a.dims == nil {
		a.dims = []Dimension{}
	}
	for i, d := range a.dims {
		if !d.Valid() {
			return nil, funding.Errorf(funding.EINVALID, "%q is not a report dimension (%s)", string(d), dimensionList())
		}
		if slices.Index(a.dims, d) < i {
			return nil, funding.Errorf(funding.EINVALID, "the report is grouped by %s twice", d)
		}
		switch d {
		case Donor, Agreement:
			a.needFund = true
		case Country:
			a.needProject, a.byGeo = true, true
		case Region:
			a.needProject, a.byGeo, a.byRegion = true, true, true
		case Theme:
			a.needProject, a.byTheme = true, true
		}
	}
	if o.Currency != "" && !funding.ValidCurrencyCode(o.Currency) {
		return nil, funding.Errorf(funding.EINVALID, "%q is not a current ISO 4217 currency code", o.Currency)
	}
	a.fixed = make([]string, len(a.dims))
	return a, nil
}

func dimensionList() string {
	all := []Dimension{Donor, Agreement, TrustFund, Project, Country, Region, Year, Theme, ImplementingAgency}
	s := make([]string, len(all))
	for i, d := range all {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

// Add adds one allocation to the report: its amount (converted into the report's
// currency, if it has one) is split among the groups it belongs to, each getting an
// integer part, the parts adding up exactly to the amount.
//
// Add fails, adding nothing, when a fact it needs is missing (the allocation's trust fund
// or project, an agreement of the fund, the region of a country: the error names the id),
// when a rate is missing (a *MissingRateError), when a project's country shares are
// invalid, or when a total would overflow 64 bits.
func (a *Aggregator) Add(al *funding.Allocation) error {
	if al == nil {
		return errors.New("report: nil allocation")
	}
	cur := al.Amount.Currency
	if cur == "" {
		return fmt.Errorf("report: allocation %q has no currency", al.ID)
	}
	units := al.Amount.Units
	if a.currency != "" && cur != a.currency {
		f, err := a.factorFor(cur, al.Year)
		if err != nil {
			return err
		}
		if units, err = f.apply(units); err != nil {
			return fmt.Errorf("report: allocation %q: %s converted into %s: %w", al.ID, al.Amount.Decimal(), a.currency, err)
		}
		cur = a.currency
	}
	if err := a.makeParts(al); err != nil {
		return err
	}
	a.split(units)

	// Check every sum before changing anything, so that a failing Add adds nothing.
	ti := indexOf(a.totals, cur)
	if ti >= 0 {
		if _, ok := addInt64(a.totals[ti].units, units); !ok {
			return fmt.Errorf("report: allocation %q: the report's total in %s overflows 64 bits", al.ID, cur)
		}
	}
	neg := units < 0
	a.keyBuf = a.keyBuf[:0]
	for i := range a.parts {
		p := &a.parts[i]
		a.keyBuf, p.key = appendKey(a.keyBuf, p.labels)
		p.g = a.groups[string(a.keyBuf[p.key[0]:p.key[1]])]
		p.curIndex = -1
		if p.g == nil {
			continue
		}
		if p.curIndex = indexOf(p.g.totals, cur); p.curIndex >= 0 {
			if _, ok := addInt64(p.g.totals[p.curIndex].units, signed(p.units, neg)); !ok {
				return fmt.Errorf("report: allocation %q: the total in %s of group %q overflows 64 bits", al.ID, cur, p.labels)
			}
		}
	}

	for i := range a.parts {
		p := &a.parts[i]
		g := p.g
		if g == nil {
			g = &group{keys: slices.Clone(p.labels)}
			a.groups[string(a.keyBuf[p.key[0]:p.key[1]])] = g
		}
		if p.curIndex >= 0 {
			g.totals[p.curIndex].units += signed(p.units, neg)
		} else {
			g.totals = append(g.totals, amount{cur, signed(p.units, neg)})
		}
		g.count++
	}
	if ti >= 0 {
		a.totals[ti].units += units
	} else {
		a.totals = append(a.totals, amount{cur, units})
	}
	a.count++
	return nil
}

// makeParts computes the groups of al with their weights into a.parts: one part per group
// with a positive weight, ordered by keys, no two with the same keys.
func (a *Aggregator) makeParts(al *funding.Allocation) error {
	var tf *funding.TrustFund
	if a.needFund {
		if tf = a.facts.TrustFunds[al.TrustFundID]; tf == nil {
			return fmt.Errorf("report: trust fund %q of allocation %q is not in Facts.TrustFunds", al.TrustFundID, al.ID)
		}
	}
	var pr *funding.Project
	if a.needProject {
		if pr = a.facts.Projects[al.ProjectID]; pr == nil {
			return fmt.Errorf("report: project %q of allocation %q is not in Facts.Projects", al.ProjectID, al.ID)
		}
	}
	for i, d := range a.dims {
		switch d {
		case Donor:
			a.fixed[i] = tf.DonorID
		case Agreement:
			id, err := a.agreementOf(tf, al.Year)
			if err != nil {
				return err
			}
			a.fixed[i] = id
		case TrustFund:
			a.fixed[i] = al.TrustFundID
		case Project:
			a.fixed[i] = al.ProjectID
		case Year:
			a.fixed[i] = a.yearKey(al.Year)
		case ImplementingAgency:
			a.fixed[i] = al.ImplementingAgency
		}
	}

	// The parts by country (or region): a project's countries with their shares, or one
	// part for a global project.
	a.geo = a.geo[:0]
	if a.byGeo && len(pr.Countries) > 0 {
		for _, c := range pr.Countries {
			if c.Share < 0 || c.Share > funding.ShareScale {
				return fmt.Errorf("report: project %q has an invalid share %d for %q", pr.ID, c.Share, c.CountryCode)
			}
			gp := geoPart{country: c.CountryCode, weight: uint64(c.Share)}
			if a.byRegion {
				r, ok := a.facts.Regions[c.CountryCode]
				if !ok {
					return fmt.Errorf("report: country %q of project %q is not in Facts.Regions", c.CountryCode, pr.ID)
				}
				gp.region = r
			}
			a.geo = append(a.geo, gp)
		}
	} else {
		a.geo = append(a.geo, geoPart{Unallocated, Unallocated, 1})
	}
	// The parts by theme: the project's distinct themes, evenly, or one part.
	a.themes = a.themes[:0]
	if a.byTheme {
		for _, t := range pr.Themes {
			if !slices.Contains(a.themes, t) {
				a.themes = append(a.themes, t)
			}
		}
	}
	if len(a.themes) == 0 {
		a.themes = append(a.themes, Unallocated)
	}

	// Their product, labelled with every dimension's key.
	nd := len(a.dims)
	n := len(a.geo) * len(a.themes)
	a.labels = slices.Grow(a.labels[:0], n*nd)[:n*nd]
	a.parts = slices.Grow(a.parts[:0], n)[:0]
	for _, gp := range a.geo {
		for _, th := range a.themes {
			l := a.labels[len(a.parts)*nd : (len(a.parts)+1)*nd : (len(a.parts)+1)*nd]
			for i, d := range a.dims {
				switch d {
				case Country:
					l[i] = gp.country
				case Region:
					l[i] = gp.region
				case Theme:
					l[i] = th
				default:
					l[i] = a.fixed[i]
				}
			}
			a.parts = append(a.parts, part{labels: l, weight: gp.weight})
		}
	}

	// Order the parts by keys and merge those in the same group (with REGION and not
	// COUNTRY: the countries of one region), dropping those of weight zero.
	slices.SortFunc(a.parts, a.comparePartKeys)
	kept := a.parts[:0]
	for _, p := range a.parts {
		if k := len(kept); k > 0 && slices.Equal(kept[k-1].labels, p.labels) {
			kept[k-1].weight += p.weight
			continue
		}
		kept = append(kept, p)
	}
	a.parts = slices.DeleteFunc(kept, func(p part) bool { return p.weight == 0 })
	if len(a.parts) == 0 {
		return fmt.Errorf("report: project %q has no country with a positive share", pr.ID)
	}
	return nil
}

func (a *Aggregator) comparePartKeys(x, y part) int { return compareKeys(a.dims, x.labels, y.labels) }

// agreementOf returns the agreement of fund tf in force in year: among the fund's
// agreements, the one starting latest in or before year; if none has started by then,
// the one starting earliest; Unallocated if the fund has none. Of two agreements starting
// the same day, the one with the smaller id is taken.
func (a *Aggregator) agreementOf(tf *funding.TrustFund, year int) (string, error) {
	var best, earliest *funding.Agreement
	var bestID, earliestID string
	for _, id := range tf.AgreementIDs {
		ag := a.facts.Agreements[id]
		if ag == nil {
			return "", fmt.Errorf("report: agreement %q of trust fund %q is not in Facts.Agreements", id, tf.ID)
		}
		if ag.StartsOn.Year() <= year && (best == nil || startsLater(ag, id, best, bestID)) {
			best, bestID = ag, id
		}
		if earliest == nil || startsBefore(ag, id, earliest, earliestID) {
			earliest, earliestID = ag, id
		}
	}
	switch {
	case best != nil:
		return bestID, nil
	case earliest != nil:
		return earliestID, nil
	}
	return Unallocated, nil
}

// startsBefore reports whether agreement x starts before y, or the same day with a
// smaller id.
func startsBefore(x *funding.Agreement, xID string, y *funding.Agreement, yID string) bool {
	tx, ty := x.StartsOn.Time(), y.StartsOn.Time()
	if !tx.Equal(ty) {
		return tx.Before(ty)
	}
	return xID < yID
}

// startsLater reports whether agreement x starts after y, or the same day with a smaller
// id.
func startsLater(x *funding.Agreement, xID string, y *funding.Agreement, yID string) bool {
	tx, ty := x.StartsOn.Time(), y.StartsOn.Time()
	if !tx.Equal(ty) {
		return tx.After(ty)
	}
	return xID < yID
}

func (a *Aggregator) yearKey(y int) string {
	s, ok := a.years[y]
	if !ok {
		s = strconv.Itoa(y)
		a.years[y] = s
	}
	return s
}

// Result returns the report of the allocations added so far. It can be called again after
// more are added; the report shares nothing with the aggregator.
func (a *Aggregator) Result() *Report {
	rep := &Report{
		Rows:   make([]Row, 0, len(a.groups)),
		Totals: toMap(a.totals),
		Count:  a.count,
	}
	if a.currency != "" {
		if _, ok := rep.Totals[a.currency]; !ok {
			rep.Totals[a.currency] = 0
		}
	}
	for _, g := range a.groups {
		rep.Rows = append(rep.Rows, Row{Keys: slices.Clone(g.keys), Totals: toMap(g.totals), Count: g.count})
	}
	slices.SortFunc(rep.Rows, func(x, y Row) int { return compareKeys(a.dims, x.Keys, y.Keys) })
	return rep
}

// compareKeys orders the keys of two groups: element by element, as strings, except YEAR
// keys, compared as numbers.
func compareKeys(dims []Dimension, x, y []string) int {
	for i := range x {
		if c := compareKey(dims[i], x[i], y[i]); c != 0 {
			return c
		}
	}
	return 0
}

func compareKey(d Dimension, x, y string) int {
	if d == Year && x != y {
		nx, errx := strconv.Atoi(x)
		ny, erry := strconv.Atoi(y)
		if errx == nil && erry == nil {
			if nx < ny {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(x, y)
}

// appendKey appends the map key of a group with the given keys to buf: each key preceded
// by its length, so that no two lists of keys share a map key.
func appendKey(buf []byte, keys []string) ([]byte, [2]int) {
	start := len(buf)
	for _, k := range keys {
		buf = strconv.AppendInt(buf, int64(len(k)), 10)
		buf = append(buf, ':')
		buf = append(buf, k...)
	}
	return buf, [2]int{start, len(buf)}
}

func indexOf(as []amount, currency string) int {
	for i := range as {
		if as[i].currency == currency {
			return i
		}
	}
	return -1
}

func toMap(as []amount) map[string]int64 {
	m := make(map[string]int64, len(as))
	for _, x := range as {
		m[x.currency] = x.units
	}
	return m
}

// addInt64 returns x+y and whether it did not overflow.
func addInt64(x, y int64) (int64, bool) {
	s := x + y
	return s, (s > x) == (y > 0)
}

// signed returns the magnitude u with the sign negative: u ≤ 2^63.
func signed(u uint64, negative bool) int64 {
	if negative {
		return -int64(u)
	}
	return int64(u)
}
