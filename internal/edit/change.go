package edit

import (
	"context"
	"fmt"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Changes is how the objects of one kind are created, updated and deleted: the kind's
// description in funding (its reads, writes and Meta) and what is specific to it. Each
// kind has one such value (entities.go).
type Changes[T, F any, O ~string] struct {
	entity funding.Entity[T, F, O]
	// idOf is where a new object's id goes; nil if the input names it (a country's code).
	idOf func(*T) *string
	// check validates the whole new value (old is nil on create): the domain's Validate,
	// then its references, all problems together.
	check func(s *Service, ctx context.Context, old, x *T) error
}

// Create stores x as a new object (with a new id, unless the input names it). parse holds
// the problems found while reading the input (an amount that is not a number, …); they
// are reported with the others.
func (c Changes[T, F, O]) Create(ctx context.Context, s *Service, actor string, x *T, parse funding.Problems) (*T, error) {
	if c.idOf != nil {
		*c.idOf(x) = s.newID()
	}
	if err := withParse(parse, c.check(s, ctx, nil, x)); err != nil {
		return nil, err
	}
	now := s.now()
	change := s.newID()
	*c.entity.Meta(x) = funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: change}
	err := s.record(ctx, change, actor, funding.ActionCreate, string(c.entity.Kind), c.entity.LocalID(x), 1, nil, x, func() error {
		return c.entity.Writer(s.store).Insert(ctx, x)
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// Update applies patch to the object id at version expected and stores the result (see
// Create for parse).
func (c Changes[T, F, O]) Update(ctx context.Context, s *Service, actor, id string, expected int, patch func(*T), parse funding.Problems) (*T, error) {
	old, err := c.current(ctx, s, id, expected)
	if err != nil {
		return nil, err
	}
	next := *old
	patch(&next)
	if err := withParse(parse, c.check(s, ctx, old, &next)); err != nil {
		return nil, err
	}
	m := c.entity.Meta(&next)
	m.Version, m.UpdatedAt, m.Change = expected+1, s.now(), s.newID()
	err = s.record(ctx, m.Change, actor, funding.ActionUpdate, string(c.entity.Kind), id, m.Version, old, &next, func() error {
		return c.entity.Writer(s.store).Replace(ctx, &next, expected)
	})
	if err != nil {
		return nil, err
	}
	return &next, nil
}

// Delete deletes the object id at version expected, unless something refers to it.
func (c Changes[T, F, O]) Delete(ctx context.Context, s *Service, actor, id string, expected int) error {
	old, err := c.current(ctx, s, id, expected)
	if err != nil {
		return err
	}
	w := c.entity.Writer(s.store)
	refs, err := w.Referrers(ctx, id)
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		return &funding.Error{Code: funding.ECONFLICT, Field: "input.id",
			Message: fmt.Sprintf("it is still referred to by %s; delete or change those first", strings.Join(refs, " and "))}
	}
	return s.record(ctx, s.newID(), actor, funding.ActionDelete, string(c.entity.Kind), id, expected, old, nil, func() error {
		return w.Remove(ctx, id, expected)
	})
}

// current reads the object id, which must be at version expected.
func (c Changes[T, F, O]) current(ctx context.Context, s *Service, id string, expected int) (*T, error) {
	old, err := lookup(ctx, s, c.entity, id)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, notFound("input.id")
	}
	if v := c.entity.Meta(old).Version; v != expected {
		return nil, stale(v, expected)
	}
	return old, nil
}

// lookup reads the object of kind e with id; nil if there is none.
func lookup[T, F any, O ~string](ctx context.Context, s *Service, e funding.Entity[T, F, O], id string) (*T, error) {
	return first(e.FindIn(ctx, s.store, &funding.Within{Ref: "id", IDs: []string{id}}, nil))
}

// lookupAll reads the objects of kind e with the given ids (those that exist).
func lookupAll[T, F any, O ~string](ctx context.Context, s *Service, e funding.Entity[T, F, O], ids []string) ([]*T, error) {
	return e.FindIn(ctx, s.store, &funding.Within{Ref: "id", IDs: ids}, nil)
}

// exists adds a problem at field to p if no object of kind e has the id.
func exists[T, F any, O ~string](ctx context.Context, s *Service, e funding.Entity[T, F, O], p *funding.Problems, field, id, problem string) error {
	x, err := lookup(ctx, s, e, id)
	if err == nil && x == nil {
		p.Add(field, "%s", problem)
	}
	return err
}
