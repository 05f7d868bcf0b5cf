package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const allocationsColl = "allocations"

type allocationDoc struct {
	DocMeta            `bson:",inline"`
	ID                 string     `bson:"_id"`
	TrustFundID        string     `bson:"trustFundId"`
	ProjectID          string     `bson:"projectId"`
	Type               string     `bson:"type,omitempty"` // absent in data stored before types: a commitment
	Year               int        `bson:"year"`
	Date               *time.Time `bson:"date,omitempty"`
	Amount             moneyDoc   `bson:"amount"`
	ImplementingAgency string     `bson:"implementingAgency"`
	ApprovedOn         *time.Time `bson:"approvedOn,omitempty"`
	Illustrative       bool       `bson:"illustrative"`
	Source             string     `bson:"source,omitempty"`
	// Absent when not known (the demo data, allocations entered before they were kept).
	Provider    *transactionOrgDoc `bson:"provider,omitempty"`
	Receiver    *transactionOrgDoc `bson:"receiver,omitempty"`
	FlowType    *iatiCodeDoc       `bson:"flowType,omitempty"`
	FinanceType *iatiCodeDoc       `bson:"financeType,omitempty"`
	AidTypes    []iatiCodeDoc      `bson:"aidTypes,omitempty"`
}

type transactionOrgDoc struct {
	Ref        string `bson:"ref,omitempty"`
	Name       string `bson:"name,omitempty"`
	Type       string `bson:"type,omitempty"`
	ActivityID string `bson:"activityId,omitempty"`
}

// iatiCodeDoc is a flow, finance or aid type (only aid types have a vocabulary).
type iatiCodeDoc struct {
	Vocabulary  string `bson:"vocabulary,omitempty"`
	Code        string `bson:"code"`
	FromDefault bool   `bson:"fromDefault,omitempty"`
}

func (d *allocationDoc) domain() *funding.Allocation {
	return &funding.Allocation{
		Meta: d.DocMeta.domain(), ID: d.ID, TrustFundID: d.TrustFundID, ProjectID: d.ProjectID,
		Type: funding.TransactionType(d.Type).TypeOrCommitment(), Year: d.Year, Date: funding.DateOf(timeOf(d.Date)),
		Amount:             funding.Money{Units: d.Amount.Units, Currency: d.Amount.Currency},
		ImplementingAgency: d.ImplementingAgency, ApprovedOn: funding.DateOf(timeOf(d.ApprovedOn)),
		Illustrative: d.Illustrative, Source: d.Source,
		Provider: d.Provider.domain(), Receiver: d.Receiver.domain(),
		FlowType: d.FlowType.domain(), FinanceType: d.FinanceType.domain(), AidTypes: aidTypesOf(d.AidTypes),
	}
}

func newAllocationDoc(a *funding.Allocation) allocationDoc {
	return allocationDoc{
		DocMeta: newDocMeta(a.Meta), ID: a.ID, TrustFundID: a.TrustFundID, ProjectID: a.ProjectID,
		Type: string(a.Type.TypeOrCommitment()), Year: a.Year, Date: timePtr(a.Date.Time()),
		Amount:             newMoneyDoc(a.Amount),
		ImplementingAgency: a.ImplementingAgency, ApprovedOn: timePtr(a.ApprovedOn.Time()),
		Illustrative: a.Illustrative, Source: a.Source,
		Provider: newTransactionOrgDoc(a.Provider), Receiver: newTransactionOrgDoc(a.Receiver),
		FlowType: newIATICodeDoc(a.FlowType), FinanceType: newIATICodeDoc(a.FinanceType), AidTypes: newAidTypeDocs(a.AidTypes),
	}
}

func (d *transactionOrgDoc) domain() *funding.TransactionOrg {
	if d == nil {
		return nil
	}
	return &funding.TransactionOrg{Ref: d.Ref, Name: d.Name, Type: d.Type, ActivityID: d.ActivityID}
}

func newTransactionOrgDoc(o *funding.TransactionOrg) *transactionOrgDoc {
	if o == nil {
		return nil
	}
	return &transactionOrgDoc{Ref: o.Ref, Name: o.Name, Type: o.Type, ActivityID: o.ActivityID}
}

func (d *iatiCodeDoc) domain() *funding.IATICode {
	if d == nil {
		return nil
	}
	return &funding.IATICode{Code: d.Code, FromDefault: d.FromDefault}
}

func newIATICodeDoc(c *funding.IATICode) *iatiCodeDoc {
	if c == nil {
		return nil
	}
	return &iatiCodeDoc{Code: c.Code, FromDefault: c.FromDefault}
}

func aidTypesOf(ds []iatiCodeDoc) []funding.AidType {
	if len(ds) == 0 {
		return nil
	}
	out := make([]funding.AidType, len(ds))
	for i, d := range ds {
		out[i] = funding.AidType{Vocabulary: d.Vocabulary, Code: d.Code, FromDefault: d.FromDefault}
	}
	return out
}

