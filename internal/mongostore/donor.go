package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const donorsColl = "donors"

type donorDoc struct {
	DocMeta          `bson:",inline"`
	ID               string   `bson:"_id"`
	Name             string   `bson:"name"`
	NameNorm         string   `bson:"nameNorm"` // normalised for text filters and search
	ShortName        string   `bson:"shortName"`
	ShortNameNorm    string   `bson:"shortNameNorm"`
	Ref              string   `bson:"ref,omitempty"` // IATI organisation identifier
	Type             string   `bson:"type"`
	HomeCountry      string   `bson:"homeCountry,omitempty"`
	CooperatingSince int      `bson:"cooperatingSince"` // 0 if unknown
	PartnerCountries []string `bson:"partnerCountries"`
	Description      string   `bson:"description"`
}

func (d *donorDoc) domain() *funding.Donor {
	return &funding.Donor{
		Meta: d.DocMeta.domain(), ID: d.ID, Name: d.Name, ShortName: d.ShortName, Ref: d.Ref, Type: funding.DonorType(d.Type),
		HomeCountryCode: d.HomeCountry, CooperatingSince: d.CooperatingSince,
		PartnerCountryCodes: d.PartnerCountries, Description: d.Description,
	}
}

func newDonorDoc(d *funding.Donor) donorDoc {
	return donorDoc{
		DocMeta: newDocMeta(d.Meta), ID: d.ID, Name: d.Name, NameNorm: normalize(d.Name), ShortName: d.ShortName, ShortNameNorm: normalize(d.ShortName), Ref: d.Ref, Type: string(d.Type),
		HomeCountry: d.HomeCountryCode, CooperatingSince: d.CooperatingSince,
		PartnerCountries: nonNil(d.PartnerCountryCodes), Description: d.Description,
	}
}

var donors = entity[donorDoc, funding.Donor, funding.DonorFilter, funding.DonorOrderField]{
	kind:   funding.TypeDonor,
	coll:   donorsColl,
	newDoc: newDonorDoc,
	domain: (*donorDoc).domain,
	id:     func(d donorDoc) string { return d.ID },
	refs:   map[string]string{"id": "_id", "partnerCountry": "partnerCountries"},
	sorts:  map[funding.DonorOrderField]sortPath{"NAME": {path: "name"}, "TYPE": {path: "type"}, "COOPERATING_SINCE": {path: "cooperatingSince"}},
	fields: func(_ context.Context, _ *Store, f *funding.DonorFilter, c *conds) {
		c.add(idCond("_id", f.ID), nil)
		c.add(textCond(f.Name, "nameNorm", "shortNameNorm"), nil)
		c.add(enumCond("ref", f.Ref), nil)
		c.add(enumCond("type", f.Type), nil)
		c.add(enumCond("homeCountry", f.HomeCountryCode), nil)
		c.add(enumCond("partnerCountries", f.PartnerCountryCode), nil)
		c.add(intCond("cooperatingSince", f.CooperatingSince), nil)
	},
	logic: func(f *funding.DonorFilter) (and, or []funding.DonorFilter, not *funding.DonorFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{
		keys("ref"), keys("homeCountry"), keys("partnerCountries"), keys("nameNorm"), keys("shortNameNorm"),
		keys("name", "_id"), keys("type", "_id"), keys("cooperatingSince", "_id"),
	},
	referredBy: []referrer{{agreementsColl, "agreement", refersBy("donorId")}, {trustFundsColl, "trust fund", refersBy("donorId")}},
}

// FindDonors returns the donors q asks for.
func (s *Store) FindDonors(ctx context.Context, q funding.DonorQuery) ([]*funding.Donor, error) {
	return donors.find(ctx, s, q)
}

// CountDonors counts the donors matching f.
func (s *Store) CountDonors(ctx context.Context, f *funding.DonorFilter) (int, error) {
	return donors.count(ctx, s, f)
}

// DonorByRef returns the donor whose IATI organisation identifier is ref, or nil if there
// is none (or ref is empty). Of several donors with the same ref, the one with the
// smallest id is returned.
func (s *Store) DonorByRef(ctx context.Context, ref string) (*funding.Donor, error) {
	if ref == "" {
		return nil, nil
	}
	ds, err := donors.find(ctx, s, funding.DonorQuery{Filter: &funding.DonorFilter{Ref: &funding.CodeFilter{Eq: &ref}}})
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return ds[0], nil
}

// PutDonors inserts or replaces donors by id.
func (s *Store) PutDonors(ctx context.Context, ds []*funding.Donor) error {
	return donors.put(ctx, s, ds)
}

// DonorWriter writes donors.
func (s *Store) DonorWriter() funding.Writer[funding.Donor] {
	return writerOf(s, &donors)
}
