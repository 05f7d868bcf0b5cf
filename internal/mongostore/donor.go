package mongostore

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type donorDoc struct {
	ID               string   `bson:"_id"`
	Name             string   `bson:"name"`
	ShortName        string   `bson:"shortName"`
	Type             string   `bson:"type"`
	HomeCountry      string   `bson:"homeCountry,omitempty"`
	CooperatingSince int      `bson:"cooperatingSince,omitempty"`
	PartnerCountries []string `bson:"partnerCountries"`
	Description      string   `bson:"description"`
}

func (d *donorDoc) domain() *funding.Donor {
	return &funding.Donor{
		ID: d.ID, Name: d.Name, ShortName: d.ShortName, Type: funding.DonorType(d.Type),
		HomeCountryCode: d.HomeCountry, CooperatingSince: d.CooperatingSince,
		PartnerCountryCodes: d.PartnerCountries, Description: d.Description,
	}
}

func newDonorDoc(d *funding.Donor) donorDoc {
	return donorDoc{
		ID: d.ID, Name: d.Name, ShortName: d.ShortName, Type: string(d.Type),
		HomeCountry: d.HomeCountryCode, CooperatingSince: d.CooperatingSince,
		PartnerCountries: nonNil(d.PartnerCountryCodes), Description: d.Description,
	}
}

// Donors returns a page of donors in order of id.
func (s *Store) Donors(ctx context.Context, p funding.Page) ([]*funding.Donor, error) {
	return find(ctx, s.db.Collection(donorsColl), pageFilter(p), pageOptions(p), (*donorDoc).domain)
}

// CountDonors counts all donors.
func (s *Store) CountDonors(ctx context.Context) (int, error) { return s.count(ctx, donorsColl) }

// DonorsByIDs returns the donors with the given ids, in order of id.
func (s *Store) DonorsByIDs(ctx context.Context, ids []string) ([]*funding.Donor, error) {
	return find(ctx, s.db.Collection(donorsColl), in("_id", ids), byID(), (*donorDoc).domain)
}

// DonorsByPartnerCountries returns the donors naming any of codes as a partner country.
func (s *Store) DonorsByPartnerCountries(ctx context.Context, codes []string) ([]*funding.Donor, error) {
	return find(ctx, s.db.Collection(donorsColl), in("partnerCountries", codes), byID(), (*donorDoc).domain)
}

// PutDonors inserts or replaces donors by id.
func (s *Store) PutDonors(ctx context.Context, ds []*funding.Donor) error {
	return put(ctx, s.db.Collection(donorsColl), mapAll(ds, newDonorDoc), func(d donorDoc) string { return d.ID })
}

func mapAll[T, D any](xs []*T, f func(*T) D) []D {
	out := make([]D, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// nonNil stores empty lists as [] rather than null, so filters on them behave alike.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
