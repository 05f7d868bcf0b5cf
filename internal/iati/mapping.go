package iati

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// How an activity becomes a project (see README "Load your own data"). Ids are derived
// from IATI identifiers, so a re-import finds the objects it made before.

// ProjectID is the id of the project an activity with this iati-identifier becomes.
func ProjectID(identifier string) string { return "iati:" + identifier }

// project maps a's own fields (not its transactions) to a project, with its version (the
// last-updated-datetime and a digest of the content) that a re-import compares. file is the
// name of the file a comes from, "" if it has none.
func project(a *Activity, file string) *funding.Project {
	p := &funding.Project{
		ID: ProjectID(a.Identifier), Code: a.Identifier, Title: shorten(a.Title, funding.MaxNameLen),
		Description: shorten(a.Description, funding.MaxDescriptionLen), Status: status(a),
		StartsOn: start(a), EndsOn: a.PlannedEnd, ActualStartsOn: a.ActualStart, ActualEndsOn: a.ActualEnd,
		ImplementingAgency: implementing(a), ReportingOrg: shorten(a.ReportingOrg.Name, funding.MaxNameLen),
		Source: source(a, file), LastUpdatedAt: lastUpdated(a), ImportDigest: digest(a),
	}
	if p.Title == "" {
		p.Title = shorten(a.Identifier, funding.MaxNameLen)
	}
	for _, c := range a.Countries {
		if c.Share > 0 {
			p.Countries = append(p.Countries, funding.CountryShare{CountryCode: c.Code, Share: c.Share})
		}
	}
	for _, r := range a.Regions {
		if r.Share > 0 {
			p.Regions = append(p.Regions, funding.RegionShare{Vocabulary: r.Vocabulary, Code: r.Code, Share: r.Share})
		}
	}
	for _, s := range a.Sectors {
		if s.Share > 0 {
			p.Sectors = append(p.Sectors, funding.SectorShare{Vocabulary: s.Vocabulary, Code: s.Code, Share: s.Share})
		}
		theme := shorten(s.Name, funding.MaxThemeLen)
		if len(p.Themes) < funding.MaxThemes && !slices.Contains(p.Themes, theme) {
			p.Themes = append(p.Themes, theme)
		}
	}
	return p
}

// status is a's ActivityStatus as a project status; without one, COMPLETED if it ended,
// ACTIVE if it started, else PIPELINE.
func status(a *Activity) funding.ProjectStatus {
	for i, s := range funding.ProjectStatuses {
		if a.Status == fmt.Sprint(i+1) {
			return s
		}
	}
	switch {
	case !a.ActualEnd.IsZero():
		return funding.ProjectCompleted
	case !a.ActualStart.IsZero():
		return funding.ProjectActive
	}
	return funding.ProjectPipeline
}

// start is the planned start, else the actual start, else the earliest activity-date of
// any type, else the earliest transaction date.
func start(a *Activity) funding.Date {
	for _, d := range []funding.Date{a.PlannedStart, a.ActualStart} {
		if !d.IsZero() {
			return d
		}
	}
	var first funding.Date
	dates := slices.Clone(a.Dates)
	for _, t := range a.Transactions {
		dates = append(dates, t.Date)
	}
	for _, d := range dates {
		if !d.IsZero() && (first.IsZero() || d.Time().Before(first.Time())) {
			first = d
		}
	}
	return first
}

// implementing is the first Implementing participating-org, else the reporting org: its
// name, or its ref when the name is longer than an agency may be.
func implementing(a *Activity) string {
	o := a.ReportingOrg
	for _, x := range a.Orgs {
		if x.Role == "4" && x.Name != "" {
			o = x
			break
		}
	}
	if utf8.RuneCountInString(o.Name) > funding.MaxCodeLen && o.Ref != "" && utf8.RuneCountInString(o.Ref) <= funding.MaxCodeLen {
		return o.Ref
	}
	return shorten(o.Name, funding.MaxCodeLen)
}

// source says where a project comes from: the IATI activity file (by name, when known)
// and the organisation that reports the activity.
func source(a *Activity, file string) string {
	s := "IATI activity file"
	if file != "" {
		s += " " + file
	}
	if o := orgName(a.ReportingOrg); o != "" {
		s += ", reported by " + o
	}
	return shorten(s, funding.MaxDescriptionLen)
}

// lastUpdated is a's last-updated-datetime as the store keeps it (to the millisecond, in
// UTC), so that a re-import compares it with what it stored.
func lastUpdated(a *Activity) time.Time {
	return a.LastUpdated.Truncate(time.Millisecond).UTC()
}

// digest is a hash of everything the import takes from a (not where in the file it is,
// nor what it reports).
func digest(a *Activity) string {
	c := *a
	c.Line, c.Warnings, c.LeftOut = 0, nil, nil
	c.Transactions = slices.Clone(a.Transactions)
	for i := range c.Transactions {
		c.Transactions[i].Line = 0
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%+v", c))
	return hex.EncodeToString(h[:8])
}

// shorten cuts s to at most n characters, ending it with "…" if it was cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// donorType is the donor type of an IATI OrganisationType code.
func donorType(code string) funding.DonorType {
	switch code {
	case "10", "15":
		return funding.DonorGovernment
	case "11":
		return funding.DonorSubnationalGovernment
	case "40":
		return funding.DonorMultilateral
	case "60":
		return funding.DonorFoundation
	case "70", "71", "72", "73":
		return funding.DonorPrivateSector
	}
	return funding.DonorOther
}

// funders are an activity's Funding organisations, indexed so that a transaction's
// funder is found in constant time: an activity may name thousands of them, and as many
// transactions.
type funders struct {
	first     *Org           // the first, if any
	byRef     map[string]Org // the first with each ref
	byName    map[string]Org // the first with each name's letters
	reporting Org
}

func fundersOf(a *Activity) *funders {
	fs := &funders{byRef: map[string]Org{}, byName: map[string]Org{}, reporting: a.ReportingOrg}
	for i, o := range a.Orgs {
		if o.Role != "1" || (o.Ref == "" && o.Name == "") {
			continue
		}
		if fs.first == nil {
			fs.first = &a.Orgs[i]
		}
		if _, ok := fs.byRef[o.Ref]; !ok && o.Ref != "" {
			fs.byRef[o.Ref] = o
		}
		k := letters(o.Name)
		if _, ok := fs.byName[k]; !ok {
			fs.byName[k] = o
		}
	}
	return fs
}

// of is the organisation a transaction's money comes from: its provider-org when that is
// one of the activity's Funding organisations (by ref, else by name), else the activity's
// first Funding organisation, else the reporting organisation.
func (fs *funders) of(t Transaction) Org {
	if t.Provider.Ref != "" {
		if o, ok := fs.byRef[t.Provider.Ref]; ok {
			return o
		}
	} else if t.Provider.Name != "" {
		if o, ok := fs.byName[letters(t.Provider.Name)]; ok {
			return o
		}
	}
	if fs.first != nil {
		return *fs.first
	}
	return fs.reporting
}
