package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type allocationDoc struct {
	DocMeta            `bson:",inline"`
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
	Milli    int64  `bson:"milli"` // the amount in thousandths, to compare across currencies
}

func newMoneyDoc(m funding.Money) moneyDoc {
	return moneyDoc{Units: m.Units, Currency: m.Currency, Milli: m.Milli()}
}

func (d *allocationDoc) domain() *funding.Allocation {
	return &funding.Allocation{
		Meta: d.DocMeta.domain(), ID: d.ID, TrustFundID: d.TrustFundID, ProjectID: d.ProjectID, Year: d.Year,
		Amount:             funding.Money{Units: d.Amount.Units, Currency: d.Amount.Currency},
		ImplementingAgency: d.ImplementingAgency, ApprovedOn: funding.DateOf(timeOf(d.ApprovedOn)),
		Illustrative: d.Illustrative, Source: d.Source,
	}
}

func newAllocationDoc(a *funding.Allocation) allocationDoc {
	return allocationDoc{
		DocMeta: newDocMeta(a.Meta), ID: a.ID, TrustFundID: a.TrustFundID, ProjectID: a.ProjectID, Year: a.Year,
		Amount:             newMoneyDoc(a.Amount),
		ImplementingAgency: a.ImplementingAgency, ApprovedOn: timePtr(a.ApprovedOn.Time()),
		Illustrative: a.Illustrative, Source: a.Source,
	}
}

var (
	allocationRefs  = map[string]string{"id": "_id", "trustFund": "trustFundId", "project": "projectId"}
	allocationSorts = map[funding.AllocationOrderField]sortPath{"YEAR": {path: "year"}, "AMOUNT": {path: "amount.milli"}, "IMPLEMENTING_AGENCY": {path: "implementingAgency"}}
)

// FindAllocations returns the allocations q asks for.
func (s *Store) FindAllocations(ctx context.Context, q funding.AllocationQuery) ([]*funding.Allocation, error) {
	f, err := s.allocationFilter(ctx, q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	return list(ctx, s.db.Collection(allocationsColl), f, q.Within, allocationRefs, sortKeys(q.Order, allocationSorts), q.Page, (*allocationDoc).domain)
}

// CountAllocations counts the allocations matching f.
func (s *Store) CountAllocations(ctx context.Context, f *funding.AllocationFilter) (int, error) {
	d, err := s.allocationFilter(ctx, f, "filter")
	if err != nil {
		return 0, err
	}
	return countWhere(ctx, s.db.Collection(allocationsColl), d)
}

func (s *Store) allocationFilter(ctx context.Context, f *funding.AllocationFilter, path string) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var c conds
	c.add(idCond("_id", f.ID), nil)
	c.add(idCond("trustFundId", f.TrustFundID), nil)
	c.add(idCond("projectId", f.ProjectID), nil)
	c.add(refIDCond("trustFundId", f.DonorID, func(donors []string) ([]string, error) {
		return s.distinct(ctx, trustFundsColl, "_id", in("donorId", donors))
	}))
	c.add(refCond("projectId", f.CountryCode, func(codes []string) ([]string, error) {
		return s.distinct(ctx, projectsColl, "_id", in("countries.code", codes))
	}))
	c.add(intCond("year", f.Year), nil)
	c.add(decimalCond("amount.milli", f.Amount), nil)
	c.add(enumCond("amount.currency", f.Currency), nil)
	c.add(enumCond("implementingAgency", f.ImplementingAgency), nil)
	c.add(dateCond("approvedOn", f.ApprovedOn), nil)
	c.addAll(boolConds(path, f.And, f.Or, f.Not, func(f *funding.AllocationFilter, path string) (bson.D, error) {
		return s.allocationFilter(ctx, f, path)
	}))
	return c.result()
}

// PutAllocations inserts or replaces allocations by id.
func (s *Store) PutAllocations(ctx context.Context, as []*funding.Allocation) error {
	return put(ctx, s.db.Collection(allocationsColl), mapAll(as, newAllocationDoc), func(d allocationDoc) string { return d.ID })
}
