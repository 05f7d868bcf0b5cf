package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/auth"
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
		return nil, funding.Errorf(funding.EUNAUTHENTICATED, "this needs an API key with role %s, and the server has none: create one with `coopgraph keys add --name <you> --role %s`, restart the server with --api-keys-file, and send the key as `Authorization: Bearer <key>`", role, role)
	case state == auth.Anonymous:
		return nil, funding.Errorf(funding.EUNAUTHENTICATED, "this needs an API key with role %s: send it as `Authorization: Bearer <key>` (create one with `coopgraph keys add --name <you> --role %s`)", role, role)
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

// money parses an amount input; errors name field.
func money(field string, m *MoneyInput) (*funding.Money, error) {
	if m == nil {
		return nil, nil
	}
	v, err := funding.ParseMoney(m.Amount, m.Currency)
	if err != nil {
		if fe, ok := err.(*funding.Error); ok && fe.Field == "" {
			fe.Field = field + ".amount"
			if !funding.ValidCurrencyCode(m.Currency) {
				fe.Field = field + ".currency"
			}
		}
		return nil, err
	}
	return &v, nil
}

// shares parses country shares ("33.33" percent → 3333 hundredths).
func shares(field string, in []*ProjectCountryInput) ([]funding.CountryShare, error) {
	var p funding.Problems
	out := make([]funding.CountryShare, len(in))
	for i, c := range in {
		n, err := funding.ParseUnits(c.Share, 2)
		if err != nil {
			p.Add(fmt.Sprintf("%s[%d].share", field, i), "%v (a percentage with up to two decimals)", err)
		}
		out[i] = funding.CountryShare{CountryCode: c.CountryCode, Share: int(n)}
	}
	return out, p.Err()
}

