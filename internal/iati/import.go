package iati

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is what an import reads and writes (mongostore.Store has it).
type Store interface {
	AllDonors(ctx context.Context) ([]*funding.Donor, error)
	ProjectsByID(ctx context.Context, ids []string) ([]*funding.Project, error)
	TrustFundsByID(ctx context.Context, ids []string) ([]*funding.TrustFund, error)
	PutDonors(ctx context.Context, ds []*funding.Donor) error
	PutTrustFunds(ctx context.Context, ts []*funding.TrustFund) error
	ReplaceAllocations(ctx context.Context, projectIDs []string, as []*funding.Allocation) error
	WriteProjects(ctx context.Context, created, updated []*funding.Project) error
	AddAuditEntries(ctx context.Context, es []*funding.AuditEntry) error
	StreamAllocations(ctx context.Context, f *funding.AllocationFilter, size int, fn func(context.Context, []*funding.Allocation) error) error
}

// Options tune an import.
type Options struct {
	DryRun bool   // check and count everything, write nothing
	Actor  string // who imports, for the audit log (an API key's name, or "cli")
	Name   string // the file's name, for the projects' source; may be empty
	// Progress, if not nil, is called after each activity with the number read so far and
	// the bytes of the file read so far.
	Progress func(activities int, bytes int64)
	// Batch is how many activities are written together (500 if 0).
	Batch int
	// NewID makes the ids of audit entries: the store's (mongostore.NewID), as every
	// other write uses.
	NewID func() string
}

// Summary is what an import did. It marshals to JSON as a report of the file.
type Summary struct {
	DryRun     bool      `json:"dryRun"`
	Version    string    `json:"version"`    // the file's IATI version, "" when its root gives none
	Activities int       `json:"activities"` // activities in the file
	Created    int       `json:"created"`    // projects created
	Updated    int       `json:"updated"`    // projects replaced by a newer version of their activity
	Unchanged  int       `json:"unchanged"`  // activities stored already (or older than the stored version)
	Skipped    []Skipped `json:"skipped"`    // in file order
	// Totals are, per transaction type and currency, the file's own sums next to what is
	// stored for the file's activities after the import (in a dry run, what would be
	// stored), what was left out and the rounding: File = Stored + LeftOut + Rounding.
	Totals []Total `json:"totals"`
	// Warnings are what was repaired or dropped from a descriptive field, and LeftOut the
	// transactions not imported (those of skipped activities too), each in file order.
	Warnings []Issue `json:"warnings"`
	LeftOut  []Issue `json:"leftOut"`
	// Budgets and PlannedDisbursements count the file's budget and planned-disbursement
	// elements, which are not imported.
	Budgets              int `json:"budgets"`
	PlannedDisbursements int `json:"plannedDisbursements"`
}

// Skipped is an activity that was not imported, and why.
type Skipped struct {
	Identifier string   `json:"identifier"`
	Line       int      `json:"line"`
	Reasons    []string `json:"reasons"`
}

// Total is what one transaction type in one currency adds up to. Amounts are exact
// decimal strings in the currency ("1000.00", or more decimals where a value had them).
type Total struct {
	Type     funding.TransactionType `json:"transactionType"` // "" for transactions whose type cannot be read
	Currency string                  `json:"currency"`        // "" for transactions whose currency cannot be read
	// File is the sum of every value of this type and currency the file gives that can
	// be read, exactly as written (the transactions left out and skipped activities too).
	File string `json:"file"`
	// Stored is the sum of the allocations stored for the file's activities after the
	// import (read back from the store; in a dry run, what would be stored).
	Stored string `json:"stored"`
	// LeftOut is the sum of the readable values of the transactions left out, and
	// LeftOutCount how many were (those without a readable amount too).
	LeftOut      string `json:"leftOut"`
	LeftOutCount int    `json:"leftOutCount"`
	// Rounding is what rounding the stored values to the currency's minor unit took off
	// (File − Stored − LeftOut), and Rounded how many values were rounded.
	Rounding string `json:"rounding"`
	Rounded  int    `json:"rounded"`
	// Balanced is whether File = Stored + LeftOut + Rounding: false only when the store
	// holds another version of some of the file's activities (a newer one, or one of
	// two versions in the file).
	Balanced bool `json:"balanced"`
	// FileUnits and StoredUnits are File with each value rounded, and Stored, in minor units.
	FileUnits   int64 `json:"-"`
	StoredUnits int64 `json:"-"`
}

