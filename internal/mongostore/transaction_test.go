package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestIATIFields writes the fields of the IATI data model (an allocation's type and date,
// a project's actual dates, regions, sectors and reporting organisation, a donor's ref)
// and reads them back unchanged; an allocation stored without a type (as data written
// before types were) reads as a commitment and is matched as one by every operator.
func TestIATIFields(t *testing.T) {
	r, s := openRestartable(t, mongostore.Options{})
	ctx := context.Background()
	d := seed.Flanders()
	commitments := len(d.Allocations)

	donor := *d.Donors[0]
	donor.ID, donor.Name, donor.Ref = "ilo-donor", "ILO as a donor", "XI-IATI-ILO"
	project := *d.Projects[0]
	project.ID, project.Code, project.Status = "p-iati", "XM-DAC-41114-1", funding.ProjectCancelled
	project.ActualStartsOn, project.ActualEndsOn = funding.MustDate("2019-03-01"), funding.MustDate("2020-06-30")
	project.ReportingOrg = "International Labour Organization"
	project.Countries = []funding.CountryShare{{CountryCode: "MW", Share: 6000}}
	project.Regions = []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 2500}}
	project.Sectors = []funding.SectorShare{{Vocabulary: "1", Code: "16020", Share: 7000}, {Vocabulary: "2", Code: "160", Share: 10000}}
	disbursed := *d.Allocations[0]
	disbursed.ID, disbursed.Type, disbursed.Date = "a-disbursed", funding.Disbursement, funding.MustDate(fmtYear(disbursed.Year)+"-05-17")
	disbursed.ProjectID = project.ID
	spent := disbursed
	spent.ID, spent.Type, spent.Date = "a-spent", funding.Expenditure, funding.Date{}
	must(t, s.PutDonors(ctx, []*funding.Donor{&donor}))
	must(t, s.PutProjects(ctx, []*funding.Project{&project}))
	must(t, s.PutAllocations(ctx, []*funding.Allocation{&disbursed, &spent}))

	ds, err := s.FindDonors(ctx, funding.DonorQuery{Within: &funding.Within{Ref: "id", IDs: []string{donor.ID}}})
	checkReadBack(t, "donor", ds, []*funding.Donor{&donor}, err)
	ps, err := s.FindProjects(ctx, funding.ProjectQuery{Within: &funding.Within{Ref: "id", IDs: []string{project.ID}}})
	checkReadBack(t, "project", ps, []*funding.Project{&project}, err)
	as, err := s.FindAllocations(ctx, funding.AllocationQuery{Within: &funding.Within{Ref: "id", IDs: []string{disbursed.ID, spent.ID}}})
	checkReadBack(t, "allocations", as, []*funding.Allocation{&disbursed, &spent}, err)

	// by ref
	if got, err := s.DonorByRef(ctx, "XI-IATI-ILO"); err != nil || got == nil || got.ID != donor.ID {
		t.Errorf("DonorByRef = %+v, %v; want %s", got, err, donor.ID)
	}
	if got, err := s.DonorByRef(ctx, "XM-DAC-0"); err != nil || got != nil {
		t.Errorf("DonorByRef(unknown) = %+v, %v; want nil, nil", got, err)
	}
	if got, err := s.DonorByRef(ctx, ""); err != nil || got != nil {
		t.Errorf("DonorByRef(\"\") = %+v, %v; want nil, nil", got, err)
	}

	// An allocation as stored before types: no type field.
	c, err := mongo.Connect(options.Client().ApplyURI(r.URI()))
	must(t, err)
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	_, err = c.Database("coopgraph").Collection("allocations").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "a-untyped"}, {Key: "version", Value: 1}, {Key: "trustFundId", Value: disbursed.TrustFundID},
		{Key: "projectId", Value: project.ID}, {Key: "year", Value: disbursed.Year},
		{Key: "amount", Value: bson.D{{Key: "units", Value: int64(100)}, {Key: "currency", Value: "EUR"}, {Key: "milli", Value: int64(1000)}}},
		{Key: "implementingAgency", Value: "ILO"},
	})
	must(t, err)
	as, err = s.FindAllocations(ctx, funding.AllocationQuery{Within: &funding.Within{Ref: "id", IDs: []string{"a-untyped"}}})
	if err != nil || len(as) != 1 || as[0].Type != funding.Commitment || !as[0].Date.IsZero() {
		t.Errorf("untyped allocation read back as %+v, %v; want a COMMITMENT without a date", as, err)
	}
	commitments++ // the untyped one

	typ := func(t funding.TransactionType) *funding.TransactionType { return &t }
	list := func(ts ...funding.TransactionType) []funding.TransactionType { return ts }
	day := disbursed.Date
	for _, tc := range []struct {
		name string
		f    funding.AllocationFilter
		want int
	}{
		{"EqCommitment", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{Eq: typ(funding.Commitment)}}, commitments},
		{"EqDisbursement", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{Eq: typ(funding.Disbursement)}}, 1},
		{"InCommitmentExpenditure", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{In: list(funding.Commitment, funding.Expenditure)}}, commitments + 1},
		{"InDisbursementExpenditure", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{In: list(funding.Disbursement, funding.Expenditure)}}, 2},
		{"NeCommitment", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{Ne: typ(funding.Commitment)}}, 2},
		{"NeDisbursement", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{Ne: typ(funding.Disbursement)}}, commitments + 1},
		{"NotInCommitmentDisbursement", funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{NotIn: list(funding.Commitment, funding.Disbursement)}}, 1},
		{"NotCommitment", funding.AllocationFilter{Not: &funding.AllocationFilter{TransactionType: &funding.TransactionTypeFilter{Eq: typ(funding.Commitment)}}}, 2},
		{"DateEq", funding.AllocationFilter{Date: &funding.DateFilter{RangeFilter: funding.RangeFilter[funding.Date]{Eq: &day}}}, 1},
		{"DateSet", funding.AllocationFilter{Date: &funding.DateFilter{IsNull: new(bool)}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.CountAllocations(ctx, &tc.f)
			if err != nil || n != tc.want {
				t.Errorf("count = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
	ps, err = s.FindProjects(ctx, funding.ProjectQuery{Filter: &funding.ProjectFilter{Status: &funding.ProjectStatusFilter{Eq: &project.Status}}})
	if err != nil || len(ps) != 1 || ps[0].ID != project.ID {
		t.Errorf("projects with status CANCELLED: %d, %v; want %s", len(ps), err, project.ID)
	}
	ds, err = s.FindDonors(ctx, funding.DonorQuery{Filter: &funding.DonorFilter{Ref: &funding.CodeFilter{Eq: &donor.Ref}}})
	if err != nil || len(ds) != 1 || ds[0].ID != donor.ID {
		t.Errorf("donors with ref %s: %d, %v", donor.Ref, len(ds), err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fmtYear(y int) string { return funding.NewDate(y, 1, 1).String()[:4] }
