package graph

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// lookup resolves a singular lookup by id: an id of another kind is BAD_USER_INPUT
// naming field (a malformed one never gets here); an id that names nothing is null.
func lookup[T any](ctx context.Context, field string, k funding.Kind, gid funding.ID, load func(*loader.Loaders, context.Context, string) (*T, error)) (*T, error) {
	id, err := localID(field, k, gid)
	if err != nil {
		return nil, err
	}
	return loadOne(ctx, func(l *loader.Loaders) (*T, error) { return load(l, ctx, id) })
}

// node resolves any id to its object, or nil if there is none.
func (r *queryResolver) node(ctx context.Context, gid funding.ID) (Node, error) {
	l, err := loader.For(ctx)
	if err != nil {
		return nil, err
	}
	id := gid.Local
	// Each case returns its typed pointer through nonNil, so a missing object is a
	// true nil Node rather than a typed nil.
	switch gid.Kind {
	case funding.TypeCountry:
		return nonNil(l.Country(ctx, id))
	case funding.TypeDonor:
		return nonNil(l.Donor(ctx, id))
	case funding.TypeAgreement:
		return nonNil(l.Agreement(ctx, id))
	case funding.TypeTrustFund:
		return nonNil(l.TrustFund(ctx, id))
	case funding.TypeAllocation:
		return nonNil(l.Allocation(ctx, id))
	default:
		return nonNil(l.Project(ctx, id))
	}
}

func nonNil[T any](v *T, err error) (Node, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}

// nodes resolves up to maxPageSize ids, in the order given.
func (r *queryResolver) nodes(ctx context.Context, ids []*funding.ID) ([]Node, error) {
	if len(ids) > maxPageSize {
		return nil, funding.Invalid("ids", "at most %d ids may be asked for at once, got %d", maxPageSize, len(ids))
	}
	// Concurrently, so that the loaders read each type once.
	out := make([]Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, gid := range ids {
		wg.Go(func() { out[i], errs[i] = r.node(ctx, *gid) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// project resolves project(id:, code:): exactly one of the two must be given.
func (r *queryResolver) project(ctx context.Context, id *funding.ID, code *string) (*funding.Project, error) {
	switch {
	case (id == nil) == (code == nil):
		return nil, funding.Invalid("id", "give exactly one of id and code")
	case code != nil:
		return r.Store.ProjectByCode(ctx, *code)
	}
	return lookup(ctx, "id", funding.TypeProject, *id, (*loader.Loaders).Project)
}

// country resolves country(code:), accepting lower case.
func (r *queryResolver) country(ctx context.Context, code string) (*funding.Country, error) {
	code = strings.ToUpper(code)
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return nil, funding.Invalid("code", "%q is not an ISO 3166-1 alpha-2 country code (two letters, e.g. MW)", code)
	}
	return loadOne(ctx, func(l *loader.Loaders) (*funding.Country, error) { return l.Country(ctx, code) })
}
