package graph

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// loadOne loads related data through the request's loaders.
func loadOne[T any](ctx context.Context, load func(*loader.Loaders) (T, error)) (T, error) {
	l, err := loader.For(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return load(l)
}

// nullable maps "" to null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// load loads the entity of e with the local id (nil if there is none) through the
// request's loaders.
func load[T, F any, Fld ~string](ctx context.Context, e funding.Entity[T, F, Fld], id string) (*T, error) {
	return loadOne(ctx, func(l *loader.Loaders) (*T, error) { return loader.ByID(ctx, l, e, id) })
}
