package mongostore

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type countryDoc struct {
	Code      string `bson:"_id"`
	ISO3      string `bson:"iso3"`
	Name      string `bson:"name"`
	Region    string `bson:"region,omitempty"`
	SubRegion string `bson:"subRegion,omitempty"`
}

func (d *countryDoc) domain() *funding.Country {
	return &funding.Country{Code: d.Code, ISO3: d.ISO3, Name: d.Name, Region: d.Region, SubRegion: d.SubRegion}
}

// Countries returns a page of countries in order of code.
func (s *Store) Countries(ctx context.Context, p funding.Page) ([]*funding.Country, error) {
	return find(ctx, s.db.Collection(countriesColl), pageFilter(p), pageOptions(p), (*countryDoc).domain)
}

// CountCountries counts all countries.
func (s *Store) CountCountries(ctx context.Context) (int, error) { return s.count(ctx, countriesColl) }

// CountriesByCodes returns the countries with the given alpha-2 codes, in order of code.
func (s *Store) CountriesByCodes(ctx context.Context, codes []string) ([]*funding.Country, error) {
	return find(ctx, s.db.Collection(countriesColl), in("_id", codes), byID(), (*countryDoc).domain)
}

// PutCountries inserts or replaces countries by code.
func (s *Store) PutCountries(ctx context.Context, cs []*funding.Country) error {
	docs := mapAll(cs, func(c *funding.Country) countryDoc {
		return countryDoc{Code: c.Code, ISO3: c.ISO3, Name: c.Name, Region: c.Region, SubRegion: c.SubRegion}
	})
	return put(ctx, s.db.Collection(countriesColl), docs, func(d countryDoc) string { return d.Code })
}
