package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/coopgraph/coopgraph/internal/funding"
)

type projectDoc struct {
	ID                 string       `bson:"_id"`
	Code               string       `bson:"code"`
	Title              string       `bson:"title"`
	Description        string       `bson:"description"`
	Status             string       `bson:"status"`
	StartsOn           time.Time    `bson:"startsOn"`
	EndsOn             *time.Time   `bson:"endsOn,omitempty"`
	Themes             []string     `bson:"themes"`
	ImplementingAgency string       `bson:"implementingAgency"`
	Budget             *moneyDoc    `bson:"budget,omitempty"`
	Countries          []countryPct `bson:"countries"`
	Illustrative       bool         `bson:"illustrative"`
	Source             string       `bson:"source,omitempty"`
}

// countryPct is a country's share of a project in hundredths of a percent (10000 = 100 %).
type countryPct struct {
	Code  string `bson:"code"`
	Share int    `bson:"share"`
}

func (d *projectDoc) domain() *funding.Project {
	p := &funding.Project{
		ID: d.ID, Code: d.Code, Title: d.Title, Description: d.Description,
		Status: funding.ProjectStatus(d.Status), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), Themes: d.Themes,
		ImplementingAgency: d.ImplementingAgency, Illustrative: d.Illustrative, Source: d.Source,
	}
	if d.Budget != nil {
		p.Budget = &funding.Money{Units: d.Budget.Units, Currency: d.Budget.Currency}
	}
	for _, c := range d.Countries {
		p.Countries = append(p.Countries, funding.CountryShare{CountryCode: c.Code, Share: c.Share})
	}
	return p
}

func newProjectDoc(p *funding.Project) projectDoc {
	d := projectDoc{
		ID: p.ID, Code: p.Code, Title: p.Title, Description: p.Description, Status: string(p.Status),
		StartsOn: p.StartsOn.Time(), EndsOn: timePtr(p.EndsOn.Time()), Themes: nonNil(p.Themes),
		ImplementingAgency: p.ImplementingAgency, Countries: []countryPct{},
		Illustrative: p.Illustrative, Source: p.Source,
	}
	if p.Budget != nil {
		d.Budget = &moneyDoc{Units: p.Budget.Units, Currency: p.Budget.Currency}
	}
	for _, c := range p.Countries {
		d.Countries = append(d.Countries, countryPct{Code: c.CountryCode, Share: c.Share})
	}
	return d
}

// Projects returns a page of projects in order of id.
func (s *Store) Projects(ctx context.Context, p funding.Page) ([]*funding.Project, error) {
	return find(ctx, s.db.Collection(projectsColl), pageFilter(p), pageOptions(p), (*projectDoc).domain)
}

// CountProjects counts all projects.
func (s *Store) CountProjects(ctx context.Context) (int, error) { return s.count(ctx, projectsColl) }

// ProjectsByIDs returns the projects with the given ids, in order of id.
func (s *Store) ProjectsByIDs(ctx context.Context, ids []string) ([]*funding.Project, error) {
	return find(ctx, s.db.Collection(projectsColl), in("_id", ids), byID(), (*projectDoc).domain)
}

// ProjectsByCountryCodes returns the projects with a share in any of the countries.
func (s *Store) ProjectsByCountryCodes(ctx context.Context, codes []string) ([]*funding.Project, error) {
	return find(ctx, s.db.Collection(projectsColl), in("countries.code", codes), byID(), (*projectDoc).domain)
}

// ProjectByCode returns the project with the given code, or nil if there is none.
func (s *Store) ProjectByCode(ctx context.Context, code string) (*funding.Project, error) {
	var d projectDoc
	err := s.db.Collection(projectsColl).FindOne(ctx, bson.D{{Key: "code", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find project by code: %w", err)
	}
	return d.domain(), nil
}

// PutProjects inserts or replaces projects by id.
func (s *Store) PutProjects(ctx context.Context, ps []*funding.Project) error {
	return put(ctx, s.db.Collection(projectsColl), mapAll(ps, newProjectDoc), func(d projectDoc) string { return d.ID })
}
