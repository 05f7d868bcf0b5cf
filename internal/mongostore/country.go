package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/coopgraph/coopgraph/internal/funding"
)

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

var (
	countryRefs  = map[string]string{"id": "_id"}
	countrySorts = map[funding.CountryOrderField]sortPath{"CODE": {path: "_id"}, "NAME": {path: "name"}, "REGION": {path: "region"}}
)

// FindCountries returns the countries q asks for.
func (s *Store) FindCountries(ctx context.Context, q funding.CountryQuery) ([]*funding.Country, error) {
	f, err := s.countryFilter(ctx, q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	return list(ctx, s.db.Collection(countriesColl), f, q.Within, countryRefs, sortKeys(q.Order, countrySorts), q.Page, (*countryDoc).domain)
}

// CountCountries counts the countries matching f.
func (s *Store) CountCountries(ctx context.Context, f *funding.CountryFilter) (int, error) {
	d, err := s.countryFilter(ctx, f, "filter")
	if err != nil {
		return 0, err
	}
	return countWhere(ctx, s.db.Collection(countriesColl), d)
}

func (s *Store) countryFilter(ctx context.Context, f *funding.CountryFilter, path string) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var c conds
	c.add(enumCond("_id", f.Code), nil)
	c.add(textCond(f.Name, "nameNorm"), nil)
	c.add(enumCond("region", f.Region), nil)
	c.add(enumCond("subRegion", f.SubRegion), nil)
	c.addAll(boolConds(path, f.And, f.Or, f.Not, func(f *funding.CountryFilter, path string) (bson.D, error) {
		return s.countryFilter(ctx, f, path)
	}))
	return c.result()
}

func newCountryDoc(c *funding.Country) countryDoc {
	return countryDoc{DocMeta: newDocMeta(c.Meta), Code: c.Code, ISO3: c.ISO3, Name: c.Name, NameNorm: normalize(c.Name), Region: c.Region, SubRegion: c.SubRegion}
}

// PutCountries inserts or replaces countries by code.
func (s *Store) PutCountries(ctx context.Context, cs []*funding.Country) error {
	return put(ctx, s.db.Collection(countriesColl), mapAll(cs, newCountryDoc), func(d countryDoc) string { return d.Code })
}
