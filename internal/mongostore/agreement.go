package mongostore

import (
	"context"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type agreementDoc struct {
	ID          string     `bson:"_id"`
	DonorID     string     `bson:"donorId"`
	Counterpart string     `bson:"counterpart"`
	Title       string     `bson:"title"`
	SignedOn    time.Time  `bson:"signedOn"`
	StartsOn    time.Time  `bson:"startsOn"`
	EndsOn      *time.Time `bson:"endsOn,omitempty"`
	Themes      []string   `bson:"themes"`
	Description string     `bson:"description"`
	Source      string     `bson:"source,omitempty"`
}

func (d *agreementDoc) domain() *funding.Agreement {
	return &funding.Agreement{
		ID: d.ID, DonorID: d.DonorID, Counterpart: d.Counterpart, Title: d.Title,
		SignedOn: funding.DateOf(d.SignedOn), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), Themes: d.Themes,
		Description: d.Description, Source: d.Source,
	}
}

func newAgreementDoc(a *funding.Agreement) agreementDoc {
	return agreementDoc{
		ID: a.ID, DonorID: a.DonorID, Counterpart: a.Counterpart, Title: a.Title,
		SignedOn: a.SignedOn.Time(), StartsOn: a.StartsOn.Time(), EndsOn: timePtr(a.EndsOn.Time()),
		Themes: nonNil(a.Themes), Description: a.Description, Source: a.Source,
	}
}

// Agreements returns a page of agreements in order of id.
func (s *Store) Agreements(ctx context.Context, p funding.Page) ([]*funding.Agreement, error) {
	return find(ctx, s.db.Collection(agreementsColl), pageFilter(p), pageOptions(p), (*agreementDoc).domain)
}

// CountAgreements counts all agreements.
func (s *Store) CountAgreements(ctx context.Context) (int, error) {
	return s.count(ctx, agreementsColl)
}

// AgreementsByIDs returns the agreements with the given ids, in order of id.
func (s *Store) AgreementsByIDs(ctx context.Context, ids []string) ([]*funding.Agreement, error) {
	return find(ctx, s.db.Collection(agreementsColl), in("_id", ids), byID(), (*agreementDoc).domain)
}

// AgreementsByDonorIDs returns the agreements signed by any of the donors.
func (s *Store) AgreementsByDonorIDs(ctx context.Context, donorIDs []string) ([]*funding.Agreement, error) {
	return find(ctx, s.db.Collection(agreementsColl), in("donorId", donorIDs), byID(), (*agreementDoc).domain)
}

// PutAgreements inserts or replaces agreements by id.
func (s *Store) PutAgreements(ctx context.Context, as []*funding.Agreement) error {
	return put(ctx, s.db.Collection(agreementsColl), mapAll(as, newAgreementDoc), func(d agreementDoc) string { return d.ID })
}
