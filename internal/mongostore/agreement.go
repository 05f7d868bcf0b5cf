package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const agreementsColl = "agreements"

type agreementDoc struct {
	DocMeta     `bson:",inline"`
	ID          string     `bson:"_id"`
	DonorID     string     `bson:"donorId"`
	Counterpart string     `bson:"counterpart"`
	Title       string     `bson:"title"`
	TitleNorm   string     `bson:"titleNorm"`
	SignedOn    time.Time  `bson:"signedOn"`
	StartsOn    time.Time  `bson:"startsOn"`
	EndsOn      *time.Time `bson:"endsOn,omitempty"`
	Themes      []string   `bson:"themes"`
	Description string     `bson:"description"`
	Source      string     `bson:"source,omitempty"`
}

func (d *agreementDoc) domain() *funding.Agreement {
	return &funding.Agreement{
		Meta: d.DocMeta.domain(), ID: d.ID, DonorID: d.DonorID, Counterpart: d.Counterpart, Title: d.Title,
		SignedOn: funding.DateOf(d.SignedOn), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), Themes: d.Themes,
		Description: d.Description, Source: d.Source,
	}
}

func newAgreementDoc(a *funding.Agreement) agreementDoc {
	return agreementDoc{
		DocMeta: newDocMeta(a.Meta), ID: a.ID, DonorID: a.DonorID, Counterpart: a.Counterpart, Title: a.Title, TitleNorm: normalize(a.Title),
		SignedOn: a.SignedOn.Time(), StartsOn: a.StartsOn.Time(), EndsOn: timePtr(a.EndsOn.Time()),
		Themes: nonNil(a.Themes), Description: a.Description, Source: a.Source,
	}
}

var agreements = entity[agreementDoc, funding.Agreement, funding.AgreementFilter, funding.AgreementOrderField]{
	kind:   funding.TypeAgreement,
	coll:   agreementsColl,
	newDoc: newAgreementDoc,
	domain: (*agreementDoc).domain,
	id:     func(d agreementDoc) string { return d.ID },
	refs:   map[string]string{"id": "_id", "donor": "donorId"},
	sorts:  map[funding.AgreementOrderField]sortPath{"SIGNED_ON": {path: "signedOn", date: true}, "STARTS_ON": {path: "startsOn", date: true}, "TITLE": {path: "title"}},
	fields: func(_ context.Context, _ *Store, f *funding.AgreementFilter, c *conds) {
		c.add(idCond("_id", f.ID), nil)
		c.add(idCond("donorId", f.DonorID), nil)
		c.add(enumCond("counterpart", f.Counterpart), nil)
		c.add(textCond(f.Title, "titleNorm"), nil)
		c.add(enumCond("themes", f.Theme), nil)
		c.add(dateCond("signedOn", f.SignedOn), nil)
		c.add(dateCond("startsOn", f.StartsOn), nil)
		c.add(dateCond("endsOn", f.EndsOn), nil)
	},
	logic: func(f *funding.AgreementFilter) (and, or []funding.AgreementFilter, not *funding.AgreementFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{
		keys("donorId"), keys("titleNorm"),
		keys("signedOn", "_id"), keys("startsOn", "_id"), keys("title", "_id"),
	},
	referredBy: []referrer{{trustFundsColl, "trust fund", refersBy("agreementIds")}},
}

// FindAgreements returns the agreements q asks for.
func (s *Store) FindAgreements(ctx context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error) {
	return agreements.find(ctx, s, q)
}

// CountAgreements counts the agreements matching f.
func (s *Store) CountAgreements(ctx context.Context, f *funding.AgreementFilter) (int, error) {
	return agreements.count(ctx, s, f)
}

// PutAgreements inserts or replaces agreements by id.
func (s *Store) PutAgreements(ctx context.Context, as []*funding.Agreement) error {
	return agreements.put(ctx, s, as)
}

// AgreementWriter writes agreements.
func (s *Store) AgreementWriter() funding.Writer[funding.Agreement] {
	return writerOf(s, &agreements)
}