// localIDs decodes global ids of type typ; errors name field[i].
func localIDs(field, typ string, gids []string) ([]string, error) {
	out := make([]string, len(gids))
	for i, g := range gids {
		id, err := funding.LocalID(fmt.Sprintf("%s[%d]", field, i), typ, g)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

func extensions(in []*TrustFundExtensionInput) []funding.Extension {
	out := make([]funding.Extension, len(in))
	for i, e := range in {
		out[i] = funding.Extension{DecidedOn: date(e.DecidedOn), EndsOn: e.EndsOn, Note: str(e.Note)}
	}
	return out
}

func newAllocation(in *CreateAllocationInput, field string) (*funding.Allocation, error) {
	tf, err := funding.LocalID(field+".trustFundId", funding.TypeTrustFund, in.TrustFundID)
	if err != nil {
		return nil, err
	}
	p, err := funding.LocalID(field+".projectId", funding.TypeProject, in.ProjectID)
	if err != nil {
		return nil, err
	}
	m, err := money(field+".amount", in.Amount)
	if err != nil {
		return nil, err
	}
	return &funding.Allocation{TrustFundID: tf, ProjectID: p, Year: in.Year, Amount: *m,
		ImplementingAgency: in.ImplementingAgency, ApprovedOn: date(in.ApprovedOn), Source: str(in.Source)}, nil
}

func (r *mutationResolver) createAllocations(ctx context.Context, input []*CreateAllocationInput) (*AllocationsPayload, error) {
	as := make([]*funding.Allocation, len(input))
	var p funding.Problems
	for i, in := range input {
		a, err := newAllocation(in, fmt.Sprintf("input[%d]", i))
		p.AddError(err)
		as[i] = a
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	out, err := r.Edit.CreateAllocations(ctx, actor(ctx), as)
	if err != nil {
		return nil, err
	}
	return &AllocationsPayload{Allocations: out}, nil
}

func (r *mutationResolver) updateTrustFund(ctx context.Context, in UpdateTrustFundInput, id string) (*funding.TrustFund, error) {
	var agreements []string
	if in.AgreementIds != nil {
		var err error
		if agreements, err = localIDs("input.agreementIds", funding.TypeAgreement, in.AgreementIds); err != nil {
			return nil, err
		}
	}
	return r.Edit.UpdateTrustFund(ctx, actor(ctx), id, in.ExpectedVersion, func(t *funding.TrustFund) error {
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
		return nil
	})
}

func (r *mutationResolver) updateProject(ctx context.Context, in UpdateProjectInput, id string) (*funding.Project, error) {
	budget, err := money("input.budget", in.Budget)
	if err != nil {
		return nil, err
	}
	return r.Edit.UpdateProject(ctx, actor(ctx), id, in.ExpectedVersion, func(p *funding.Project) error {
		set(&p.Code, in.Code)
		set(&p.Title, in.Title)
		set(&p.Description, in.Description)
		set(&p.Status, in.Status)
		set(&p.StartsOn, in.StartsOn)
		set(&p.EndsOn, in.EndsOn)
		if in.Themes != nil {
			p.Themes = in.Themes
		}
		set(&p.ImplementingAgency, in.ImplementingAgency)
		if budget != nil {
			p.Budget = budget
		}
		set(&p.Source, in.Source)
		return nil
	})
}

func (r *mutationResolver) updateAllocation(ctx context.Context, in UpdateAllocationInput, id string) (*funding.Allocation, error) {
	var project string
	if in.ProjectID != nil {
		var err error
		if project, err = funding.LocalID("input.projectId", funding.TypeProject, *in.ProjectID); err != nil {
			return nil, err
		}
	}
	amount, err := money("input.amount", in.Amount)
	if err != nil {
		return nil, err
	}
	return r.Edit.UpdateAllocation(ctx, actor(ctx), id, in.ExpectedVersion, func(a *funding.Allocation) error {
		if in.ProjectID != nil {
			a.ProjectID = project
		}
		set(&a.Year, in.Year)
		if amount != nil {
			a.Amount = *amount
		}
		set(&a.ImplementingAgency, in.ImplementingAgency)
		set(&a.ApprovedOn, in.ApprovedOn)
		set(&a.Source, in.Source)
		return nil
	})
}

// deleteNode deletes the object input.id of type typ.
func (r *mutationResolver) deleteNode(ctx context.Context, typ string, input DeleteInput, del func(ctx context.Context, actor, id string, expected int) error) (*DeletePayload, error) {
	id, err := funding.LocalID("input.id", typ, input.ID)
	if err != nil {
		return nil, err
	}
	if err := del(ctx, actor(ctx), id, input.ExpectedVersion); err != nil {
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

// withID decodes the global id of an update's input and runs the update with the local id.
func withID[T any](typ, gid string, update func(id string) (*T, error)) (*T, error) {
	id, err := funding.LocalID("input.id", typ, gid)
	if err != nil {
		return nil, err
	}
	return update(id)
}

// auditPage reads a page of committed audit entries, newest first.
func (r *Resolver) auditPage(ctx context.Context, q funding.AuditQuery, first *int, after *string) (*AuditEntryConnection, error) {
	n, err := pageSizeArg(first)
	if err != nil {
		return nil, err
	}
	pos, err := decodeCursor("after", after, "audit", 0)
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
	c := &AuditEntryConnection{}
	c.pageInfo.HasPreviousPage = pos != nil
	if len(items) > n {
		items, c.pageInfo.HasNextPage = items[:n], true
	}
	for _, e := range items {
		c.edges = append(c.edges, &AuditEntryEdge{Cursor: encodeCursor("audit", funding.Keyset{ID: e.ID}), Node: e})
	}
	if len(c.edges) > 0 {
		c.pageInfo.StartCursor, c.pageInfo.EndCursor = &c.edges[0].Cursor, &c.edges[len(c.edges)-1].Cursor
	}
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
			typ, id, err := funding.ParseGlobalID("filter.entityId", *f.EntityID)
			if err != nil {
				return nil, err
			}
			q.EntityType, q.EntityID = typ, id
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
	var donor string
	if in.DonorID != nil {
		var err error
		if donor, err = funding.LocalID("input.donorId", funding.TypeDonor, *in.DonorID); err != nil {
			return nil, err
		}
	}
	return r.Edit.UpdateAgreement(ctx, actor(ctx), id, in.ExpectedVersion, func(a *funding.Agreement) error {
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
		return nil
	})
}

func (r *mutationResolver) newTrustFund(ctx context.Context, in CreateTrustFundInput) (*funding.TrustFund, error) {
	donor, err := funding.LocalID("input.donorId", funding.TypeDonor, in.DonorID)
	if err != nil {
		return nil, err
	}
	agreements, err := localIDs("input.agreementIds", funding.TypeAgreement, in.AgreementIds)
	if err != nil {
		return nil, err
	}
	return r.Edit.CreateTrustFund(ctx, actor(ctx), &funding.TrustFund{DonorID: donor, AgreementIDs: agreements, Name: in.Name,
		EstablishedOn: in.EstablishedOn, StartsOn: in.StartsOn, EndsOn: date(in.EndsOn), Extensions: extensions(in.Extensions),
		Currency: in.Currency, Status: in.Status, Description: str(in.Description)})
}

func (r *mutationResolver) newProject(ctx context.Context, in CreateProjectInput) (*funding.Project, error) {
	var parse funding.Problems
	budget, err := money("input.budget", in.Budget)
	parse.AddError(err)
	cs, err := shares("input.countries", in.Countries)
	parse.AddError(err)
	p := &funding.Project{Code: in.Code, Title: in.Title, Description: str(in.Description),
		Status: in.Status, StartsOn: in.StartsOn, EndsOn: date(in.EndsOn), Themes: in.Themes, ImplementingAgency: in.ImplementingAgency,
		Budget: budget, Countries: cs, Source: str(in.Source)}
	if len(parse) > 0 {
		// Report the input's other problems too, not only what did not parse.
		parse.AddError(p.Validate("input"))
		return nil, parse.Err()
	}
	return r.Edit.CreateProject(ctx, actor(ctx), p)
}
