// Package graph is coopgraph's GraphQL layer: gqlgen's generated executor and the
// resolvers. Resolvers are thin: top-level lists read the store, nested fields go through
// the request's batch loaders (package loader).
package graph

//go:generate go tool gqlgen generate

import (
	"context"
	"github.com/coopgraph/coopgraph/internal/iati"

	"github.com/coopgraph/coopgraph/internal/edit"
	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is what the top-level resolvers read: lists with their counts, lookups by code,
// and search.
type Store interface {
	funding.Reader
	ProjectByCode(ctx context.Context, code string) (*funding.Project, error)
	Search(ctx context.Context, text string, types []string, limit int) ([]any, error)
	FindAudit(ctx context.Context, q funding.AuditQuery) ([]*funding.AuditEntry, error)
	iati.Store // importIati's reads and bulk writes
	ExchangeRates(ctx context.Context, currency string, years []int) ([]*funding.ExchangeRate, error)
	StreamAllocations(ctx context.Context, f *funding.AllocationFilter, size int, fn func(context.Context, []*funding.Allocation) error) error
}

// Resolver is the root of the resolvers: it holds their dependencies.
type Resolver struct {
	Store Store
	Edit  *edit.Service
	// KeysConfigured says whether the server has API keys, for the message of a refusal.
	KeysConfigured bool
	// CursorKey signs the paging cursors (HMAC-SHA256). Empty: a random key made once per
	// process, so cursors do not survive a restart nor work on another instance.
	CursorKey []byte
}
