// Package graph is coopgraph's GraphQL layer: gqlgen's generated executor and the
// resolvers. Resolvers are thin: top-level lists read the store, nested fields go through
// the request's batch loaders (package loader).
package graph

//go:generate go tool gqlgen generate

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is what the top-level resolvers read: pages of each list, their counts, and
// lookups by code.
type Store interface {
	Countries(ctx context.Context, p funding.Page) ([]*funding.Country, error)
	CountCountries(ctx context.Context) (int, error)
	Donors(ctx context.Context, p funding.Page) ([]*funding.Donor, error)
	CountDonors(ctx context.Context) (int, error)
	Agreements(ctx context.Context, p funding.Page) ([]*funding.Agreement, error)
	CountAgreements(ctx context.Context) (int, error)
	TrustFunds(ctx context.Context, p funding.Page) ([]*funding.TrustFund, error)
	CountTrustFunds(ctx context.Context) (int, error)
	Allocations(ctx context.Context, p funding.Page) ([]*funding.Allocation, error)
	CountAllocations(ctx context.Context) (int, error)
	Projects(ctx context.Context, p funding.Page) ([]*funding.Project, error)
	CountProjects(ctx context.Context) (int, error)
	ProjectByCode(ctx context.Context, code string) (*funding.Project, error)
}

// Resolver is the root of the resolvers: it holds their dependencies.
type Resolver struct {
	Store Store
}
