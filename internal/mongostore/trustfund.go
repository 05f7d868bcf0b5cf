package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const trustFundsColl = "trustFunds"

type trustFundDoc struct {
	DocMeta       `bson:",inline"`
	ID            string            `bson:"_id"`
	DonorID       string            `bson:"donorId"`
	AgreementIDs  []string          `bson:"agreementIds"`
	Name          string            `bson:"name"`
	NameNorm      string            `bson:"nameNorm"`
	EstablishedOn time.Time         `bson:"establishedOn"`
	StartsOn      time.Time         `bson:"startsOn"`
	EndsOn        *time.Time        `bson:"endsOn,omitempty"`
	EndsOnSort    time.Time         `bson:"endsOnSort"` // endsOn, or 9999-12-31 if open-ended
	Extensions    []extensionDoc    `bson:"extensions"`
	Currency      string            `bson:"currency"`
	Status        string            `bson:"status"`
	Description   string            `bson:"description"`
	Contributions []contributionDoc `bson:"contributions"`
}

type contributionDoc struct {
	Year         int      `bson:"year"`
	Amount       moneyDoc `bson:"amount"`
	Illustrative bool     `bson:"illustrative"`
	Source       string   `bson:"source,omitempty"`
}

type extensionDoc struct {
	DecidedOn *time.Time `bson:"decidedOn,omitempty"`
	EndsOn    time.Time  `bson:"endsOn"`
	Note      string     `bson:"note"`
}

func (d *trustFundDoc) domain() *funding.TrustFund {
	t := &funding.TrustFund{
		Meta: d.DocMeta.domain(), ID: d.ID, DonorID: d.DonorID, AgreementIDs: d.AgreementIDs, Name: d.Name,
		EstablishedOn: funding.DateOf(d.EstablishedOn), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), Currency: d.Currency,
		Status: funding.TrustFundStatus(d.Status), Description: d.Description,
	}
	for _, c := range d.Contributions {
		t.Contributions = append(t.Contributions, funding.Contribution{Year: c.Year,
			Amount: funding.Money{Units: c.Amount.Units, Currency: c.Amount.Currency}, Illustrative: c.Illustrative, Source: c.Source})
	}
	for _, e := range d.Extensions {
		t.Extensions = append(t.Extensions, funding.Extension{
			DecidedOn: funding.DateOf(timeOf(e.DecidedOn)), EndsOn: funding.DateOf(e.EndsOn), Note: e.Note,
		})
	}
	return t
}

func newTrustFundDoc(t *funding.TrustFund) trustFundDoc {
	d := trustFundDoc{
		DocMeta: newDocMeta(t.Meta), ID: t.ID, DonorID: t.DonorID, AgreementIDs: nonNil(t.AgreementIDs), Name: t.Name, NameNorm: normalize(t.Name),
		EstablishedOn: t.EstablishedOn.Time(), StartsOn: t.StartsOn.Time(), EndsOn: timePtr(t.EndsOn.Time()), EndsOnSort: endSort(t.EndsOn),
		Extensions: []extensionDoc{}, Currency: t.Currency, Status: string(t.Status), Description: t.Description,
	}
	d.Contributions = []contributionDoc{}
	for _, c := range t.Contributions {
		d.Contributions = append(d.Contributions, contributionDoc{Year: c.Year, Amount: newMoneyDoc(c.Amount), Illustrative: c.Illustrative, Source: c.Source})
	}
	for _, e := range t.Extensions {
		d.Extensions = append(d.Extensions, extensionDoc{DecidedOn: timePtr(e.DecidedOn.Time()), EndsOn: e.EndsOn.Time(), Note: e.Note})
	}
	return d
}

var trustFunds = entity[trustFundDoc, funding.TrustFund, funding.TrustFundFilter, funding.TrustFundOrderField]{
	kind:   funding.TypeTrustFund,
	coll:   trustFundsColl,
	newDoc: newTrustFundDoc,
	domain: (*trustFundDoc).domain,
	id:     func(d trustFundDoc) string { return d.ID },
	refs:   map[string]string{"id": "_id", "donor": "donorId", "agreement": "agreementIds"},
	sorts: map[funding.TrustFundOrderField]sortPath{
		"NAME": {path: "name"}, "ESTABLISHED_ON": {path: "establishedOn", date: true}, "STARTS_ON": {path: "startsOn", date: true}, "ENDS_ON": {path: "endsOnSort", date: true},
	},
	fields: func(_ context.Context, _ *Store, f *funding.TrustFundFilter, c *conds) {
		c.add(idCond("_id", f.ID), nil)
		c.add(idCond("donorId", f.DonorID), nil)
		c.add(idCond("agreementIds", f.AgreementID), nil)
		c.add(textCond(f.Name, "nameNorm"), nil)
		c.add(enumCond("status", f.Status), nil)
		c.add(enumCond("currency", f.Currency), nil)
		c.add(dateCond("startsOn", f.StartsOn), nil)
		c.add(dateCond("endsOn", f.EndsOn), nil)
	},
	logic: func(f *funding.TrustFundFilter) (and, or []funding.TrustFundFilter, not *funding.TrustFundFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{
		keys("donorId"), keys("agreementIds"), keys("nameNorm"),
		keys("name", "_id"), keys("establishedOn", "_id"), keys("startsOn", "_id"), keys("endsOnSort", "_id"),
	},
	referredBy: []referrer{{allocationsColl, "allocation", refersBy("trustFundId")}},
}

// FindTrustFunds returns the trust funds q asks for.
func (s *Store) FindTrustFunds(ctx context.Context, q funding.TrustFundQuery) ([]*funding.TrustFund, error) {
	return trustFunds.find(ctx, s, q)
}

// CountTrustFunds counts the trust funds matching f.
func (s *Store) CountTrustFunds(ctx context.Context, f *funding.TrustFundFilter) (int, error) {
	return trustFunds.count(ctx, s, f)
}

// PutTrustFunds inserts or replaces trust funds by id.
func (s *Store) PutTrustFunds(ctx context.Context, ts []*funding.TrustFund) error {
	return trustFunds.put(ctx, s, ts)
}

// TrustFundWriter writes trust funds.
func (s *Store) TrustFundWriter() funding.Writer[funding.TrustFund] {
	return writerOf(s, &trustFunds)
}
