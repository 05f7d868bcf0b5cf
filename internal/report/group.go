package report

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/coopgraph/coopgraph/internal/funding"
)

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

// makeParts computes the groups of al with their weights into a.parts: one part per group
// with a positive weight, ordered by keys, no two with the same keys.
func (a *Aggregator) makeParts(al *funding.Allocation) error {
	pr, err := a.fixedKeys(al)
	if err != nil {
		return err
	}
	if err := a.geoParts(pr); err != nil {
		return err
	}
	a.themeParts(pr)
	a.product()
	return a.mergeParts(pr)
}

// fixedKeys sets a.fixed to al's key for each dimension that does not split, and returns
// al's project when the grouping needs it.
func (a *Aggregator) fixedKeys(al *funding.Allocation) (*funding.Project, error) {
	var tf *funding.TrustFund
	if a.needFund {
		if tf = a.facts.TrustFunds[al.TrustFundID]; tf == nil {
			return nil, fmt.Errorf("report: trust fund %q of allocation %q is not in Facts.TrustFunds", al.TrustFundID, al.ID)
		}
	}
	var pr *funding.Project
	if a.needProject {
		if pr = a.facts.Projects[al.ProjectID]; pr == nil {
			return nil, fmt.Errorf("report: project %q of allocation %q is not in Facts.Projects", al.ProjectID, al.ID)
		}
	}
	for i, d := range a.dims {
		switch d {
		case Donor:
			a.fixed[i] = tf.DonorID
		case Agreement:
			id, err := a.agreementOf(tf, al.Year)
			if err != nil {
				return nil, err
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
	return pr, nil
}

// geoParts sets a.geo to the parts by country (or region): a project's countries with
// their shares, and what they leave of 100 % (its IATI regions, a part not placed) as
// Unallocated; or one part for a global project (or a grouping not by place).
func (a *Aggregator) geoParts(pr *funding.Project) error {
	a.geo = a.geo[:0]
	if !a.byGeo || len(pr.Countries) == 0 {
		a.geo = append(a.geo, geoPart{Unallocated, Unallocated, 1})
		return nil
	}
	sum := 0
	for _, c := range pr.Countries {
		sum += c.Share
	}
	if sum > 0 && sum < funding.ShareScale { // no positive share at all is an error (mergeParts)
		a.geo = append(a.geo, geoPart{Unallocated, Unallocated, uint64(funding.ShareScale - sum)})
	}
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
	return nil
}

// themeParts sets a.themes to the parts by theme: the project's distinct themes, evenly,
// or one part.
func (a *Aggregator) themeParts(pr *funding.Project) {
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
}

// product sets a.parts to the product of a.geo and a.themes, each part labelled with
// every dimension's key.
func (a *Aggregator) product() {
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
}

// mergeParts orders a.parts by keys and merges those in the same group (with REGION and
// not COUNTRY: the countries of one region), dropping those of weight zero. It fails when
// none is left (pr has no country with a positive share).
func (a *Aggregator) mergeParts(pr *funding.Project) error {
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
