package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/coopgraph/coopgraph/internal/funding"
)

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

var (
	agreementRefs  = map[string]string{"id": "_id", "donor": "donorId"}
	agreementSorts = map[funding.AgreementOrderField]sortPath{"SIGNED_ON": {"signedOn", true}, "STARTS_ON": {"startsOn", true}, "TITLE": {path: "title"}}
)

// FindAgreements returns the agreements q asks for.
func (s *Store) FindAgreements(ctx context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error) {
	f, err := s.agreementFilter(ctx, q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	return list(ctx, s.db.Collection(agreementsColl), f, q.Within, agreementRefs, sortKeys(q.Order, agreementSorts), q.Page, (*agreementDoc).domain)
}

// CountAgreements counts the agreements matching f.
func (s *Store) CountAgreements(ctx context.Context, f *funding.AgreementFilter) (int, error) {
	d, err := s.agreementFilter(ctx, f, "filter")
	if err != nil {
		return 0, err
	}
	return countWhere(ctx, s.db.Collection(agreementsColl), d)
}

func (s *Store) agreementFilter(ctx context.Context, f *funding.AgreementFilter, path string) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var c conds
	c.add(idCond("_id", f.ID), nil)
	c.add(idCond("donorId", f.DonorID), nil)
	c.add(enumCond("counterpart", f.Counterpart), nil)
	c.add(textCond(f.Title, "titleNorm"), nil)
	c.add(enumCond("themes", f.Theme), nil)
	c.add(dateCond("signedOn", f.SignedOn), nil)
	c.add(dateCond("startsOn", f.StartsOn), nil)
	c.add(dateCond("endsOn", f.EndsOn), nil)
	c.addAll(boolConds(path, f.And, f.Or, f.Not, func(f *funding.AgreementFilter, path string) (bson.D, error) {
		return s.agreementFilter(ctx, f, path)
	}))
	return c.result()
}

// PutAgreements inserts or replaces agreements by id.
func (s *Store) PutAgreements(ctx context.Context, as []*funding.Agreement) error {
	return put(ctx, s.db.Collection(agreementsColl), mapAll(as, newAgreementDoc), func(d agreementDoc) string { return d.ID })
}
