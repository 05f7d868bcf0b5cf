package graph

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// lookup resolves a singular lookup by id: an id of another kind than e's is
// BAD_USER_INPUT naming field (a malformed one never gets here); an id that names nothing
// is null.
func lookup[T, F any, Fld ~string](ctx context.Context, s Store, field string, e funding.Entity[T, F, Fld], gid funding.ID) (*T, error) {
	id, err := localID(field, e.Kind, gid)
	if err != nil {
		return nil, err
	}
	return byID(ctx, s, e, id)
}

// byID reads the entity of e with the local id (nil if there is none) from the store
// directly, as top-level fields do: an equality on _id, sent at once, where the loaders
// would wait a batch window (1 ms, and the CPU of waking up from it) for keys that a
// top-level lookup does not have. Several top-level lookups make one read each, which on
// FerretDB costs less than one $in.
func byID[T, F any, Fld ~string](ctx context.Context, s Store, e funding.Entity[T, F, Fld], id string) (*T, error) {
	items, err := e.Find(s, ctx, funding.Query[F, funding.Order[Fld]]{Within: &funding.Within{Ref: "id", IDs: []string{id}}})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], nil
}

// node resolves an id of any kind to its object, or nil if there is none.
func (r *queryResolver) node(ctx context.Context, gid funding.ID) (Node, error) {
	return loadOne(ctx, func(l *loader.Loaders) (Node, error) { return l.Node(ctx, gid) })
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
	return lookup(ctx, r.Store, "id", funding.Projects, *id)
}

// country resolves country(code:), accepting lower case.
func (r *queryResolver) country(ctx context.Context, code string) (*funding.Country, error) {
	code = strings.ToUpper(code)
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return nil, funding.Invalid("code", "%q is not an ISO 3166-1 alpha-2 country code (two letters, e.g. MW)", code)
	}
	return byID(ctx, r.Store, funding.Countries, code)
}
