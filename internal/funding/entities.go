package funding

import "context"

// Kinds of entity. Each entity is named by its kind and its local id (the document's _id,
// e.g. "flanders"; the ISO code for a country). The constants are untyped so that they
// serve as a Kind and as the entity type of an audit entry alike.
const (
	TypeCountry    = "Country"
	TypeDonor      = "Donor"
	TypeAgreement  = "Agreement"
	TypeTrustFund  = "TrustFund"
	TypeAllocation = "Allocation"
	TypeProject    = "Project"
)

// Reader is the reads every kind of entity has: lists by query, then counts by filter.
// The store implements it; the loaders, the resolvers and the changes read through it.
type Reader interface {
	FindCountries(ctx context.Context, q CountryQuery) ([]*Country, error)
	FindDonors(ctx context.Context, q DonorQuery) ([]*Donor, error)
	FindAgreements(ctx context.Context, q AgreementQuery) ([]*Agreement, error)
	FindTrustFunds(ctx context.Context, q TrustFundQuery) ([]*TrustFund, error)
	FindAllocations(ctx context.Context, q AllocationQuery) ([]*Allocation, error)
	FindProjects(ctx context.Context, q ProjectQuery) ([]*Project, error)
	CountCountries(ctx context.Context, f *CountryFilter) (int, error)
	CountDonors(ctx context.Context, f *DonorFilter) (int, error)
	CountAgreements(ctx context.Context, f *AgreementFilter) (int, error)
	CountTrustFunds(ctx context.Context, f *TrustFundFilter) (int, error)
	CountAllocations(ctx context.Context, f *AllocationFilter) (int, error)
	CountProjects(ctx context.Context, f *ProjectFilter) (int, error)
	// CountWithin counts the entities of kind k of each parent of w (by w.Ref) that
	// match the filter args sets (as in AnyEntity.FindAny; nil for all).
	CountWithin(ctx context.Context, k Kind, w *Within, args func(filter, order any) error) (map[string]int, error)
}

// Writer is the writes of one kind of entity T. Each writes one document (or one batch,
// all or nothing), conditionally on the stored version where it replaces or removes.
type Writer[T any] interface {
	// Insert stores new entities; ECONFLICT if an id or unique code is taken.
	Insert(ctx context.Context, xs ...*T) error
	// Replace stores x in place of its stored version expected (x's own Version is the
	// new one): ECONFLICT with the current version if that is not expected, ENOTFOUND if
	// there is none.
	Replace(ctx context.Context, x *T, expected int) error
	// Remove deletes the entity id if it is at version expected (errors as Replace's).
	Remove(ctx context.Context, id string, expected int) error
	// Referrers describes what still refers to the entity id, e.g. ["2 agreements",
	// "1 trust fund"]; empty when nothing does and it may be deleted.
	Referrers(ctx context.Context, id string) ([]string, error)
}

// Writers gives the Writer of every kind of entity. The store implements it; the changes
// write through it.
type Writers interface {
	CountryWriter() Writer[Country]
	DonorWriter() Writer[Donor]
	AgreementWriter() Writer[Agreement]
	TrustFundWriter() Writer[TrustFund]
	AllocationWriter() Writer[Allocation]
	ProjectWriter() Writer[Project]
}

// Entity describes one kind of entity to the code that treats every kind alike (node
// lookup, loaders, paging): T is its type, F its filter and Fld its sort fields, so a
// description that does not fit its type does not compile.
type Entity[T, F any, Fld ~string] struct {
	Kind Kind
	// Plural names its lists and loaders, e.g. "trustFunds".
	Plural string
	// LocalID is an entity's local id (a country's code).
	LocalID func(*T) string
	// SortKey is an entity's value of a sort field.
	SortKey func(*T, Fld) any
	// Find and Count are its reads in a Reader.
	Find  func(Reader, context.Context, Query[F, Order[Fld]]) ([]*T, error)
	Count func(Reader, context.Context, *F) (int, error)
	// Meta is an entity's bookkeeping.
	Meta func(*T) *Meta
	// Writer is its writes in a Writers.
	Writer func(Writers) Writer[T]
}

