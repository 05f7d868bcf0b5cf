package loader

import (
	"context"
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Single entities by key; a missing one is nil.

// Country returns the country with the code, or nil.
func (l *Loaders) Country(ctx context.Context, code string) (*funding.Country, error) {
	return first(l.countriesByCode.Load(ctx, Key{Parent: code}))
}

// Donor returns the donor with the id, or nil.
func (l *Loaders) Donor(ctx context.Context, id string) (*funding.Donor, error) {
	return first(l.donorsByID.Load(ctx, Key{Parent: id}))
}

// Agreement returns the agreement with the id, or nil.
func (l *Loaders) Agreement(ctx context.Context, id string) (*funding.Agreement, error) {
	return first(l.agreementsByID.Load(ctx, Key{Parent: id}))
}

// TrustFund returns the trust fund with the id, or nil.
func (l *Loaders) TrustFund(ctx context.Context, id string) (*funding.TrustFund, error) {
	return first(l.trustFundsByID.Load(ctx, Key{Parent: id}))
}

// Allocation returns the allocation with the id, or nil.
func (l *Loaders) Allocation(ctx context.Context, id string) (*funding.Allocation, error) {
	return first(l.allocationsByID.Load(ctx, Key{Parent: id}))
}

// Project returns the project with the id, or nil.
func (l *Loaders) Project(ctx context.Context, id string) (*funding.Project, error) {
	return first(l.projectsByID.Load(ctx, Key{Parent: id}))
}

// Countries returns the countries with the codes, in order of code, dropping unknown ones.
func (l *Loaders) Countries(ctx context.Context, codes []string) ([]*funding.Country, error) {
	return merge(ctx, l.countriesByCode, codes, "", nil, (*funding.Country).SortKey, countryCode)
}

// Lists of related entities, filtered and sorted as asked (by id when no order is given).
// Those that span several collections take one batched read per hop.

// DonorAgreements returns the agreements a donor signed.
func (l *Loaders) DonorAgreements(ctx context.Context, donorID string, f *funding.AgreementFilter, o []funding.AgreementOrder) ([]*funding.Agreement, error) {
	return l.agreementsByDonor.Load(ctx, Key{donorID, argsKey(f, o)})
}

// DonorTrustFunds returns the trust funds a donor set up.
func (l *Loaders) DonorTrustFunds(ctx context.Context, donorID string, f *funding.TrustFundFilter, o []funding.TrustFundOrder) ([]*funding.TrustFund, error) {
	return l.trustFundsByDonor.Load(ctx, Key{donorID, argsKey(f, o)})
}

// DonorAllocations returns the allocations made from a donor's trust funds.
func (l *Loaders) DonorAllocations(ctx context.Context, donorID string, f *funding.AllocationFilter, o []funding.AllocationOrder) ([]*funding.Allocation, error) {
	tfs, err := l.trustFundsByDonor.Load(ctx, Key{Parent: donorID})
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.allocationsByTrustFund, ids(tfs, trustFundID), argsKey(f, o), o, (*funding.Allocation).SortKey, allocationID)
}

// DonorProjects returns the projects that received allocations from a donor's trust funds.
func (l *Loaders) DonorProjects(ctx context.Context, donorID string, f *funding.ProjectFilter, o []funding.ProjectOrder) ([]*funding.Project, error) {
	as, err := l.DonorAllocations(ctx, donorID, nil, nil)
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.projectsByID, ids(as, allocationProjectID), argsKey(f, o), o, (*funding.Project).SortKey, projectID)
}

// AgreementTrustFunds returns the trust funds set up or extended under an agreement.
func (l *Loaders) AgreementTrustFunds(ctx context.Context, agreementID string, f *funding.TrustFundFilter, o []funding.TrustFundOrder) ([]*funding.TrustFund, error) {
	return l.trustFundsByAgreement.Load(ctx, Key{agreementID, argsKey(f, o)})
}

// TrustFundAgreements returns the agreements a trust fund was set up or extended under.
func (l *Loaders) TrustFundAgreements(ctx context.Context, t *funding.TrustFund, f *funding.AgreementFilter, o []funding.AgreementOrder) ([]*funding.Agreement, error) {
	return merge(ctx, l.agreementsByID, t.AgreementIDs, argsKey(f, o), o, (*funding.Agreement).SortKey, agreementID)
}

// TrustFundAllocations returns a trust fund's allocations.
func (l *Loaders) TrustFundAllocations(ctx context.Context, trustFundID string, f *funding.AllocationFilter, o []funding.AllocationOrder) ([]*funding.Allocation, error) {
	return l.allocationsByTrustFund.Load(ctx, Key{trustFundID, argsKey(f, o)})
}

