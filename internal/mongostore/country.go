package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const countriesColl = "countries"

type countryDoc struct {
	DocMeta   `bson:",inline"`
	Code      string `bson:"_id"`
	ISO3      string `bson:"iso3"`
	Name      string `bson:"name"`
	NameNorm  string `bson:"nameNorm"` // normalised for text filters and search
	Region    string `bson:"region"`   // "" where the UN gives none
	SubRegion string `bson:"subRegion"`
}

func (d *countryDoc) domain() *funding.Country {
	return &funding.Country{Meta: d.DocMeta.domain(), Code: d.Code, ISO3: d.ISO3, Name: d.Name, Region: d.Region, SubRegion: d.SubRegion}
}

func newCountryDoc(c *funding.Country) countryDoc {
	return countryDoc{DocMeta: newDocMeta(c.Meta), Code: c.Code, ISO3: c.ISO3, Name: c.Name, NameNorm: normalize(c.Name), Region: c.Region, SubRegion: c.SubRegion}
}

var countries = entity[countryDoc, funding.Country, funding.CountryFilter, funding.CountryOrderField]{
	kind:   funding.TypeCountry,
	coll:   countriesColl,
	newDoc: newCountryDoc,
	domain: (*countryDoc).domain,
	id:     func(d countryDoc) string { return d.Code },
	refs:   map[string]string{"id": "_id"},
	sorts:  map[funding.CountryOrderField]sortPath{"CODE": {path: "_id"}, "NAME": {path: "name"}, "REGION": {path: "region"}},
	fields: func(_ context.Context, _ *Store, f *funding.CountryFilter, c *conds) {
		c.add(enumCond("_id", f.Code), nil)
		c.add(textCond(f.Name, "nameNorm"), nil)
		c.add(enumCond("region", f.Region), nil)
		c.add(enumCond("subRegion", f.SubRegion), nil)
	},
	logic: func(f *funding.CountryFilter) (and, or []funding.CountryFilter, not *funding.CountryFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{keys("iso3"), keys("nameNorm"), keys("name", "_id"), keys("region", "_id")},
	referredBy: []referrer{
		{projectsColl, "project", refersBy("countries.code")},
		{donorsColl, "donor", refersBy("homeCountry", "partnerCountries")},
	},
}

// FindCountries returns the countries q asks for.
func (s *Store) FindCountries(ctx context.Context, q funding.CountryQuery) ([]*funding.Country, error) {
	return countries.find(ctx, s, q)
}

// CountCountries counts the countries matching f.
func (s *Store) CountCountries(ctx context.Context, f *funding.CountryFilter) (int, error) {
	return countries.count(ctx, s, f)
}

// PutCountries inserts or replaces countries by code.
func (s *Store) PutCountries(ctx context.Context, cs []*funding.Country) error {
	return countries.put(ctx, s, cs)
}

// CountryWriter writes countries.
func (s *Store) CountryWriter() funding.Writer[funding.Country] {
	return writerOf(s, &countries)
}
