package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const projectsColl = "projects"

type projectDoc struct {
	DocMeta            `bson:",inline"`
	ID                 string       `bson:"_id"`
	Code               string       `bson:"code"`
	Title              string       `bson:"title"`
	TitleNorm          string       `bson:"titleNorm"`
	Description        string       `bson:"description"`
	Status             string       `bson:"status"`
	StartsOn           time.Time    `bson:"startsOn"`
	EndsOn             *time.Time   `bson:"endsOn,omitempty"`
	EndsOnSort         time.Time    `bson:"endsOnSort"` // endsOn, or 9999-12-31 if open-ended
	ActualStartsOn     *time.Time   `bson:"actualStartsOn,omitempty"`
	ActualEndsOn       *time.Time   `bson:"actualEndsOn,omitempty"`
	Themes             []string     `bson:"themes"`
	ImplementingAgency string       `bson:"implementingAgency"`
	ReportingOrg       string       `bson:"reportingOrg,omitempty"`
	Budget             *moneyDoc    `bson:"budget,omitempty"`
	Countries          []countryPct `bson:"countries"`
	Regions            []codedPct   `bson:"regions,omitempty"`
	Sectors            []codedPct   `bson:"sectors,omitempty"`
	Illustrative       bool         `bson:"illustrative"`
	Source             string       `bson:"source,omitempty"`
	LastUpdatedAt      *time.Time   `bson:"lastUpdatedAt,omitempty"` // absent when unknown, and in documents stored before it
	ImportDigest       string       `bson:"importDigest,omitempty"`
}

// countryPct is a country's share of a project in hundredths of a percent (10000 = 100 %).
type countryPct struct {
	Code  string `bson:"code"`
	Share int    `bson:"share"`
}

// codedPct is a region's or a sector's share of a project: a code in a vocabulary, and a
// share in hundredths of a percent.
type codedPct struct {
	Vocabulary string `bson:"vocabulary"`
	Code       string `bson:"code"`
	Share      int    `bson:"share"`
}

func (d *projectDoc) domain() *funding.Project {
	p := &funding.Project{
		Meta: d.DocMeta.domain(), ID: d.ID, Code: d.Code, Title: d.Title, Description: d.Description,
		Status: funding.ProjectStatus(d.Status), StartsOn: funding.DateOf(d.StartsOn),
		EndsOn: funding.DateOf(timeOf(d.EndsOn)), ActualStartsOn: funding.DateOf(timeOf(d.ActualStartsOn)),
		ActualEndsOn: funding.DateOf(timeOf(d.ActualEndsOn)), Themes: d.Themes,
		ImplementingAgency: d.ImplementingAgency, ReportingOrg: d.ReportingOrg, Illustrative: d.Illustrative, Source: d.Source,
		LastUpdatedAt: timeOf(d.LastUpdatedAt), ImportDigest: d.ImportDigest,
	}
	for _, r := range d.Regions {
		p.Regions = append(p.Regions, funding.RegionShare{Vocabulary: r.Vocabulary, Code: r.Code, Share: r.Share})
	}
	for _, x := range d.Sectors {
		p.Sectors = append(p.Sectors, funding.SectorShare{Vocabulary: x.Vocabulary, Code: x.Code, Share: x.Share})
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
		DocMeta: newDocMeta(p.Meta), ID: p.ID, Code: p.Code, Title: p.Title, TitleNorm: normalize(p.Title), Description: p.Description, Status: string(p.Status),
		StartsOn: p.StartsOn.Time(), EndsOn: timePtr(p.EndsOn.Time()), EndsOnSort: endSort(p.EndsOn),
		ActualStartsOn: timePtr(p.ActualStartsOn.Time()), ActualEndsOn: timePtr(p.ActualEndsOn.Time()), Themes: nonNil(p.Themes),
		ImplementingAgency: p.ImplementingAgency, ReportingOrg: p.ReportingOrg, Countries: []countryPct{},
		Illustrative: p.Illustrative, Source: p.Source, LastUpdatedAt: timePtr(p.LastUpdatedAt.UTC()), ImportDigest: p.ImportDigest,
	}
	if p.Budget != nil {
		b := newMoneyDoc(*p.Budget)
		d.Budget = &b
	}
	for _, c := range p.Countries {
		d.Countries = append(d.Countries, countryPct{Code: c.CountryCode, Share: c.Share})
	}
	for _, r := range p.Regions {
		d.Regions = append(d.Regions, codedPct{Vocabulary: r.Vocabulary, Code: r.Code, Share: r.Share})
	}
	for _, x := range p.Sectors {
		d.Sectors = append(d.Sectors, codedPct{Vocabulary: x.Vocabulary, Code: x.Code, Share: x.Share})
	}
	return d
}

