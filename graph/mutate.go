package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/edit"
	"github.com/coopgraph/coopgraph/internal/funding"
)

// Mutations: inputs are mapped to domain values here; internal/edit validates and writes.

// hasRole enforces @hasRole: an API key of at least role.
func (r *Resolver) hasRole(ctx context.Context, _ any, next graphql.Resolver, role auth.Role) (any, error) {
	id, state := auth.From(ctx)
	switch {
	case state == auth.Invalid:
		return nil, funding.Errorf(funding.EUNAUTHENTICATED, "the API key is not valid")
	case state == auth.Anonymous && !r.KeysConfigured:
		return nil, funding.Errorf(funding.EUNAUTHENTICATED, "this needs an API key with role %s, and the server has none: create one with `coopgraph keys add --name <you> --role %s --api-keys-file <file>`, restart the server with `--api-keys-file <file>`, and send the key as `Authorization: Bearer <key>`", role, role)
	case state == auth.Anonymous:
		return nil, funding.Errorf(funding.EUNAUTHENTICATED, "this needs an API key with role %s: send it as `Authorization: Bearer <key>` (create one with `coopgraph keys add --name <you> --role %s --api-keys-file <the server's keys file>`; no restart needed)", role, role)
	case !id.Role.Allows(role):
		return nil, funding.Errorf(funding.EFORBIDDEN, "this needs role %s; the key %q has role %s", role, id.Name, id.Role)
	}
	return next(ctx)
}

