package mongostore

import (
	"context"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type allocationDoc struct {
	ID                 string     `bson:"_id"`
	TrustFundID        string     `bson:"trustFundId"`
	ProjectID          string     `bson:"projectId"`
	Year               int        `bson:"year"`
	Amount             moneyDoc   `bson:"amount"`
	ImplementingAgency string     `bson:"implementingAgency"`
	ApprovedOn         *time.Time `bson:"approvedOn,omitempty"`
	Illustrative       bool       `bson:"illustrative"`
	Source             string     `bson:"source,omitempty"`
}

// moneyDoc is an exact amount: an int64 count of minor units and an ISO 4217 code.
type moneyDoc struct {
	Units    int64  `bson:"units"`
	Currency string `bson:"currency"`
}

func (d *allocationDoc) domain() *funding.Allocation {
	return &funding.Allocation{
		ID: d.ID, TrustFundID: d.TrustFundID, ProjectID: d.ProjectID, Year: d.Year,
		Amount:             funding.Money{Units: d.Amount.Units, Currency: d.Amount.Currency},
		ImplementingAgency: d.ImplementingAgency, ApprovedOn: funding.DateOf(timeOf(d.ApprovedOn)),
		Illustrative: d.Illustrative, Source: d.Source,
	}
}

func newAllocationDoc(a *funding.Allocation) allocationDoc {
	return allocationDoc{
		ID: a.ID, TrustFundID: a.TrustFundID, ProjectID: a.ProjectID, Year: a.Year,
		Amount:             moneyDoc{Units: a.Amount.Units, Currency: a.Amount.Currency},
		ImplementingAgency: a.ImplementingAgency, ApprovedOn: timePtr(a.ApprovedOn.Time()),
		Illustrative: a.Illustrative, Source: a.Source,
	}
}

// Allocations returns a page of allocations in order of id.
func (s *Store) Allocations(ctx context.Context, p funding.Page) ([]*funding.Allocation, error) {
	return find(ctx, s.db.Collection(allocationsColl), pageFilter(p), pageOptions(p), (*allocationDoc).domain)
}

// CountAllocations counts all allocations.
func (s *Store) CountAllocations(ctx context.Context) (int, error) {
	return s.count(ctx, allocationsColl)
}

// AllocationsByIDs returns the allocations with the given ids, in order of id.
func (s *Store) AllocationsByIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error) {
	return find(ctx, s.db.Collection(allocationsColl), in("_id", ids), byID(), (*allocationDoc).domain)
}

// AllocationsByTrustFundIDs returns the allocations made by any of the trust funds.
func (s *Store) AllocationsByTrustFundIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error) {
	return find(ctx, s.db.Collection(allocationsColl), in("trustFundId", ids), byID(), (*allocationDoc).domain)
}

// AllocationsByProjectIDs returns the allocations made to any of the projects.
func (s *Store) AllocationsByProjectIDs(ctx context.Context, ids []string) ([]*funding.Allocation, error) {
	return find(ctx, s.db.Collection(allocationsColl), in("projectId", ids), byID(), (*allocationDoc).domain)
}

// PutAllocations inserts or replaces allocations by id.
func (s *Store) PutAllocations(ctx context.Context, as []*funding.Allocation) error {
	return put(ctx, s.db.Collection(allocationsColl), mapAll(as, newAllocationDoc), func(d allocationDoc) string { return d.ID })
}
