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
}

// The kinds of entity. Adding one takes, in this file, its Type constant, its Find and
// Count in Reader, its Entity here and its entry in Entities.
var (
	Countries   = Entity[Country, CountryFilter, CountryOrderField]{TypeCountry, "countries", func(c *Country) string { return c.Code }, (*Country).SortKey, Reader.FindCountries, Reader.CountCountries}
	Donors      = Entity[Donor, DonorFilter, DonorOrderField]{TypeDonor, "donors", func(d *Donor) string { return d.ID }, (*Donor).SortKey, Reader.FindDonors, Reader.CountDonors}
	Agreements  = Entity[Agreement, AgreementFilter, AgreementOrderField]{TypeAgreement, "agreements", func(a *Agreement) string { return a.ID }, (*Agreement).SortKey, Reader.FindAgreements, Reader.CountAgreements}
	TrustFunds  = Entity[TrustFund, TrustFundFilter, TrustFundOrderField]{TypeTrustFund, "trustFunds", func(t *TrustFund) string { return t.ID }, (*TrustFund).SortKey, Reader.FindTrustFunds, Reader.CountTrustFunds}
	Allocations = Entity[Allocation, AllocationFilter, AllocationOrderField]{TypeAllocation, "allocations", func(a *Allocation) string { return a.ID }, (*Allocation).SortKey, Reader.FindAllocations, Reader.CountAllocations}
	Projects    = Entity[Project, ProjectFilter, ProjectOrderField]{TypeProject, "projects", func(p *Project) string { return p.ID }, (*Project).SortKey, Reader.FindProjects, Reader.CountProjects}
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
