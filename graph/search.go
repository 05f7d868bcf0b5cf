package graph

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const defaultSearchSize = 20

// search validates the arguments of Query.search and asks the store.
func (r *queryResolver) search(ctx context.Context, text string, types []SearchType, first *int) ([]Node, error) {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) < 2 {
		return nil, funding.Invalid("text", "search needs at least 2 characters")
	}
	if len(text) > 200 {
		return nil, funding.Invalid("text", "search text is limited to 200 bytes")
	}
	limit := defaultSearchSize
	if first != nil {
		if *first < 1 || *first > maxPageSize {
			return nil, funding.Invalid("first", "first must be between 1 and %d, got %d", maxPageSize, *first)
		}
		limit = *first
	}
	kinds := make([]string, len(types))
	for i, t := range types {
		kinds[i] = string(t)
	}
	found, err := r.Store.Search(ctx, text, kinds, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Node, len(found))
	for i, f := range found {
		out[i] = f
	}
	return out, nil
}
