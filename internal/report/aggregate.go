package report

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
)

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
	cur, units, err := a.amountOf(al)
	if err != nil {
		return err
	}
	if err := a.makeParts(al); err != nil {
		return err
	}
	a.split(units)
	// Check every sum before changing anything, so that a failing Add adds nothing.
	ti, err := a.findGroups(al, cur, units)
	if err != nil {
		return err
	}
	neg := units < 0
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

// amountOf returns al's amount in the report's currency, if it has one: its currency and
// units.
func (a *Aggregator) amountOf(al *funding.Allocation) (string, int64, error) {
	if al == nil {
		return "", 0, errors.New("report: nil allocation")
	}
	cur := al.Amount.Currency
	if cur == "" {
		return "", 0, fmt.Errorf("report: allocation %q has no currency", al.ID)
	}
	units := al.Amount.Units
	if a.currency == "" || cur == a.currency {
		return cur, units, nil
	}
	f, err := a.factorFor(cur, al.Year)
	if err != nil {
		return "", 0, err
	}
	if units, err = f.apply(units); err != nil {
		return "", 0, fmt.Errorf("report: allocation %q: %s converted into %s: %w", al.ID, al.Amount.Decimal(), a.currency, err)
	}
	return a.currency, units, nil
}

// findGroups finds the existing group of each part (p.g, p.curIndex, p.key) and checks
// that adding units in cur overflows no total. It returns the index of cur in the
// report's totals, or -1.
func (a *Aggregator) findGroups(al *funding.Allocation, cur string, units int64) (int, error) {
	ti := indexOf(a.totals, cur)
	if ti >= 0 {
		if _, ok := addInt64(a.totals[ti].units, units); !ok {
			return 0, fmt.Errorf("report: allocation %q: the report's total in %s overflows 64 bits", al.ID, cur)
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
				return 0, fmt.Errorf("report: allocation %q: the total in %s of group %q overflows 64 bits", al.ID, cur, p.labels)
			}
		}
	}
	return ti, nil
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