func newAidTypeDocs(ts []funding.AidType) []iatiCodeDoc {
	if len(ts) == 0 {
		return nil
	}
	out := make([]iatiCodeDoc, len(ts))
	for i, t := range ts {
		out[i] = iatiCodeDoc{Vocabulary: t.Vocabulary, Code: t.Code, FromDefault: t.FromDefault}
	}
	return out
}

var allocations = entity[allocationDoc, funding.Allocation, funding.AllocationFilter, funding.AllocationOrderField]{
	kind:   funding.TypeAllocation,
	coll:   allocationsColl,
	newDoc: newAllocationDoc,
	domain: (*allocationDoc).domain,
	id:     func(d allocationDoc) string { return d.ID },
	refs:   map[string]string{"id": "_id", "trustFund": "trustFundId", "project": "projectId"},
	sorts:  map[funding.AllocationOrderField]sortPath{"YEAR": {path: "year", int32: true}, "AMOUNT": {path: "amount.milli"}, "IMPLEMENTING_AGENCY": {path: "implementingAgency"}},
	fields: func(ctx context.Context, s *Store, f *funding.AllocationFilter, c *conds) {
		c.add(idCond("_id", f.ID), nil)
		c.add(idCond("trustFundId", f.TrustFundID), nil)
		c.add(idCond("projectId", f.ProjectID), nil)
		c.add(refIDCond("trustFundId", f.DonorID, func(donors []string) ([]string, error) {
			return s.distinct(ctx, trustFundsColl, "_id", in("donorId", donors))
		}))
		c.add(refCond("projectId", f.CountryCode, func(codes []string) ([]string, error) {
			return s.distinct(ctx, projectsColl, "_id", in("countries.code", codes))
		}))
		c.add(typeCond(f.TransactionType), nil)
		c.add(intCond("year", f.Year), nil)
		c.add(dateCond("date", f.Date), nil)
		c.add(decimalCond("amount.milli", f.Amount), nil)
		c.add(enumCond("amount.currency", f.Currency), nil)
		c.add(enumCond("implementingAgency", f.ImplementingAgency), nil)
		c.add(dateCond("approvedOn", f.ApprovedOn), nil)
		c.add(enumCond("flowType.code", f.FlowType), nil)
		c.add(enumCond("financeType.code", f.FinanceType), nil)
		c.add(enumCond("provider.ref", f.ProviderRef), nil)
		c.add(enumCond("receiver.ref", f.ReceiverRef), nil)
	},
	logic: func(f *funding.AllocationFilter) (and, or []funding.AllocationFilter, not *funding.AllocationFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{
		keys("trustFundId"), keys("projectId"), keys("amount.currency"), keys("type"),
		keys("year", "_id"), keys("amount.milli", "_id"), keys("implementingAgency", "_id"),
	},
}

// typeCond matches allocations by transaction type. An allocation stored without a type
// (data written before types existed) is a commitment, so COMMITMENT also matches a
// missing type; ne and notIn are the $nor of the match, as in enumCond.
func typeCond(f *funding.TransactionTypeFilter) bson.D {
	if f == nil {
		return bson.D{}
	}
	is := func(ts []funding.TransactionType) bson.D {
		vals := make([]string, len(ts))
		commitment := false
		for i, t := range ts {
			vals[i] = string(t)
			commitment = commitment || t == funding.Commitment
		}
		if !commitment {
			return in("type", vals)
		}
		return bson.D{{Key: "$or", Value: bson.A{in("type", vals), bson.D{{Key: "type", Value: bson.D{{Key: "$exists", Value: false}}}}}}}
	}
	isNot := func(ts []funding.TransactionType) bson.D {
		return bson.D{{Key: "$nor", Value: bson.A{is(ts)}}}
	}
	var conds bson.A
	if f.Eq != nil {
		conds = append(conds, is([]funding.TransactionType{*f.Eq}))
	}
	if f.In != nil {
		conds = append(conds, is(f.In))
	}
	if f.Ne != nil {
		conds = append(conds, isNot([]funding.TransactionType{*f.Ne}))
	}
	if f.NotIn != nil {
		conds = append(conds, isNot(f.NotIn))
	}
	return and(conds)
}

// FindAllocations returns the allocations q asks for.
func (s *Store) FindAllocations(ctx context.Context, q funding.AllocationQuery) ([]*funding.Allocation, error) {
	return allocations.find(ctx, s, q)
}

// CountAllocations counts the allocations matching f.
func (s *Store) CountAllocations(ctx context.Context, f *funding.AllocationFilter) (int, error) {
	return allocations.count(ctx, s, f)
}

// PutAllocations inserts or replaces allocations by id.
func (s *Store) PutAllocations(ctx context.Context, as []*funding.Allocation) error {
	return allocations.put(ctx, s, as)
}

// AllocationWriter writes allocations.
func (s *Store) AllocationWriter() funding.Writer[funding.Allocation] {
	return writerOf(s, &allocations)
}