// TrustFundProjects returns the projects a trust fund made allocations to.
func (l *Loaders) TrustFundProjects(ctx context.Context, trustFundID string, f *funding.ProjectFilter, o []funding.ProjectOrder) ([]*funding.Project, error) {
	as, err := l.allocationsByTrustFund.Load(ctx, Key{Parent: trustFundID})
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.projectsByID, ids(as, allocationProjectID), argsKey(f, o), o, (*funding.Project).SortKey, projectID)
}

// ProjectAllocations returns a project's allocations.
func (l *Loaders) ProjectAllocations(ctx context.Context, projectID string, f *funding.AllocationFilter, o []funding.AllocationOrder) ([]*funding.Allocation, error) {
	return l.allocationsByProject.Load(ctx, Key{projectID, argsKey(f, o)})
}

// ProjectTrustFunds returns the trust funds that made allocations to a project.
func (l *Loaders) ProjectTrustFunds(ctx context.Context, projectID string, f *funding.TrustFundFilter, o []funding.TrustFundOrder) ([]*funding.TrustFund, error) {
	as, err := l.allocationsByProject.Load(ctx, Key{Parent: projectID})
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.trustFundsByID, ids(as, allocationTrustFundID), argsKey(f, o), o, (*funding.TrustFund).SortKey, trustFundID)
}

// ProjectDonors returns the donors whose trust funds made allocations to a project.
func (l *Loaders) ProjectDonors(ctx context.Context, projectID string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	tfs, err := l.ProjectTrustFunds(ctx, projectID, nil, nil)
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.donorsByID, ids(tfs, trustFundDonorID), argsKey(f, o), o, (*funding.Donor).SortKey, donorID)
}

// CountryProjects returns the projects with a share in a country.
func (l *Loaders) CountryProjects(ctx context.Context, code string, f *funding.ProjectFilter, o []funding.ProjectOrder) ([]*funding.Project, error) {
	return l.projectsByCountry.Load(ctx, Key{code, argsKey(f, o)})
}

// CountryAllocations returns the allocations to projects with a share in a country.
func (l *Loaders) CountryAllocations(ctx context.Context, code string, f *funding.AllocationFilter, o []funding.AllocationOrder) ([]*funding.Allocation, error) {
	ps, err := l.projectsByCountry.Load(ctx, Key{Parent: code})
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.allocationsByProject, ids(ps, projectID), argsKey(f, o), o, (*funding.Allocation).SortKey, allocationID)
}

// CountryDonors returns the donors whose trust funds made allocations to projects with a
// share in a country.
func (l *Loaders) CountryDonors(ctx context.Context, code string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	as, err := l.CountryAllocations(ctx, code, nil, nil)
	if err != nil {
		return nil, err
	}
	tfs, err := merge(ctx, l.trustFundsByID, ids(as, allocationTrustFundID), "", nil, (*funding.TrustFund).SortKey, trustFundID)
	if err != nil {
		return nil, err
	}
	return merge(ctx, l.donorsByID, ids(tfs, trustFundDonorID), argsKey(f, o), o, (*funding.Donor).SortKey, donorID)
}

// CountryPartnerDonors returns the donors naming a country as a partner country.
func (l *Loaders) CountryPartnerDonors(ctx context.Context, code string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	return l.donorsByPartnerCountry.Load(ctx, Key{code, argsKey(f, o)})
}

func countryCode(c *funding.Country) string              { return c.Code }
func donorID(d *funding.Donor) string                    { return d.ID }
func agreementID(a *funding.Agreement) string            { return a.ID }
func trustFundID(t *funding.TrustFund) string            { return t.ID }
func trustFundDonorID(t *funding.TrustFund) string       { return t.DonorID }
func projectID(p *funding.Project) string                { return p.ID }
func allocationID(a *funding.Allocation) string          { return a.ID }
func allocationProjectID(a *funding.Allocation) string   { return a.ProjectID }
func allocationTrustFundID(a *funding.Allocation) string { return a.TrustFundID }

func first[T any](xs []*T, err error) (*T, error) {
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	return xs[0], nil
}

// ids returns the distinct keys of xs, in first-seen order.
func ids[T any](xs []*T, key func(*T) string) []string {
	seen := make(map[string]bool, len(xs))
	var out []string
	for _, x := range xs {
		if k := key(x); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// merge loads the children of all parents with the same arguments and merges them into
// one list in the order asked for (then by id), without repeats.
func merge[T any, F ~string](ctx context.Context, l *Loader[Key, []*T], parents []string, args string,
	order []funding.Order[F], sortKey func(*T, F) any, id func(*T) string,
) ([]*T, error) {
	keys := make([]Key, len(parents))
	for i, p := range parents {
		keys[i] = Key{p, args}
	}
	lists, err := l.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, xs := range lists {
		out = append(out, xs...)
	}
	slices.SortFunc(out, func(a, b *T) int { return funding.Compare(a, b, order, sortKey, id) })
	return slices.CompactFunc(out, func(a, b *T) bool { return id(a) == id(b) }), nil
}
