package loader

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// The relationships below span several collections. Each hop is one loader, so each
// costs one batched read for all the parents of a request, not one per parent.

// DonorAllocations returns the allocations made from the donor's trust funds.
func (l *Loaders) DonorAllocations(ctx context.Context, donorID string) ([]*funding.Allocation, error) {
	tfs, err := l.TrustFundsByDonor.Load(ctx, donorID)
	if err != nil {
		return nil, err
	}
	return flatten(ctx, l.AllocationsByTrustFund, ids(tfs, trustFundID), allocationID)
}

// DonorProjects returns the projects that received allocations from the donor's trust funds.
func (l *Loaders) DonorProjects(ctx context.Context, donorID string) ([]*funding.Project, error) {
	as, err := l.DonorAllocations(ctx, donorID)
	if err != nil {
		return nil, err
	}
	return byIDs(ctx, l.Project, ids(as, allocationProjectID), projectID)
}

// TrustFundAgreements returns the agreements a trust fund was set up or extended under.
func (l *Loaders) TrustFundAgreements(ctx context.Context, t *funding.TrustFund) ([]*funding.Agreement, error) {
	return byIDs(ctx, l.Agreement, t.AgreementIDs, func(a *funding.Agreement) string { return a.ID })
}

// TrustFundProjects returns the projects a trust fund made allocations to.
func (l *Loaders) TrustFundProjects(ctx context.Context, trustFundID string) ([]*funding.Project, error) {
	as, err := l.AllocationsByTrustFund.Load(ctx, trustFundID)
	if err != nil {
		return nil, err
	}
	return byIDs(ctx, l.Project, ids(as, allocationProjectID), projectID)
}

// ProjectTrustFunds returns the trust funds that made allocations to a project.
func (l *Loaders) ProjectTrustFunds(ctx context.Context, projectID string) ([]*funding.TrustFund, error) {
	as, err := l.AllocationsByProject.Load(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return byIDs(ctx, l.TrustFund, ids(as, allocationTrustFundID), trustFundID)
}

// ProjectDonors returns the donors whose trust funds made allocations to a project.
func (l *Loaders) ProjectDonors(ctx context.Context, projectID string) ([]*funding.Donor, error) {
	tfs, err := l.ProjectTrustFunds(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return byIDs(ctx, l.Donor, ids(tfs, trustFundDonorID), donorID)
}

// CountryAllocations returns the allocations to projects with a share in a country.
func (l *Loaders) CountryAllocations(ctx context.Context, code string) ([]*funding.Allocation, error) {
	ps, err := l.ProjectsByCountry.Load(ctx, code)
	if err != nil {
		return nil, err
	}
	return flatten(ctx, l.AllocationsByProject, ids(ps, projectID), allocationID)
}

// CountryDonors returns the donors whose trust funds made allocations to projects with a
// share in a country.
func (l *Loaders) CountryDonors(ctx context.Context, code string) ([]*funding.Donor, error) {
	as, err := l.CountryAllocations(ctx, code)
	if err != nil {
		return nil, err
	}
	tfs, err := byIDs(ctx, l.TrustFund, ids(as, allocationTrustFundID), trustFundID)
	if err != nil {
		return nil, err
	}
	return byIDs(ctx, l.Donor, ids(tfs, trustFundDonorID), donorID)
}

func donorID(d *funding.Donor) string                  { return d.ID }
func trustFundID(t *funding.TrustFund) string          { return t.ID }
func trustFundDonorID(t *funding.TrustFund) string     { return t.DonorID }
func projectID(p *funding.Project) string              { return p.ID }
func allocationID(a *funding.Allocation) string        { return a.ID }
func allocationProjectID(a *funding.Allocation) string { return a.ProjectID }
func allocationTrustFundID(a *funding.Allocation) string {
	return a.TrustFundID
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

// byIDs loads the entities with the given ids, dropping missing ones, in id order.
func byIDs[T any](ctx context.Context, l *Loader[string, *T], keys []string, id func(*T) string) ([]*T, error) {
	vs, err := l.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(vs))
	for _, v := range vs {
		if v != nil {
			out = append(out, v)
		}
	}
	return sortedByID(out, id), nil
}

// flatten loads the children of all the keys and merges them in id order.
func flatten[T any](ctx context.Context, l *Loader[string, []*T], keys []string, id func(*T) string) ([]*T, error) {
	lists, err := l.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, xs := range lists {
		out = append(out, xs...)
	}
	return sortedByID(out, id), nil
}

// Countries returns the countries with the given codes, in order of code, dropping
// unknown codes.
func (l *Loaders) Countries(ctx context.Context, codes []string) ([]*funding.Country, error) {
	return byIDs(ctx, l.Country, codes, func(c *funding.Country) string { return c.Code })
}