func actor(ctx context.Context) string {
	id, _ := auth.From(ctx)
	return id.Name
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func date(p *funding.Date) funding.Date {
	if p == nil {
		return funding.Date{}
	}
	return *p
}

// Reading an input never stops at the first problem: each reader records what it cannot
// read in p and returns a zero value, and the service reports p with the problems it
// finds validating the rest.

// money reads an amount; a bad amount reads as zero units of the currency given.
func money(p *funding.Problems, field string, m *MoneyInput) *funding.Money {
	if m == nil {
		return nil
	}
	v, err := funding.ParseMoney(m.Amount, m.Currency)
	if err != nil {
		f := field + ".amount"
		if !funding.ValidCurrencyCode(m.Currency) {
			f = field + ".currency"
		}
		p.Add(f, "%s", err.(*funding.Error).Message)
		v = funding.Money{Currency: m.Currency}
	}
	return &v
}

// shares reads country shares ("33.33" percent → 3333 hundredths).
func shares(p *funding.Problems, field string, in []*ProjectCountryInput) []funding.CountryShare {
	out := make([]funding.CountryShare, len(in))
	for i, c := range in {
		n, err := funding.ParseUnits(c.Share, 2)
		if err != nil {
			p.Add(fmt.Sprintf("%s[%d].share", field, i), "%v (a percentage with up to two decimals)", err)
		}
		out[i] = funding.CountryShare{CountryCode: c.CountryCode, Share: int(n)}
	}
	return out
}

// codedShares reads the shares of regions or sectors ("40" percent → 4000 hundredths)
// with mk.
func codedShares[In any, T any](p *funding.Problems, field string, in []*In, read func(*In) (vocabulary, code, share string), mk func(vocabulary, code string, share int) T) []T {
	out := make([]T, len(in))
	for i, x := range in {
		vocabulary, code, share := read(x)
		n, err := funding.ParseUnits(share, 2)
		if err != nil {
			p.Add(fmt.Sprintf("%s[%d].share", field, i), "%v (a percentage with up to two decimals)", err)
		}
		out[i] = mk(vocabulary, code, int(n))
	}
	return out
}

func regions(p *funding.Problems, in []*ProjectRegionInput) []funding.RegionShare {
	return codedShares(p, "input.regions", in, func(r *ProjectRegionInput) (string, string, string) { return r.Vocabulary, r.Code, r.Share },
		func(v, c string, n int) funding.RegionShare {
			return funding.RegionShare{Vocabulary: v, Code: c, Share: n}
		})
}

func sectors(p *funding.Problems, in []*ProjectSectorInput) []funding.SectorShare {
	return codedShares(p, "input.sectors", in, func(r *ProjectSectorInput) (string, string, string) { return r.Vocabulary, r.Code, r.Share },
		func(v, c string, n int) funding.SectorShare {
			return funding.SectorShare{Vocabulary: v, Code: c, Share: n}
		})
}

// typeOf is the transaction type of an argument: COMMITMENT when not given.
func typeOf(t *funding.TransactionType) funding.TransactionType {
	if t == nil {
		return funding.Commitment
	}
	return *t
}

// ref reads the id of an object of kind k: an id of another kind is a problem of field.
func ref(p *funding.Problems, field string, k funding.Kind, gid funding.ID) string {
	id, err := localID(field, k, gid)
	p.AddError(err)
	return id
}

// refs reads a list of ids of kind k.
func refs(p *funding.Problems, field string, k funding.Kind, gids []*funding.ID) []string {
	out := make([]string, len(gids))
	for i, g := range gids {
		out[i] = ref(p, fmt.Sprintf("%s[%d]", field, i), k, *g)
	}
	return out
}

func extensions(in []*TrustFundExtensionInput) []funding.Extension {
	out := make([]funding.Extension, len(in))
	for i, e := range in {
		out[i] = funding.Extension{DecidedOn: date(e.DecidedOn), EndsOn: e.EndsOn, Note: str(e.Note)}
	}
	return out
}

func newAllocation(p *funding.Problems, in *CreateAllocationInput, field string) *funding.Allocation {
	return &funding.Allocation{
		TrustFundID: ref(p, field+".trustFundId", funding.TypeTrustFund, in.TrustFundID),
		ProjectID:   ref(p, field+".projectId", funding.TypeProject, in.ProjectID),
		Type:        typeOf(in.TransactionType), Year: in.Year, Date: date(in.Date), Amount: *money(p, field+".amount", in.Amount),
		ImplementingAgency: in.ImplementingAgency, ApprovedOn: date(in.ApprovedOn), Source: str(in.Source),
	}
}

func (r *mutationResolver) createAllocations(ctx context.Context, input []*CreateAllocationInput) (*AllocationsPayload, error) {
	var p funding.Problems
	as := make([]*funding.Allocation, len(input))
	for i, in := range input {
		as[i] = newAllocation(&p, in, fmt.Sprintf("input[%d]", i))
	}
	out, err := r.Edit.CreateAllocations(ctx, actor(ctx), as, p)
	if err != nil {
		return nil, err
	}
	return &AllocationsPayload{Allocations: out}, nil
}

func (r *mutationResolver) updateTrustFund(ctx context.Context, in UpdateTrustFundInput, id string) (*funding.TrustFund, error) {
	var p funding.Problems
	agreements := refs(&p, "input.agreementIds", funding.TypeAgreement, in.AgreementIds)
	return edit.TrustFunds.Update(ctx, r.Edit, actor(ctx), id, in.ExpectedVersion, func(t *funding.TrustFund) {
		if in.AgreementIds != nil {
			t.AgreementIDs = agreements
		}
		set(&t.Name, in.Name)
		set(&t.EstablishedOn, in.EstablishedOn)
		set(&t.StartsOn, in.StartsOn)
		set(&t.EndsOn, in.EndsOn)
		if in.Extensions != nil {
			t.Extensions = extensions(in.Extensions)
		}
		set(&t.Currency, in.Currency)
		set(&t.Status, in.Status)
		set(&t.Description, in.Description)
	}, p)
}

func (r *mutationResolver) updateProject(ctx context.Context, in UpdateProjectInput, id string) (*funding.Project, error) {
	var p funding.Problems
	budget := money(&p, "input.budget", in.Budget)
	rs, ss := regions(&p, in.Regions), sectors(&p, in.Sectors)
	return edit.Projects.Update(ctx, r.Edit, actor(ctx), id, in.ExpectedVersion, func(pr *funding.Project) {
		set(&pr.Code, in.Code)
		set(&pr.Title, in.Title)
		set(&pr.Description, in.Description)
		set(&pr.Status, in.Status)
		set(&pr.StartsOn, in.StartsOn)
		set(&pr.EndsOn, in.EndsOn)
		set(&pr.ActualStartsOn, in.ActualStartsOn)
		set(&pr.ActualEndsOn, in.ActualEndsOn)
		if in.Themes != nil {
			pr.Themes = in.Themes
		}
		set(&pr.ImplementingAgency, in.ImplementingAgency)
		set(&pr.ReportingOrg, in.ReportingOrg)
		if in.Regions != nil {
			pr.Regions = rs
		}
		if in.Sectors != nil {
			pr.Sectors = ss
		}
		if budget != nil {
			pr.Budget = budget
		}
		set(&pr.Source, in.Source)
	}, p)
}

func (r *mutationResolver) updateAllocation(ctx context.Context, in UpdateAllocationInput, id string) (*funding.Allocation, error) {
	var p funding.Problems
	var project string
	if in.ProjectID != nil {
		project = ref(&p, "input.projectId", funding.TypeProject, *in.ProjectID)
	}
	amount := money(&p, "input.amount", in.Amount)
	return edit.Allocations.Update(ctx, r.Edit, actor(ctx), id, in.ExpectedVersion, func(a *funding.Allocation) {
		if in.ProjectID != nil {
			a.ProjectID = project
		}
		set(&a.Type, in.TransactionType)
		set(&a.Date, in.Date)
		if in.Date != nil && in.Year == nil {
			a.Year = in.Date.Year() // the year follows the date
		}
		set(&a.Year, in.Year)
		if amount != nil {
			a.Amount = *amount
		}
		set(&a.ImplementingAgency, in.ImplementingAgency)
		set(&a.ApprovedOn, in.ApprovedOn)
		set(&a.Source, in.Source)
	}, p)
}

// deleteNode deletes the object input.id of kind k.
func (r *mutationResolver) deleteNode(ctx context.Context, k funding.Kind, input DeleteInput, del func(ctx context.Context, s *edit.Service, actor, id string, expected int) error) (*DeletePayload, error) {
	id, err := localID("input.id", k, input.ID)
	if err != nil {
		return nil, err
	}
	if err := del(ctx, r.Edit, actor(ctx), id, input.ExpectedVersion); err != nil {
		return nil, err
	}
	return &DeletePayload{DeletedID: input.ID}, nil
}

// wrap turns a changed entity into its payload.
func wrap[T, P any](v *T, err error, payload func(*T) *P) (*P, error) {
	if err != nil {
		return nil, err
	}
	return payload(v), nil
}

// withID checks the kind of an update's input.id and runs the update with the local id.
func withID[T any](k funding.Kind, gid funding.ID, update func(id string) (*T, error)) (*T, error) {
	id, err := localID("input.id", k, gid)
	if err != nil {
		return nil, err
	}
	return update(id)
}

// auditPage reads a page of committed audit entries, newest first. Its cursors are bound
// to the entity whose history it is (q.EntityID), if any.
func (r *Resolver) auditPage(ctx context.Context, q funding.AuditQuery, first *int, after *string) (*AuditEntryConnection, error) {
	n, err := pageSizeArg(first)
	if err != nil {
		return nil, err
	}
	cur := r.cursors(ctx, q.EntityID)
	pos, err := cur.decode("after", after, "audit", 0)
	if err != nil {
		return nil, err
	}
	if pos != nil {
		q.AfterID = pos.ID
	}
	q.Limit = n + 1
	items, err := r.Store.FindAudit(ctx, q)
	if err != nil {
		return nil, err
	}
	more := len(items) > n
	if more {
		items = items[:n]
	}
	c := newPage(items, func(i int) string { return cur.encode("audit", funding.Keyset{ID: items[i].ID}) }, nil)
	c.pageInfo.HasPreviousPage, c.pageInfo.HasNextPage = pos != nil, more
	return c, nil
}

func pageSizeArg(first *int) (int, error) {
	if first == nil {
		return defaultPageSize, nil
	}
	if *first < 1 || *first > maxPageSize {
		return 0, funding.Invalid("first", "first must be between 1 and %d, got %d", maxPageSize, *first)
	}
	return *first, nil
}

// auditLog resolves Query.auditLog.
func (r *Resolver) auditLog(ctx context.Context, f *AuditFilter, first *int, after *string) (*AuditEntryConnection, error) {
	var q funding.AuditQuery
	if f != nil {
		q.Actor, q.EntityType = str(f.Actor), str(f.EntityType)
		if f.EntityID != nil {
			q.EntityType, q.EntityID = string(f.EntityID.Kind), f.EntityID.Local
		}
		if f.Action != nil {
			q.Action = string(*f.Action)
		}
		if f.Since != nil {
			q.Since = *f.Since
		}
	}
	return r.auditPage(ctx, q, first, after)
}

func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

func (r *mutationResolver) updateAgreement(ctx context.Context, in UpdateAgreementInput, id string) (*funding.Agreement, error) {
	var p funding.Problems
	var donor string
	if in.DonorID != nil {
		donor = ref(&p, "input.donorId", funding.TypeDonor, *in.DonorID)
	}
	return edit.Agreements.Update(ctx, r.Edit, actor(ctx), id, in.ExpectedVersion, func(a *funding.Agreement) {
		if in.DonorID != nil {
			a.DonorID = donor
		}
		set(&a.Counterpart, in.Counterpart)
		set(&a.Title, in.Title)
		set(&a.SignedOn, in.SignedOn)
		set(&a.StartsOn, in.StartsOn)
		set(&a.EndsOn, in.EndsOn)
		if in.Themes != nil {
			a.Themes = in.Themes
		}
		set(&a.Description, in.Description)
		set(&a.Source, in.Source)
	}, p)
}

func (r *mutationResolver) newTrustFund(ctx context.Context, in CreateTrustFundInput) (*funding.TrustFund, error) {
	var p funding.Problems
	return edit.TrustFunds.Create(ctx, r.Edit, actor(ctx), &funding.TrustFund{
		DonorID: ref(&p, "input.donorId", funding.TypeDonor, in.DonorID), AgreementIDs: refs(&p, "input.agreementIds", funding.TypeAgreement, in.AgreementIds),
		Name: in.Name, EstablishedOn: in.EstablishedOn, StartsOn: in.StartsOn, EndsOn: date(in.EndsOn), Extensions: extensions(in.Extensions),
		Currency: in.Currency, Status: in.Status, Description: str(in.Description),
	}, p)
}

func (r *mutationResolver) newProject(ctx context.Context, in CreateProjectInput) (*funding.Project, error) {
	var p funding.Problems
	return edit.Projects.Create(ctx, r.Edit, actor(ctx), &funding.Project{Code: in.Code, Title: in.Title, Description: str(in.Description),
		Status: in.Status, StartsOn: in.StartsOn, EndsOn: date(in.EndsOn), ActualStartsOn: date(in.ActualStartsOn), ActualEndsOn: date(in.ActualEndsOn),
		Themes: in.Themes, ImplementingAgency: in.ImplementingAgency, ReportingOrg: str(in.ReportingOrg),
		Budget: money(&p, "input.budget", in.Budget), Countries: shares(&p, "input.countries", in.Countries),
		Regions: regions(&p, in.Regions), Sectors: sectors(&p, in.Sectors), Source: str(in.Source)}, p)
}

func (r *mutationResolver) updateCountry(ctx context.Context, in UpdateCountryInput, code string) (*funding.Country, error) {
	return edit.Countries.Update(ctx, r.Edit, actor(ctx), code, in.ExpectedVersion, func(c *funding.Country) {
		set(&c.ISO3, in.Iso3)
		set(&c.Name, in.Name)
		set(&c.Region, in.Region)
		set(&c.SubRegion, in.SubRegion)
	}, nil)
}

func (r *mutationResolver) updateDonor(ctx context.Context, in UpdateDonorInput, id string) (*funding.Donor, error) {
	return edit.Donors.Update(ctx, r.Edit, actor(ctx), id, in.ExpectedVersion, func(d *funding.Donor) {
		set(&d.Name, in.Name)
		set(&d.ShortName, in.ShortName)
		set(&d.Ref, in.Ref)
		set(&d.Type, in.Type)
		set(&d.HomeCountryCode, in.HomeCountryCode)
		set(&d.CooperatingSince, in.CooperatingSince)
		if in.PartnerCountryCodes != nil {
			d.PartnerCountryCodes = in.PartnerCountryCodes
		}
		set(&d.Description, in.Description)
	}, nil)
}