// The kinds of entity. Adding one takes, in this file, its Type constant, its Find and
// Count in Reader, its Writer in Writers, its Entity here and its entry in Entities.
var (
	Countries = Entity[Country, CountryFilter, CountryOrderField]{TypeCountry, "countries", func(c *Country) string { return c.Code }, (*Country).SortKey, Reader.FindCountries, Reader.CountCountries,
		(*Country).Metadata, Writers.CountryWriter}
	Donors = Entity[Donor, DonorFilter, DonorOrderField]{TypeDonor, "donors", func(d *Donor) string { return d.ID }, (*Donor).SortKey, Reader.FindDonors, Reader.CountDonors,
		(*Donor).Metadata, Writers.DonorWriter}
	Agreements = Entity[Agreement, AgreementFilter, AgreementOrderField]{TypeAgreement, "agreements", func(a *Agreement) string { return a.ID }, (*Agreement).SortKey, Reader.FindAgreements, Reader.CountAgreements,
		(*Agreement).Metadata, Writers.AgreementWriter}
	TrustFunds = Entity[TrustFund, TrustFundFilter, TrustFundOrderField]{TypeTrustFund, "trustFunds", func(t *TrustFund) string { return t.ID }, (*TrustFund).SortKey, Reader.FindTrustFunds, Reader.CountTrustFunds,
		(*TrustFund).Metadata, Writers.TrustFundWriter}
	Allocations = Entity[Allocation, AllocationFilter, AllocationOrderField]{TypeAllocation, "allocations", func(a *Allocation) string { return a.ID }, (*Allocation).SortKey, Reader.FindAllocations, Reader.CountAllocations,
		(*Allocation).Metadata, Writers.AllocationWriter}
	Projects = Entity[Project, ProjectFilter, ProjectOrderField]{TypeProject, "projects", func(p *Project) string { return p.ID }, (*Project).SortKey, Reader.FindProjects, Reader.CountProjects,
		(*Project).Metadata, Writers.ProjectWriter}
)

// Entities lists every kind of entity: node lookup and the loaders by id range over it.
var Entities = []AnyEntity{Countries, Donors, Agreements, TrustFunds, Allocations, Projects}

// Kinds lists the kinds of Entities.
var Kinds = func() []Kind {
	out := make([]Kind, len(Entities))
	for i, e := range Entities {
		out[i] = e.EntityKind()
	}
	return out
}()

// AnyEntity is an Entity whose type is not known where it is used: the loader by id of
// each kind, and node lookup by a global id of any kind.
type AnyEntity interface {
	EntityKind() Kind
	EntityPlural() string
	// FindAny reads the entities within w; args, if not nil, sets the query's filter
	// (a **F) and order (a *[]Order[Fld]) from the list arguments.
	FindAny(ctx context.Context, r Reader, w *Within, args func(filter, order any) error) ([]any, error)
	// AnyLocalID is the local id of an entity FindAny returned.
	AnyLocalID(v any) string
}

// EntityKind is e's kind.
func (e Entity[T, F, Fld]) EntityKind() Kind { return e.Kind }

// EntityPlural is e's plural name.
func (e Entity[T, F, Fld]) EntityPlural() string { return e.Plural }

// FindIn reads the entities within w, with list arguments set by args (see AnyEntity).
func (e Entity[T, F, Fld]) FindIn(ctx context.Context, r Reader, w *Within, args func(filter, order any) error) ([]*T, error) {
	q := Query[F, Order[Fld]]{Within: w}
	if args != nil {
		if err := args(&q.Filter, &q.Order); err != nil {
			return nil, err
		}
	}
	return e.Find(r, ctx, q)
}

// FindAny is FindIn with the entities' type forgotten.
func (e Entity[T, F, Fld]) FindAny(ctx context.Context, r Reader, w *Within, args func(filter, order any) error) ([]any, error) {
	found, err := e.FindIn(ctx, r, w, args)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(found))
	for i, v := range found {
		out[i] = v
	}
	return out, nil
}

// AnyLocalID is the local id of v, a *T.
func (e Entity[T, F, Fld]) AnyLocalID(v any) string { return e.LocalID(v.(*T)) }

// EntityOf returns the entity of kind k.
func EntityOf(k Kind) (AnyEntity, bool) {
	for _, e := range Entities {
		if e.EntityKind() == k {
			return e, true
		}
	}
	return nil, false
}
