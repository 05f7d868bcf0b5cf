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
	cs, err := mergeByID(ctx, l, funding.Countries, codes, funding.CountryQuery{})
	return cs.Items, err
}

// Lists of related entities, filtered and sorted as asked (by id when no order is given),
// as List says: on the per-parent plan (Options.PerParent) a page of those that read
// their last hop by reference, whole for those whose last hop reads by id. Those that
// span several collections take one batched read per hop; their earlier hops read whole.

// DonorAgreements returns the agreements a donor signed.
func (l *Loaders) DonorAgreements(ctx context.Context, donorID string, q funding.AgreementQuery) (List[funding.Agreement], error) {
	return l.agreementsByDonor.page(ctx, donorID, q)
}

// DonorTrustFunds returns the trust funds a donor set up.
func (l *Loaders) DonorTrustFunds(ctx context.Context, donorID string, q funding.TrustFundQuery) (List[funding.TrustFund], error) {
	return l.trustFundsByDonor.page(ctx, donorID, q)
}

// DonorAllocations returns the allocations made from a donor's trust funds.
func (l *Loaders) DonorAllocations(ctx context.Context, donorID string, q funding.AllocationQuery) (List[funding.Allocation], error) {
	tfs, err := l.trustFundsByDonor.all(ctx, donorID)
	if err != nil {
		return List[funding.Allocation]{}, err
	}
	return l.allocationsByTrustFund.merged(ctx, ids(tfs, funding.TrustFunds.LocalID), q)
}

// DonorProjects returns the projects that received allocations from a donor's trust funds.
func (l *Loaders) DonorProjects(ctx context.Context, donorID string, q funding.ProjectQuery) (List[funding.Project], error) {
	as, err := l.DonorAllocations(ctx, donorID, funding.AllocationQuery{})
	if err != nil {
		return List[funding.Project]{}, err
	}
	return mergeByID(ctx, l, funding.Projects, ids(as.Items, allocationProjectID), q)
}

// AgreementTrustFunds returns the trust funds set up or extended under an agreement.
func (l *Loaders) AgreementTrustFunds(ctx context.Context, agreementID string, q funding.TrustFundQuery) (List[funding.TrustFund], error) {
	return l.trustFundsByAgreement.page(ctx, agreementID, q)
}

// TrustFundAgreements returns the agreements a trust fund was set up or extended under.
func (l *Loaders) TrustFundAgreements(ctx context.Context, t *funding.TrustFund, q funding.AgreementQuery) (List[funding.Agreement], error) {
	return mergeByID(ctx, l, funding.Agreements, t.AgreementIDs, q)
}

// TrustFundAllocations returns a trust fund's allocations.
func (l *Loaders) TrustFundAllocations(ctx context.Context, trustFundID string, q funding.AllocationQuery) (List[funding.Allocation], error) {
	return l.allocationsByTrustFund.page(ctx, trustFundID, q)
}

// TrustFundProjects returns the projects a trust fund made allocations to.
func (l *Loaders) TrustFundProjects(ctx context.Context, trustFundID string, q funding.ProjectQuery) (List[funding.Project], error) {
	as, err := l.allocationsByTrustFund.all(ctx, trustFundID)
	if err != nil {
		return List[funding.Project]{}, err
	}
	return mergeByID(ctx, l, funding.Projects, ids(as, allocationProjectID), q)
}

// ProjectAllocations returns a project's allocations.
func (l *Loaders) ProjectAllocations(ctx context.Context, projectID string, q funding.AllocationQuery) (List[funding.Allocation], error) {
	return l.allocationsByProject.page(ctx, projectID, q)
}

// ProjectTrustFunds returns the trust funds that made allocations to a project.
func (l *Loaders) ProjectTrustFunds(ctx context.Context, projectID string, q funding.TrustFundQuery) (List[funding.TrustFund], error) {
	as, err := l.allocationsByProject.all(ctx, projectID)
	if err != nil {
		return List[funding.TrustFund]{}, err
	}
	return mergeByID(ctx, l, funding.TrustFunds, ids(as, allocationTrustFundID), q)
}

// ProjectDonors returns the donors whose trust funds made allocations to a project.
func (l *Loaders) ProjectDonors(ctx context.Context, projectID string, q funding.DonorQuery) (List[funding.Donor], error) {
	tfs, err := l.ProjectTrustFunds(ctx, projectID, funding.TrustFundQuery{})
	if err != nil {
		return List[funding.Donor]{}, err
	}
	return mergeByID(ctx, l, funding.Donors, ids(tfs.Items, trustFundDonorID), q)
}

// CountryProjects returns the projects with a share in a country.
func (l *Loaders) CountryProjects(ctx context.Context, code string, q funding.ProjectQuery) (List[funding.Project], error) {
	return l.projectsByCountry.page(ctx, code, q)
}

// CountryAllocations returns the allocations to projects with a share in a country.
func (l *Loaders) CountryAllocations(ctx context.Context, code string, q funding.AllocationQuery) (List[funding.Allocation], error) {
	ps, err := l.projectsByCountry.all(ctx, code)
	if err != nil {
		return List[funding.Allocation]{}, err
	}
	return l.allocationsByProject.merged(ctx, ids(ps, funding.Projects.LocalID), q)
}

// CountryDonors returns the donors whose trust funds made allocations to projects with a
// share in a country.
func (l *Loaders) CountryDonors(ctx context.Context, code string, q funding.DonorQuery) (List[funding.Donor], error) {
	as, err := l.CountryAllocations(ctx, code, funding.AllocationQuery{})
	if err != nil {
		return List[funding.Donor]{}, err
	}
	tfs, err := mergeByID(ctx, l, funding.TrustFunds, ids(as.Items, allocationTrustFundID), funding.TrustFundQuery{})
	if err != nil {
		return List[funding.Donor]{}, err
	}
	return mergeByID(ctx, l, funding.Donors, ids(tfs.Items, trustFundDonorID), q)
}

// CountryPartnerDonors returns the donors naming a country as a partner country.
func (l *Loaders) CountryPartnerDonors(ctx context.Context, code string, q funding.DonorQuery) (List[funding.Donor], error) {
	return l.donorsByPartnerCountry.page(ctx, code, q)
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

// mergeByID loads the entities of e with the ids that match q's filter through the
// loader by id, and merges them into one list in q's order (then by id), without repeats.
// It reads them whole on either plan: a read by id returns one entity per id.
func mergeByID[T, F any, Fld ~string](ctx context.Context, l *Loaders, e funding.Entity[T, F, Fld], ids []string, q funding.Query[F, funding.Order[Fld]]) (List[T], error) {
	ld, err := l.ofKind(e.Kind)
	if err != nil {
		return List[T]{}, err
	}
	lists, err := ld.LoadAll(ctx, keys(ids, argsKey(q.Filter, q.Order, nil)))
	if err != nil {
		return List[T]{}, err
	}
	var out []*T
	for _, xs := range lists {
		for _, x := range xs {
			out = append(out, x.(*T))
		}
	}
	return whole(sorted(e, out, q.Order)), nil
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