var projects = entity[projectDoc, funding.Project, funding.ProjectFilter, funding.ProjectOrderField]{
	kind:   funding.TypeProject,
	coll:   projectsColl,
	newDoc: newProjectDoc,
	domain: (*projectDoc).domain,
	id:     func(d projectDoc) string { return d.ID },
	refs:   map[string]string{"id": "_id", "country": "countries.code"},
	sorts: map[funding.ProjectOrderField]sortPath{
		"CODE": {path: "code"}, "TITLE": {path: "title"}, "STATUS": {path: "status"},
		"STARTS_ON": {path: "startsOn", date: true}, "ENDS_ON": {path: "endsOnSort", date: true},
	},
	fields: projectFields,
	logic: func(f *funding.ProjectFilter) (and, or []funding.ProjectFilter, not *funding.ProjectFilter) {
		return f.And, f.Or, f.Not
	},
	indexes: []mongo.IndexModel{
		{Keys: bson.D{{Key: "code", Value: 1}}, Options: options.Index().SetUnique(true)},
		keys("countries.code"), keys("themes"), keys("titleNorm"),
		keys("title", "_id"), keys("status", "_id"), keys("startsOn", "_id"), keys("endsOnSort", "_id"),
	},
	referredBy: []referrer{{allocationsColl, "allocation", refersBy("projectId")}},
}

func projectFields(ctx context.Context, s *Store, f *funding.ProjectFilter, c *conds) {
	fundedBy := func(field string) func([]string) ([]string, error) {
		return func(ids []string) ([]string, error) {
			return s.distinct(ctx, allocationsColl, "projectId", in(field, ids))
		}
	}
	c.add(idCond("_id", f.ID), nil)
	c.add(enumCond("code", f.Code), nil)
	c.add(textCond(f.Title, "titleNorm"), nil)
	c.add(enumCond("status", f.Status), nil)
	c.add(dateCond("startsOn", f.StartsOn), nil)
	c.add(dateCond("endsOn", f.EndsOn), nil)
	c.add(enumCond("themes", f.Theme), nil)
	c.add(enumCond("implementingAgency", f.ImplementingAgency), nil)
	c.add(enumCond("countries.code", f.CountryCode), nil)
	c.add(refCond("countries.code", f.Region, func(regions []string) ([]string, error) {
		return s.distinct(ctx, countriesColl, "_id", in("region", regions))
	}))
	c.add(refIDCond("_id", f.TrustFundID, fundedBy("trustFundId")))
	c.add(refIDCond("_id", f.DonorID, func(donors []string) ([]string, error) {
		funds, err := s.distinct(ctx, trustFundsColl, "_id", in("donorId", donors))
		if err != nil {
			return nil, err
		}
		return fundedBy("trustFundId")(funds)
	}))
}

// FindProjects returns the projects q asks for.
func (s *Store) FindProjects(ctx context.Context, q funding.ProjectQuery) ([]*funding.Project, error) {
	return projects.find(ctx, s, q)
}

// CountProjects counts the projects matching f.
func (s *Store) CountProjects(ctx context.Context, f *funding.ProjectFilter) (int, error) {
	return projects.count(ctx, s, f)
}

// ProjectByCode returns the project with the given code, or nil if there is none.
func (s *Store) ProjectByCode(ctx context.Context, code string) (*funding.Project, error) {
	var d projectDoc
	err := s.db.Collection(projectsColl).FindOne(ctx, bson.D{{Key: "code", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr(ctx, err, "find project by code")
	}
	return d.domain(), nil
}

// PutProjects inserts or replaces projects by id.
func (s *Store) PutProjects(ctx context.Context, ps []*funding.Project) error {
	return projects.put(ctx, s, ps)
}

// ProjectWriter writes projects.
func (s *Store) ProjectWriter() funding.Writer[funding.Project] {
	return writerOf(s, &projects)
}