// Groups groups issues by kind, in the order each kind first occurs, with at most
// examples of each (all with examples < 0).
func Groups(issues []Issue, examples int) []IssueGroup {
	var out []IssueGroup
	at := map[string]int{}
	for _, is := range issues {
		i, ok := at[is.Kind]
		if !ok {
			i = len(out)
			at[is.Kind] = i
			out = append(out, IssueGroup{Kind: is.Kind, Examples: []Issue{}})
		}
		out[i].Count++
		if examples < 0 || len(out[i].Examples) < examples {
			out[i].Examples = append(out[i].Examples, is)
		}
	}
	return out
}

// IssueGroup is the issues of one kind: how many, and the first ones.
type IssueGroup struct {
	Kind     string  `json:"kind"`
	Count    int     `json:"count"`
	Examples []Issue `json:"examples"`
}

// Import reads the IATI activity file r and writes its activities into s: each valid
// activity becomes a project (created, or replaced when the file's version is newer) with
// one allocation per transaction; funders become donors (matched by ref, else by name) and
// each donor × reporting organisation × currency gets a trust fund. Activities that cannot
// be imported are skipped whole and listed. It returns an error only when the file cannot
// be read on (broken XML: what was read before is imported) or the store fails.
func Import(ctx context.Context, s Store, r io.Reader, o Options) (*Summary, error) {
	if o.NewID == nil {
		return nil, errors.New("iati: Options.NewID is not set")
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Actor == "" {
		o.Actor = "iati import"
	}
	im := &importer{s: s, o: o, sum: &Summary{DryRun: o.DryRun}, donors: map[string]*funding.Donor{},
		funds: map[string]*funding.TrustFund{}, dirty: map[string]bool{}, totals: map[[2]string]*tally{},
		imported: map[string]bool{}}
	if err := im.loadDonors(ctx); err != nil {
		return nil, err
	}
	rd := NewReader(r)
	var batch []*Activity
	inBatch := map[string]bool{}
	var readErr error
	for {
		if err := ctx.Err(); err != nil {
			return nil, err // the request's deadline passed, or its client left
		}
		a, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		im.sum.Activities++
		im.read(a)
		if o.Progress != nil {
			o.Progress(im.sum.Activities, rd.BytesRead())
		}
		if !a.Valid() {
			im.skip(a, a.Problems)
			continue
		}
		if inBatch[a.Identifier] || len(batch) == o.Batch { // a second version is compared with the first once stored
			if err := im.flush(ctx, batch); err != nil {
				return nil, err
			}
			batch, inBatch = nil, map[string]bool{}
		}
		batch = append(batch, a)
		inBatch[a.Identifier] = true
	}
	if err := im.flush(ctx, batch); err != nil {
		return nil, err
	}
	im.sum.Version = rd.Version
	if err := im.storedTotals(ctx); err != nil {
		return nil, err
	}
	byLine := func(a, b Issue) int { return a.Line - b.Line }
	slices.SortStableFunc(im.sum.Warnings, byLine)
	slices.SortStableFunc(im.sum.LeftOut, byLine)
	slices.SortStableFunc(im.sum.Skipped, func(a, b Skipped) int { return a.Line - b.Line })
	if readErr != nil {
		return im.sum, &funding.Error{Code: funding.EINVALID, Field: "xml",
			Message: fmt.Sprintf("the file cannot be read past %v (the %d activities before were imported)", readErr, im.sum.Activities)}
	}
	return im.sum, nil
}

type importer struct {
	s   Store
	o   Options
	sum *Summary
	// Donors by id, with keys "ref:<ref>" and "name:<letters of name>" to match funders.
	donors   map[string]*funding.Donor
	byKey    map[string]string
	funds    map[string]*funding.TrustFund
	dirty    map[string]bool // ids of donors and funds created or changed and not yet written
	totals   map[[2]string]*tally
	would    map[[2]string]int64 // dry run: what would be stored
	imported map[string]bool     // project ids of the file's activities that are stored (or would be)
}

func (im *importer) loadDonors(ctx context.Context) error {
	ds, err := im.s.AllDonors(ctx)
	if err != nil {
		return err
	}
	im.byKey = map[string]string{}
	for _, d := range ds {
		im.addDonor(d)
	}
	return nil
}

func (im *importer) addDonor(d *funding.Donor) {
	im.donors[d.ID] = d
	if d.Ref != "" {
		im.byKey["ref:"+d.Ref] = d.ID
	}
	for _, n := range []string{d.Name, d.ShortName} {
		if k := "name:" + letters(n); k != "name:" {
			if _, taken := im.byKey[k]; !taken {
				im.byKey[k] = d.ID
			}
		}
	}
}

// skip skips a, whose transactions (counted as read) are then left out.
func (im *importer) skip(a *Activity, reasons []string) {
	im.sum.Skipped = append(im.sum.Skipped, Skipped{Identifier: a.Identifier, Line: a.Line, Reasons: reasons})
	for _, t := range a.Transactions {
		x := im.tally(t.Type, t.Value.Currency)
		x.left += t.Value.Units
		x.leftCount++
		if f := fraction(t.Exact, t.Value); f != nil {
			x.leftFrac.Add(&x.leftFrac, f)
			x.rounded--
		}
		im.sum.LeftOut = append(im.sum.LeftOut, Issue{Activity: a.Identifier, Line: t.Line, Element: fmt.Sprintf("transaction[%d]", t.Position),
			Kind: leftSkipped, Reason: "its activity was skipped", Raw: firstOf(t.Exact, t.Value.Decimal()) + " " + t.Value.Currency})
	}
}

// read counts what a holds: its transactions (kept and left out), warnings, budgets.
func (im *importer) read(a *Activity) {
	for _, t := range a.Transactions {
		x := im.tally(t.Type, t.Value.Currency)
		x.file += t.Value.Units
		if f := fraction(t.Exact, t.Value); f != nil {
			x.fileFrac.Add(&x.fileFrac, f)
			x.rounded++
		}
	}
	for _, t := range a.LeftOut {
		x := im.tally(t.Type, t.Value.Currency)
		x.leftCount++
		x.file += t.Value.Units
		x.left += t.Value.Units
		if f := fraction(t.Exact, t.Value); f != nil {
			x.fileFrac.Add(&x.fileFrac, f)
			x.leftFrac.Add(&x.leftFrac, f)
		}
		im.sum.LeftOut = append(im.sum.LeftOut, t.Issue)
	}
	im.sum.Warnings = append(im.sum.Warnings, a.Warnings...)
	im.sum.Budgets += a.Budgets
	im.sum.PlannedDisbursements += a.PlannedDisbursements
}

// A tally adds up one transaction type in one currency.
type tally struct {
	typ                funding.TransactionType
	cur                string
	file, left, stored int64   // minor units (of values rounded to them)
	fileFrac, leftFrac big.Rat // what rounding took off those values, in minor units
	leftCount, rounded int
}

// tally is the tally of a TransactionType code (the type "" for one that is not) and a currency.
func (im *importer) tally(code, cur string) *tally {
	typ, _ := funding.TransactionTypeOfCode(code)
	return im.tallyOf(typ, cur)
}

func (im *importer) tallyOf(typ funding.TransactionType, cur string) *tally {
	k := [2]string{string(typ), cur}
	if im.totals[k] == nil {
		im.totals[k] = &tally{typ: typ, cur: cur}
	}
	return im.totals[k]
}

// fraction is exact − m in minor units of m's currency: what rounding the value written
// as exact took off; nil when it was not rounded.
func fraction(exact string, m funding.Money) *big.Rat {
	if exact == "" {
		return nil
	}
	r, _ := new(big.Rat).SetString(exact)
	r.Mul(r, pow10(funding.MinorDigits(m.Currency)))
	return r.Sub(r, new(big.Rat).SetInt64(m.Units))
}

// decimal is units plus frac minor units of a currency of d decimals, exactly: with d
// decimals, or as many more as frac needs.
func decimal(units int64, frac *big.Rat, d int) string {
	if frac.Sign() == 0 {
		return funding.FormatUnits(units, d)
	}
	r := new(big.Rat).Add(new(big.Rat).SetInt64(units), frac)
	r.Quo(r, pow10(d))
	n := d
	for x := new(big.Rat).Mul(r, pow10(n)); !x.IsInt() && n < d+100; n++ {
		x.Mul(x, pow10(1))
	}
	return r.FloatString(n)
}

// A change is one activity ready to be written.
type change struct {
	a       *Activity
	p       *funding.Project
	allocs  []*funding.Allocation
	created bool
	entries []*funding.AuditEntry
}

// flush writes a batch of valid activities: it reads their stored projects, keeps those
// that are new or newer, maps and checks each whole (skipping it if anything is wrong), and
// writes donors and funds, then allocations, then the projects last, so that an import
// cut short is completed by running it again.
func (im *importer) flush(ctx context.Context, batch []*Activity) error {
	if len(batch) == 0 {
		return nil
	}
	ids := make([]string, len(batch))
	for i, a := range batch {
		ids[i] = ProjectID(a.Identifier)
	}
	stored, err := im.s.ProjectsByID(ctx, ids)
	if err != nil {
		return err
	}
	old := map[string]*funding.Project{}
	for _, p := range stored {
		old[p.ID] = p
	}
	if err := im.loadFunds(ctx, batch); err != nil {
		return err
	}
	now := time.Now().UTC()
	var changes []*change
	for _, a := range batch {
		id := ProjectID(a.Identifier)
		prev := old[id]
		if prev != nil && !newer(a, prev) {
			im.sum.Unchanged++
			im.imported[id] = true
			continue
		}
		c, problems := im.mapActivity(a, prev, now)
		if len(problems) > 0 {
			im.skip(a, problems)
			continue
		}
		changes = append(changes, c)
		if !im.o.DryRun {
			im.imported[id] = true
		}
		if c.created {
			im.sum.Created++
		} else {
			im.sum.Updated++
		}
	}
	if im.o.DryRun {
		for _, c := range changes {
			for _, al := range c.allocs {
				if im.would == nil {
					im.would = map[[2]string]int64{}
				}
				im.would[[2]string{string(al.Type), al.Amount.Currency}] += al.Amount.Units
			}
		}
		return nil
	}
	return im.write(ctx, changes, now)
}

// newer reports whether a is a newer version than the stored project p: a later
// last-updated-datetime, or the same one with other content. An older one is not. A
// project stored without a digest (not imported, or before digests were kept) is replaced.
func newer(a *Activity, p *funding.Project) bool {
	if p.ImportDigest == "" {
		return true
	}
	switch lastUpdated(a).Compare(p.LastUpdatedAt) {
	case 1:
		return true
	case -1:
		return false
	}
	return p.ImportDigest != digest(a)
}

// loadFunds reads the stored trust funds the batch's transactions may go to.
func (im *importer) loadFunds(ctx context.Context, batch []*Activity) error {
	var want []string
	wanted := map[string]bool{}
	for _, a := range batch {
		fs := fundersOf(a)
		for _, t := range a.Transactions {
			d := im.donorFor(fs.of(t))
			id := fundID(d.ID, a.ReportingOrg, t.Value.Currency)
			if _, ok := im.funds[id]; !ok && !wanted[id] {
				want = append(want, id)
				wanted[id] = true
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	fs, err := im.s.TrustFundsByID(ctx, want)
	for _, f := range fs {
		im.funds[f.ID] = f
	}
	return err
}

// donorFor is the donor of o: a known donor with its ref, else with its name, else a new
// one (kept in memory until an activity that uses it is written).
func (im *importer) donorFor(o Org) *funding.Donor {
	if o.Ref != "" {
		if id, ok := im.byKey["ref:"+o.Ref]; ok {
			return im.donors[id]
		}
	}
	if id, ok := im.byKey["name:"+letters(o.Name)]; ok && letters(o.Name) != "" {
		return im.donors[id]
	}
	key := o.Ref
	if key == "" {
		key = "name:" + letters(o.Name)
	}
	name := o.Name
	if name == "" {
		name = o.Ref
	}
	d := &funding.Donor{
		ID: "iati-org:" + key, Name: shorten(name, funding.MaxNameLen), ShortName: shorten(name, funding.MaxShortNameLen),
		Ref: o.Ref, Type: donorType(o.Type), Description: "Created by the IATI import for a funder named in an activity file.",
	}
	if utf8.RuneCountInString(name) > funding.MaxShortNameLen && o.Ref != "" && utf8.RuneCountInString(o.Ref) <= funding.MaxShortNameLen {
		d.ShortName = o.Ref
	}
	im.addDonor(d)
	im.dirty[d.ID] = true
	return d
}

// fundID is the id of the trust fund of a donor's money reported by one organisation in
// one currency.
func fundID(donorID string, reporting Org, currency string) string {
	key := reporting.Ref
	if key == "" {
		key = "name:" + letters(reporting.Name)
	}
	return "iati-fund:" + donorID + "|" + key + "|" + currency
}

// fundFor is that trust fund, made (or its start moved earlier) to take a transaction of date d.
func (im *importer) fundFor(d *funding.Donor, reporting Org, currency string, date funding.Date) *funding.TrustFund {
	id := fundID(d.ID, reporting, currency)
	f := im.funds[id]
	if f == nil {
		f = &funding.TrustFund{
			ID: id, DonorID: d.ID, Name: shorten(fmt.Sprintf("%s via %s (%s)", d.Name, orgName(reporting), currency), funding.MaxNameLen),
			EstablishedOn: date, StartsOn: date, Currency: currency, Status: funding.TrustFundActive,
			Description: "Created by the IATI import: the money of one funder reported by one organisation in one currency.",
		}
		im.funds[id] = f
		im.dirty[id] = true
	}
	if !date.IsZero() && date.Time().Before(f.StartsOn.Time()) {
		f.StartsOn, f.EstablishedOn = date, date
		im.dirty[id] = true
	}
	return f
}

func orgName(o Org) string {
	if o.Name != "" {
		return o.Name
	}
	return o.Ref
}

// mapActivity maps a to its project and allocations and checks them all, as a change of
// prev (nil for a new project). It returns the problems that keep it from being written.
func (im *importer) mapActivity(a *Activity, prev *funding.Project, now time.Time) (*change, []string) {
	p := project(a, im.o.Name)
	c := &change{a: a, p: p, created: prev == nil}
	entry := &funding.AuditEntry{ID: im.o.NewID(), At: now, Actor: im.o.Actor, Action: funding.ActionCreate,
		EntityType: funding.TypeProject, EntityID: p.ID, Version: 1, Fields: []string{"iati"},
		After: map[string]any{"iatiIdentifier": a.Identifier, "lastUpdatedAt": auditTime(p.LastUpdatedAt), "allocations": len(a.Transactions)}}
	p.Meta = funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: entry.ID}
	if prev != nil {
		p.Meta.Version, p.Meta.CreatedAt = prev.Version+1, prev.CreatedAt
		entry.Action, entry.Version = funding.ActionUpdate, p.Meta.Version
		entry.Before = map[string]any{"lastUpdatedAt": auditTime(prev.LastUpdatedAt)}
	}
	var problems funding.Problems
	problems.AddError(p.Validate("project"))
	fs := fundersOf(a)
	for _, t := range a.Transactions {
		typ, _ := funding.TransactionTypeOfCode(t.Type)
		d := im.donorFor(fs.of(t))
		f := im.fundFor(d, a.ReportingOrg, t.Value.Currency, t.Date)
		al := &funding.Allocation{
			Meta: funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: entry.ID},
			ID:   fmt.Sprintf("%s/%d", p.ID, t.Position), TrustFundID: f.ID, ProjectID: p.ID, Type: typ,
			Year: t.Date.Year(), Date: t.Date, Amount: t.Value, ImplementingAgency: p.ImplementingAgency,
			Source: fmt.Sprintf("IATI transaction %d of activity %s", t.Position, a.Identifier),
		}
		followMoney(al, a, t)
		at := fmt.Sprintf("transaction[%d]", t.Position)
		problems.AddError(al.Validate(at))
		problems = append(problems, al.ValidateAgainst(f, at)...)
		problems.AddError(d.Validate("donor"))
		problems.AddError(f.Validate("trustFund"))
		c.allocs = append(c.allocs, al)
	}
	c.entries = append(c.entries, entry)
	var out []string
	seen := map[string]bool{}
	for _, pr := range problems {
		s := pr.Message
		switch {
		case pr.Field == "project.startsOn" && p.StartsOn.IsZero():
			s = "it has no date (no activity-date, no transaction date): a project needs a start"
		case pr.Field != "":
			s = strings.TrimPrefix(pr.Field, "project.") + ": " + s
		}
		if !seen[s] {
			out = append(out, s)
			seen[s] = true
		}
	}
	return c, out
}

// write stores a batch's changes in an order a re-run completes: donors and trust funds,
// then each changed project's allocations (its old ones deleted first), then the projects,
// which carry the version of their activity, then the audit entries.
func (im *importer) write(ctx context.Context, changes []*change, now time.Time) error {
	var ds []*funding.Donor
	var fs []*funding.TrustFund
	var entries []*funding.AuditEntry
	usedFunds, usedDonors := map[string]bool{}, map[string]bool{} // by the changes' allocations
	for _, c := range changes {
		for _, al := range c.allocs {
			usedFunds[al.TrustFundID], usedDonors[im.funds[al.TrustFundID].DonorID] = true, true
		}
	}
	for id := range im.dirty {
		if d, ok := im.donors[id]; ok && usedDonors[id] {
			ds = append(ds, d)
		}
		if f, ok := im.funds[id]; ok && usedFunds[id] {
			fs = append(fs, f)
		}
	}
	for _, d := range ds {
		delete(im.dirty, d.ID)
		entries = append(entries, im.entry(d.Metadata(), funding.TypeDonor, d.ID, now))
	}
	for _, f := range fs {
		delete(im.dirty, f.ID)
		entries = append(entries, im.entry(f.Metadata(), funding.TypeTrustFund, f.ID, now))
	}
	if err := im.s.PutDonors(ctx, ds); err != nil {
		return err
	}
	if err := im.s.PutTrustFunds(ctx, fs); err != nil {
		return err
	}
	var ids []string
	var allocs []*funding.Allocation
	var created, updated []*funding.Project
	for _, c := range changes {
		ids = append(ids, c.p.ID)
		allocs = append(allocs, c.allocs...)
		if c.created {
			created = append(created, c.p)
		} else {
			updated = append(updated, c.p)
		}
		entries = append(entries, c.entries...)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := im.s.ReplaceAllocations(ctx, ids, allocs); err != nil {
		return err
	}
	if err := im.s.WriteProjects(ctx, created, updated); err != nil {
		return err
	}
	return im.s.AddAuditEntries(ctx, entries)
}

// entry records the creation (version 0 → 1) or change of a donor or fund the import writes.
func (im *importer) entry(m *funding.Meta, kind, id string, now time.Time) *funding.AuditEntry {
	e := &funding.AuditEntry{ID: im.o.NewID(), At: now, Actor: im.o.Actor, Action: funding.ActionCreate, EntityType: kind,
		EntityID: id, Fields: []string{"iati"}}
	if m.Version == 0 {
		*m = funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: e.ID}
	} else {
		m.Version, m.UpdatedAt, m.Change = m.Version+1, now, e.ID
		e.Action = funding.ActionUpdate
	}
	e.Version = m.Version
	return e
}

// auditTime is t as an audit entry records it: RFC 3339, or nil when unknown.
func auditTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.RFC3339Nano)
}

