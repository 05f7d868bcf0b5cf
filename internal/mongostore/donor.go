package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type donorDoc struct {
	DocMeta          `bson:",inline"`
	ID               string   `bson:"_id"`
	Name             string   `bson:"name"`
	NameNorm         string   `bson:"nameNorm"` // normalised for text filters and search
	ShortName        string   `bson:"shortName"`
	ShortNameNorm    string   `bson:"shortNameNorm"`
	Type             string   `bson:"type"`
	HomeCountry      string   `bson:"homeCountry,omitempty"`
	CooperatingSince int      `bson:"cooperatingSince"` // 0 if unknown
	PartnerCountries []string `bson:"partnerCountries"`
	Description      string   `bson:"description"`
}

func (d *donorDoc) domain() *funding.Donor {
	return &funding.Donor{
		Meta: d.DocMeta.domain(), ID: d.ID, Name: d.Name, ShortName: d.ShortName, Type: funding.DonorType(d.Type),
		HomeCountryCode: d.HomeCountry, CooperatingSince: d.CooperatingSince,
		PartnerCountryCodes: d.PartnerCountries, Description: d.Description,
	}
}

func newDonorDoc(d *funding.Donor) donorDoc {
	return donorDoc{
		DocMeta: newDocMeta(d.Meta), ID: d.ID, Name: d.Name, NameNorm: normalize(d.Name), ShortName: d.ShortName, ShortNameNorm: normalize(d.ShortName), Type: string(d.Type),
		HomeCountry: d.HomeCountryCode, CooperatingSince: d.CooperatingSince,
		PartnerCountries: nonNil(d.PartnerCountryCodes), Description: d.Description,
	}
}

var (
	donorRefs  = map[string]string{"id": "_id", "partnerCountry": "partnerCountries"}
	donorSorts = map[funding.DonorOrderField]sortPath{"NAME": {path: "name"}, "TYPE": {path: "type"}, "COOPERATING_SINCE": {path: "cooperatingSince"}}
)

// FindDonors returns the donors q asks for.
func (s *Store) FindDonors(ctx context.Context, q funding.DonorQuery) ([]*funding.Donor, error) {
	f, err := s.donorFilter(ctx, q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	return list(ctx, s.db.Collection(donorsColl), f, q.Within, donorRefs, sortKeys(q.Order, donorSorts), q.Page, (*donorDoc).domain)
}

// CountDonors counts the donors matching f.
func (s *Store) CountDonors(ctx context.Context, f *funding.DonorFilter) (int, error) {
	d, err := s.donorFilter(ctx, f, "filter")
	if err != nil {
		return 0, err
	}
	return countWhere(ctx, s.db.Collection(donorsColl), d)
}

func (s *Store) donorFilter(ctx context.Context, f *funding.DonorFilter, path string) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var c conds
	c.add(idCond("_id", f.ID), nil)
	c.add(textCond(f.Name, "nameNorm", "shortNameNorm"), nil)
	c.add(enumCond("type", f.Type), nil)
	c.add(enumCond("homeCountry", f.HomeCountryCode), nil)
	c.add(enumCond("partnerCountries", f.PartnerCountryCode), nil)
	c.add(intCond("cooperatingSince", f.CooperatingSince), nil)
	c.addAll(boolConds(path, f.And, f.Or, f.Not, func(f *funding.DonorFilter, path string) (bson.D, error) {
		return s.donorFilter(ctx, f, path)
	}))
	return c.result()
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
