package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Point is one period of a Series.
type Point struct {
	From, To int // the period's first and last year
	// Totals maps currency → minor units: the allocations of the period. It has an entry
	// for every currency of the report, zero if the period has none in it.
	Totals map[string]int64
	// ByKey, for a report grouped by [YEAR, X], maps each X key present anywhere in the
	// report (in any year) → currency → minor units in the period, zero-filled like
	// Totals. It is nil for a report grouped by [YEAR] alone.
	ByKey map[string]map[string]int64
}

// Series fills a YEAR-keyed report into one point per period from..to: interval 1 (years)
// or 2 (bienniums starting at from); periods without allocations get zero totals. rep must
// be grouped by [YEAR] or [YEAR, X]; returns points in period order, each with the
// period's start year, end year, and for [YEAR, X] one entry per X key present anywhere in
// rep (zero-filled).
//
// Only the years from..to count: the last period ends at to even if that cuts a biennium
// short (its To says so), and rows of other years are left out. Years must lie within
// funding.MinYear..funding.MaxYear. As a Report does not record its grouping, rep is taken
// to be grouped by YEAR first if every row has one or two keys, the same number, and the
// first is a year.
func Series(rep *Report, from, to, interval int) ([]Point, error) {
	switch {
	case rep == nil:
		return nil, fmt.Errorf("report: Series of a nil report")
	case interval != 1 && interval != 2:
		return nil, funding.Errorf(funding.EINVALID, "the interval must be 1 (years) or 2 (bienniums), got %d", interval)
	case from < funding.MinYear || to > funding.MaxYear:
		return nil, funding.Errorf(funding.EINVALID, "a series must lie within the years %d to %d, got %d to %d", funding.MinYear, funding.MaxYear, from, to)
	case from > to:
		return nil, funding.Errorf(funding.EINVALID, "a series must not end (%d) before it starts (%d)", to, from)
	}

	width, currencies, xs, err := seriesShape(rep)
	if err != nil {
		return nil, err
	}
	zero := func() map[string]int64 {
		m := make(map[string]int64, len(currencies))
		for _, c := range currencies {
			m[c] = 0
		}
		return m
	}
	points := make([]Point, 0, (to-from)/interval+1)
	for y := from; y <= to; y += interval {
		p := Point{From: y, To: min(y+interval-1, to), Totals: zero()}
		if width == 2 {
			p.ByKey = make(map[string]map[string]int64, len(xs))
			for _, x := range xs {
				p.ByKey[x] = zero()
			}
		}
		points = append(points, p)
	}

	for _, r := range rep.Rows {
		y, _ := strconv.Atoi(r.Keys[0])
		if y < from || y > to {
			continue
		}
		p := &points[(y-from)/interval]
		for c, u := range r.Totals {
			if err := addTo(p.Totals, c, u); err != nil {
				return nil, err
			}
			if width == 2 {
				if err := addTo(p.ByKey[r.Keys[1]], c, u); err != nil {
					return nil, err
				}
			}
		}
	}
	return points, nil
}

// seriesShape returns the number of keys of rep's rows (1 or 2: [YEAR] or [YEAR, X]; 0
// without rows), the currencies of rep (sorted, then those of rows only), and the X keys
// in the order of rows.
func seriesShape(rep *Report) (int, []string, []string, error) {
	width := 0
	currencies := slices.Sorted(maps.Keys(rep.Totals))
	var xs []string
	for _, r := range rep.Rows {
		if width == 0 {
			width = len(r.Keys)
		}
		if len(r.Keys) != width || width < 1 || width > 2 {
			return 0, nil, nil, fmt.Errorf("report: Series needs a report grouped by [YEAR] or [YEAR, X], but a row has the keys %q", r.Keys)
		}
		if _, err := strconv.Atoi(r.Keys[0]); err != nil {
			return 0, nil, nil, fmt.Errorf("report: Series needs a report grouped by YEAR first, but a row has the keys %q", r.Keys)
		}
		if width == 2 && !slices.Contains(xs, r.Keys[1]) {
			xs = append(xs, r.Keys[1])
		}
		for c := range r.Totals {
			if !slices.Contains(currencies, c) {
				currencies = append(currencies, c)
			}
		}
	}
	return width, currencies, xs, nil
}

// addTo adds u to m[c], or fails on overflow.
func addTo(m map[string]int64, c string, u int64) error {
	s, ok := addInt64(m[c], u)
	if !ok {
		return fmt.Errorf("report: a total in %s overflows 64 bits", c)
	}
	m[c] = s
	return nil
}