// storedTotals fills the Stored column: the allocations stored for the file's activities,
// read back from the store (in a dry run, the unchanged ones read back plus what would be
// written).
func (im *importer) storedTotals(ctx context.Context) error {
	if len(im.imported) > 0 {
		err := im.s.StreamAllocations(ctx, nil, 1000, func(_ context.Context, as []*funding.Allocation) error {
			for _, a := range as {
				if im.imported[a.ProjectID] {
					im.tallyOf(a.Type.TypeOrCommitment(), a.Amount.Currency).stored += a.Amount.Units
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if im.o.DryRun {
		for k, v := range im.would {
			im.tallyOf(funding.TransactionType(k[0]), k[1]).stored += v
		}
	}
	for _, x := range im.totals {
		d := funding.MinorDigits(x.cur)
		rounding := new(big.Rat).Sub(&x.fileFrac, &x.leftFrac)
		im.sum.Totals = append(im.sum.Totals, Total{Type: x.typ, Currency: x.cur, File: decimal(x.file, &x.fileFrac, d),
			Stored: funding.FormatUnits(x.stored, d), LeftOut: decimal(x.left, &x.leftFrac, d), LeftOutCount: x.leftCount,
			Rounding: decimal(0, rounding, d), Rounded: x.rounded, Balanced: x.stored == x.file-x.left, FileUnits: x.file, StoredUnits: x.stored})
	}
	slices.SortFunc(im.sum.Totals, func(a, b Total) int {
		if a.Type == "" || b.Type == "" { // unreadable types last
			return strings.Compare(string(b.Type), string(a.Type))
		}
		if c := a.Type.Code() - b.Type.Code(); c != 0 {
			return c
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return nil
}
