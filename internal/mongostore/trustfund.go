package mongostore

import (
	"context"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type trustFundDoc struct {
	ID            string         `bson:"_id"`
	DonorID       string         `bson:"donorId"`
	AgreementIDs  []string       `bson:"agreementIds"`
	Name          string         `bson:"name"`
	EstablishedOn time.Time      `bson:"establishedOn"`
	StartsOn      time.Time      `bson:"startsOn"`
	EndsOn        *time.Time     `bson:"endsOn,omitempty"`
	Extensions    []extensionDoc `bson:"extensions"`
	Currency      string         `bson:"currency"`
	Status        string         `bson:"status"`
	Description   string         `bson:"description"`
}

type extensionDoc struct {
	DecidedOn *time.Time `bson:"decidedOn,omitempty"`
	EndsOn    time.Time  `bson:"endsOn"`
	Note      string     `bson:"note"`
}

func (d *trustFundDoc) domain() *funding.TrustFund {
	t := &funding.TrustFund{
		ID: d.ID, DonorID: d.DonorID, AgreementIDs: d.AgreementIDs, Name: d.Name,
		EstablishedOn: funding.DateOf(d.EstablishedOn), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), Currency: d.Currency,
		Status: funding.TrustFundStatus(d.Status), Description: d.Description,
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
		ID: t.ID, DonorID: t.DonorID, AgreementIDs: nonNil(t.AgreementIDs), Name: t.Name,
		EstablishedOn: t.EstablishedOn.Time(), StartsOn: t.StartsOn.Time(), EndsOn: timePtr(t.EndsOn.Time()),
		Extensions: []extensionDoc{}, Currency: t.Currency, Status: string(t.Status), Description: t.Description,
	}
	for _, e := range t.Extensions {
		d.Extensions = append(d.Extensions, extensionDoc{DecidedOn: timePtr(e.DecidedOn.Time()), EndsOn: e.EndsOn.Time(), Note: e.Note})
	}
	return d
}

// TrustFunds returns a page of trust funds in order of id.
func (s *Store) TrustFunds(ctx context.Context, p funding.Page) ([]*funding.TrustFund, error) {
	return find(ctx, s.db.Collection(trustFundsColl), pageFilter(p), pageOptions(p), (*trustFundDoc).domain)
}

// CountTrustFunds counts all trust funds.
func (s *Store) CountTrustFunds(ctx context.Context) (int, error) {
	return s.count(ctx, trustFundsColl)
}

// TrustFundsByIDs returns the trust funds with the given ids, in order of id.
func (s *Store) TrustFundsByIDs(ctx context.Context, ids []string) ([]*funding.TrustFund, error) {
	return find(ctx, s.db.Collection(trustFundsColl), in("_id", ids), byID(), (*trustFundDoc).domain)
}

// TrustFundsByDonorIDs returns the trust funds of any of the donors.
func (s *Store) TrustFundsByDonorIDs(ctx context.Context, donorIDs []string) ([]*funding.TrustFund, error) {
	return find(ctx, s.db.Collection(trustFundsColl), in("donorId", donorIDs), byID(), (*trustFundDoc).domain)
}

// TrustFundsByAgreementIDs returns the trust funds set up or extended under any of the agreements.
func (s *Store) TrustFundsByAgreementIDs(ctx context.Context, agreementIDs []string) ([]*funding.TrustFund, error) {
	return find(ctx, s.db.Collection(trustFundsColl), in("agreementIds", agreementIDs), byID(), (*trustFundDoc).domain)
}

// PutTrustFunds inserts or replaces trust funds by id.
func (s *Store) PutTrustFunds(ctx context.Context, ts []*funding.TrustFund) error {
	return put(ctx, s.db.Collection(trustFundsColl), mapAll(ts, newTrustFundDoc), func(d trustFundDoc) string { return d.ID })
}
