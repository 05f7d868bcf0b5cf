package iati

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// Summary is what an import did.
type Summary struct {
	DryRun     bool
	Version    string // the file's IATI version
	Activities int    // activities in the file
	Created    int    // projects created
	Updated    int    // projects replaced by a newer version of their activity
	Unchanged  int    // activities stored already (or older than the stored version)
	Skipped    []Skipped
	// Totals are the file's own sums per transaction type and currency (of every
	// transaction that could be read, in skipped activities too) next to the sums stored
	// for the file's activities after the import (in a dry run, what would be stored).
	Totals []Total
}

// Skipped is an activity that was not imported, and why.
type Skipped struct {
	Identifier string
	Line       int
	Reasons    []string
}

// Total is the sum of one transaction type in one currency, in minor units.
type Total struct {
	Type     funding.TransactionType
	Currency string
	File     int64
	Stored   int64
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
		funds: map[string]*funding.TrustFund{}, dirty: map[string]bool{}, totals: map[[2]string]*Total{},
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
		im.addFileTotals(a)
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
	totals   map[[2]string]*Total
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

func (im *importer) skip(a *Activity, reasons []string) {
	im.sum.Skipped = append(im.sum.Skipped, Skipped{Identifier: a.Identifier, Line: a.Line, Reasons: reasons})
}

func (im *importer) addFileTotals(a *Activity) {
	for _, t := range a.Transactions {
		typ, ok := funding.TransactionTypeOfCode(t.Type)
		if !ok || t.Value.Currency == "" {
			continue
		}
		im.total(typ, t.Value.Currency).File += t.Value.Units
	}
}

func (im *importer) total(typ funding.TransactionType, cur string) *Total {
	k := [2]string{string(typ), cur}
	if im.totals[k] == nil {
		im.totals[k] = &Total{Type: typ, Currency: cur}
	}
	return im.totals[k]
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
	for i, t := range a.Transactions {
		typ, _ := funding.TransactionTypeOfCode(t.Type)
		d := im.donorFor(fs.of(t))
		f := im.fundFor(d, a.ReportingOrg, t.Value.Currency, t.Date)
		al := &funding.Allocation{
			Meta: funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: entry.ID},
			ID:   fmt.Sprintf("%s/%d", p.ID, i+1), TrustFundID: f.ID, ProjectID: p.ID, Type: typ,
			Year: t.Date.Year(), Date: t.Date, Amount: t.Value, ImplementingAgency: p.ImplementingAgency,
			Source: fmt.Sprintf("IATI transaction %d of activity %s", i+1, a.Identifier),
		}
		followMoney(al, a, t)
		at := fmt.Sprintf("transaction[%d]", i+1)
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
		if pr.Field != "" {
			s = pr.Field + ": " + s
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
					im.total(a.Type.TypeOrCommitment(), a.Amount.Currency).Stored += a.Amount.Units
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
			im.total(funding.TransactionType(k[0]), k[1]).Stored += v
		}
	}
	for _, t := range im.totals {
		im.sum.Totals = append(im.sum.Totals, *t)
	}
	slices.SortFunc(im.sum.Totals, func(a, b Total) int {
		if c := a.Type.Code() - b.Type.Code(); c != 0 {
			return c
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return nil
}
