package loader

import (
	"context"
	"fmt"
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// ByID returns the entity of e with the local id (a country's code), or nil.
func ByID[T, F any, Fld ~string](ctx context.Context, l *Loaders, e funding.Entity[T, F, Fld], id string) (*T, error) {
	v, err := l.node(ctx, e.Kind, id)
	if v == nil || err != nil {
		return nil, err
	}
	return v.(*T), nil
}

// Node returns the entity id names, or nil (a nil interface) if there is none.
func (l *Loaders) Node(ctx context.Context, id funding.ID) (any, error) {
	return l.node(ctx, id.Kind, id.Local)
}

func (l *Loaders) node(ctx context.Context, k funding.Kind, id string) (any, error) {
	ld, err := l.ofKind(k)
	if err != nil {
		return nil, err
	}
	xs, err := ld.Load(ctx, Key{Parent: id})
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	return xs[0], nil
}

// ofKind is the loader by id of kind k.
func (l *Loaders) ofKind(k funding.Kind) (*Loader[Key, []any], error) {
	ld, ok := l.byID[k]
	if !ok {
		return nil, fmt.Errorf("loader: %q is not in funding.Entities", k)
	}
	return ld, nil
}

// Countries returns the countries with the codes, in order of code, dropping unknown ones.
func (l *Loaders) Countries(ctx context.Context, codes []string) ([]*funding.Country, error) {
	return mergeByID(ctx, l, funding.Countries, codes, "", nil)
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
	return merge(ctx, l.allocationsByTrustFund, funding.Allocations, ids(tfs, funding.TrustFunds.LocalID), argsKey(f, o), o)
}

// DonorProjects returns the projects that received allocations from a donor's trust funds.
func (l *Loaders) DonorProjects(ctx context.Context, donorID string, f *funding.ProjectFilter, o []funding.ProjectOrder) ([]*funding.Project, error) {
	as, err := l.DonorAllocations(ctx, donorID, nil, nil)
	if err != nil {
		return nil, err
	}
	return mergeByID(ctx, l, funding.Projects, ids(as, allocationProjectID), argsKey(f, o), o)
}

// AgreementTrustFunds returns the trust funds set up or extended under an agreement.
func (l *Loaders) AgreementTrustFunds(ctx context.Context, agreementID string, f *funding.TrustFundFilter, o []funding.TrustFundOrder) ([]*funding.TrustFund, error) {
	return l.trustFundsByAgreement.Load(ctx, Key{agreementID, argsKey(f, o)})
}

// TrustFundAgreements returns the agreements a trust fund was set up or extended under.
func (l *Loaders) TrustFundAgreements(ctx context.Context, t *funding.TrustFund, f *funding.AgreementFilter, o []funding.AgreementOrder) ([]*funding.Agreement, error) {
	return mergeByID(ctx, l, funding.Agreements, t.AgreementIDs, argsKey(f, o), o)
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
	return mergeByID(ctx, l, funding.Projects, ids(as, allocationProjectID), argsKey(f, o), o)
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
	return mergeByID(ctx, l, funding.TrustFunds, ids(as, allocationTrustFundID), argsKey(f, o), o)
}

// ProjectDonors returns the donors whose trust funds made allocations to a project.
func (l *Loaders) ProjectDonors(ctx context.Context, projectID string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	tfs, err := l.ProjectTrustFunds(ctx, projectID, nil, nil)
	if err != nil {
		return nil, err
	}
	return mergeByID(ctx, l, funding.Donors, ids(tfs, trustFundDonorID), argsKey(f, o), o)
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
	return merge(ctx, l.allocationsByProject, funding.Allocations, ids(ps, funding.Projects.LocalID), argsKey(f, o), o)
}

// CountryDonors returns the donors whose trust funds made allocations to projects with a
// share in a country.
func (l *Loaders) CountryDonors(ctx context.Context, code string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	as, err := l.CountryAllocations(ctx, code, nil, nil)
	if err != nil {
		return nil, err
	}
	tfs, err := mergeByID(ctx, l, funding.TrustFunds, ids(as, allocationTrustFundID), "", nil)
	if err != nil {
		return nil, err
	}
	return mergeByID(ctx, l, funding.Donors, ids(tfs, trustFundDonorID), argsKey(f, o), o)
}

// CountryPartnerDonors returns the donors naming a country as a partner country.
func (l *Loaders) CountryPartnerDonors(ctx context.Context, code string, f *funding.DonorFilter, o []funding.DonorOrder) ([]*funding.Donor, error) {
	return l.donorsByPartnerCountry.Load(ctx, Key{code, argsKey(f, o)})
}

func trustFundDonorID(t *funding.TrustFund) string       { return t.DonorID }
func allocationProjectID(a *funding.Allocation) string   { return a.ProjectID }
func allocationTrustFundID(a *funding.Allocation) string { return a.TrustFundID }

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
func merge[T, F any, Fld ~string](ctx context.Context, ld *Loader[Key, []*T], e funding.Entity[T, F, Fld], parents []string, args string, order []funding.Order[Fld]) ([]*T, error) {
	lists, err := ld.LoadAll(ctx, keys(parents, args))
	if err != nil {
		return nil, err
	}
	return sorted(e, slices.Concat(lists...), order), nil
}

// mergeByID is merge for the loader by id of e.
func mergeByID[T, F any, Fld ~string](ctx context.Context, l *Loaders, e funding.Entity[T, F, Fld], parents []string, args string, order []funding.Order[Fld]) ([]*T, error) {
	ld, err := l.ofKind(e.Kind)
	if err != nil {
		return nil, err
	}
	lists, err := ld.LoadAll(ctx, keys(parents, args))
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, xs := range lists {
		for _, x := range xs {
			out = append(out, x.(*T))
		}
	}
	return sorted(e, out, order), nil
}

func keys(parents []string, args string) []Key {
	out := make([]Key, len(parents))
	for i, p := range parents {
		out[i] = Key{p, args}
	}
	return out
}

// sorted sorts xs in the order asked for, then by id, and drops repeats.
func sorted[T, F any, Fld ~string](e funding.Entity[T, F, Fld], xs []*T, order []funding.Order[Fld]) []*T {
	slices.SortFunc(xs, func(a, b *T) int { return funding.Compare(a, b, order, e.SortKey, e.LocalID) })
	return slices.CompactFunc(xs, func(a, b *T) bool { return e.LocalID(a) == e.LocalID(b) })
}
