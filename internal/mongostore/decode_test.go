package mongostore

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/seed"
)

// sameAsReflection returns a check that raw decodes by D's decoder to what bson.Unmarshal
// decodes into P, D's twin without a decoder, and that both fail or neither.
func sameAsReflection[P any, D any, PD interface {
	*D
	bson.Unmarshaler
}](conv func(P) D) func(t *testing.T, raw bson.Raw) {
	return func(t *testing.T, raw bson.Raw) {
		t.Helper()
		var p P
		var d D
		perr, derr := bson.Unmarshal(raw, &p), PD(&d).UnmarshalBSON(raw)
		if (perr == nil) != (derr == nil) {
			t.Fatalf("%s: bson.Unmarshal: %v, the decoder: %v", raw, perr, derr)
		}
		if want := conv(p); perr == nil && !reflect.DeepEqual(d, want) {
			t.Errorf("%s:\nthe decoder gives %+v\nbson.Unmarshal    %+v", raw, d, want)
		}
	}
}

var decoderChecks = map[string]func(*testing.T, bson.Raw){
	"country":    sameAsReflection[plainCountry, countryDoc](func(p plainCountry) countryDoc { return countryDoc(p) }),
	"donor":      sameAsReflection[plainDonor, donorDoc](func(p plainDonor) donorDoc { return donorDoc(p) }),
	"agreement":  sameAsReflection[plainAgreement, agreementDoc](func(p plainAgreement) agreementDoc { return agreementDoc(p) }),
	"trustFund":  sameAsReflection[plainTrustFund, trustFundDoc](func(p plainTrustFund) trustFundDoc { return trustFundDoc(p) }),
	"allocation": sameAsReflection[plainAllocation, allocationDoc](func(p plainAllocation) allocationDoc { return allocationDoc(p) }),
	"project":    sameAsReflection[plainProject, projectDoc](func(p plainProject) projectDoc { return projectDoc(p) }),
}

// TestDecodersMatchReflection: each hand-written decoder decodes what bson.Unmarshal
// decodes, on every document of the demo and synthetic data as the store writes them, and
// on documents with nulls, empty and missing fields, other number types and wrong types.
func TestDecodersMatchReflection(t *testing.T) {
	now := time.Now()
	stamp := func(m *funding.Meta) {
		m.Version, m.CreatedAt, m.UpdatedAt, m.Change = 3, now, now.Add(time.Hour), "c1"
	}
	docs := map[string][]any{}
	for _, d := range []*seed.Dataset{seed.Flanders(), seed.Synthetic(seed.SyntheticOptions{Donors: 10, Projects: 100, Allocations: 500, Seed: 1})} {
		for i, x := range d.Countries {
			c := *x // the datasets are shared: stamp copies
			if i%2 == 0 {
				stamp(&c.Meta)
			}
			docs["country"] = append(docs["country"], newCountryDoc(&c))
		}
		for _, x := range d.Donors {
			docs["donor"] = append(docs["donor"], newDonorDoc(x))
		}
		for _, x := range d.Agreements {
			docs["agreement"] = append(docs["agreement"], newAgreementDoc(x))
		}
		for _, x := range d.TrustFunds {
			t := *x
			stamp(&t.Meta)
			docs["trustFund"] = append(docs["trustFund"], newTrustFundDoc(&t))
		}
		for _, x := range d.Allocations {
			docs["allocation"] = append(docs["allocation"], newAllocationDoc(x))
		}
		for _, x := range d.Projects {
			docs["project"] = append(docs["project"], newProjectDoc(x))
		}
	}
	// The fields only imported data has.
	day := funding.DateOf(now)
	docs["donor"] = append(docs["donor"], newDonorDoc(&funding.Donor{ID: "d-iati", Name: "Funder", Type: funding.DonorType("GOVERNMENT"), Ref: "XM-DAC-11-1"}))
	docs["allocation"] = append(docs["allocation"], newAllocationDoc(&funding.Allocation{ID: "a-iati", TrustFundID: "tf", ProjectID: "p", Year: day.Year(),
		Type: funding.Disbursement, Date: day, Amount: funding.Money{Units: -25050, Currency: "EUR"}}))
	docs["allocation"] = append(docs["allocation"], newAllocationDoc(&funding.Allocation{ID: "a-iati-receiver", TrustFundID: "tf", ProjectID: "p", Year: 2012,
		Amount: funding.Money{Units: 1, Currency: "EUR"}, Receiver: &funding.TransactionOrg{Name: "Agency A"}}))
	// Last: the keys of the last document of a kind get the odd values below.
	docs["allocation"] = append(docs["allocation"], newAllocationDoc(&funding.Allocation{ID: "a-iati-flow", TrustFundID: "tf", ProjectID: "p", Year: day.Year(),
		Type: funding.IncomingFunds, Date: day, Amount: funding.Money{Units: 100000, Currency: "EUR"}, ImplementingAgency: "ILO", Source: "IATI",
		Provider:    &funding.TransactionOrg{Ref: "BB-BBB-123456789", Name: "Agency B", Type: "10", ActivityID: "BB-BBB-123456789-1234AA"},
		Receiver:    &funding.TransactionOrg{Ref: "AA-AAA-123456789", Name: "Agency A", Type: "23", ActivityID: "AA-AAA-123456789-1234"},
		FlowType:    &funding.IATICode{Code: "10"},
		FinanceType: &funding.IATICode{Code: "110", FromDefault: true},
		AidTypes:    []funding.AidType{{Vocabulary: "1", Code: "A01"}, {Vocabulary: "2", Code: "1", FromDefault: true}}}))
	docs["project"] = append(docs["project"], newProjectDoc(&funding.Project{ID: "p-iati", Code: "XM-DAC-41114-1", Title: "T", StartsOn: day,
		ActualStartsOn: day, ActualEndsOn: day, ReportingOrg: "ILO", LastUpdatedAt: now, ImportDigest: "abc",
		Countries: []funding.CountryShare{{CountryCode: "MW", Share: 6000}},
		Regions:   []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 2500}},
		Sectors:   []funding.SectorShare{{Vocabulary: "1", Code: "11330", Share: 10000}}}))
	slowDecodes.Store(0)
	for kind, docs := range docs {
		for _, d := range docs {
			if err := bson.Unmarshal(mustMarshal(t, d), reflect.New(reflect.TypeOf(d)).Interface()); err != nil {
				t.Fatal(err)
			}
		}
		if n := slowDecodes.Load(); n > 0 {
			t.Errorf("%d %s documents as the store writes them went to reflection: a field has no fast path in decode.go", n, kind)
			slowDecodes.Store(0)
		}
	}

	for kind, check := range decoderChecks {
		t.Run(kind, func(t *testing.T) {
			if len(docs[kind]) < 10 {
				t.Fatalf("%d %s documents to check", len(docs[kind]), kind)
			}
			for _, d := range docs[kind] {
				raw, err := bson.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				check(t, raw)
			}
			// Every field of the last document, and every field of its embedded documents
			// (of the first in an array of them), null, absent, then of other types.
			var last bson.D
			_ = bson.Unmarshal(mustMarshal(t, docs[kind][len(docs[kind])-1]), &last)
			if kind == "allocation" {
				for _, k := range []string{"provider", "receiver", "flowType", "financeType", "aidTypes", "date", "source"} {
					if !slices.ContainsFunc(last, func(e bson.E) bool { return e.Key == k }) {
						t.Errorf("the last allocation has no %s: its odd values go unchecked", k)
					}
				}
			}
			odds := []any{nil, int64(7), 7.0, 7.5, "x", true, bson.A{}, bson.A{"a", nil}, bson.D{}, bson.D{{Key: "units", Value: int32(5)}}, bson.DateTime(1e12)}
			for i, e := range last {
				for _, odd := range odds {
					d := slices.Clone(last)
					d[i].Value = odd
					check(t, mustMarshal(t, d))
				}
				check(t, mustMarshal(t, slices.Delete(slices.Clone(last), i, i+1)))
				var inner bson.D
				switch v := e.Value.(type) {
				case bson.D:
					inner = v
				case bson.A:
					if len(v) > 0 {
						inner, _ = v[0].(bson.D)
					}
				}
				for j := range inner {
					for _, odd := range odds {
						x := slices.Clone(inner)
						x[j].Value = odd
						d := slices.Clone(last)
						if a, isArray := e.Value.(bson.A); isArray {
							d[i].Value = append(bson.A{x}, a[1:]...)
						} else {
							d[i].Value = x
						}
						check(t, mustMarshal(t, d))
					}
				}
			}
			check(t, mustMarshal(t, bson.D{}))
			check(t, mustMarshal(t, bson.D{{Key: "unknown", Value: bson.D{{Key: "x", Value: 1}}}}))
		})
	}
}

func mustMarshal(t *testing.T, v any) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecoderErrorNamesField: a field of the wrong type fails the decoding, naming it.
func TestDecoderErrorNamesField(t *testing.T) {
	var d allocationDoc
	err := d.UnmarshalBSON(mustMarshal(t, bson.D{{Key: "_id", Value: "a1"}, {Key: "year", Value: "2019"}}))
	if err == nil || !strings.Contains(err.Error(), `"year"`) {
		t.Errorf("year as a string: %v, want an error naming year", err)
	}
}

// BenchmarkDecodeAllocation compares the allocation decoder with bson.Unmarshal.
func BenchmarkDecodeAllocation(b *testing.B) {
	now := time.Now()
	raw, _ := bson.Marshal(newAllocationDoc(&funding.Allocation{Meta: funding.Meta{Version: 2, CreatedAt: now, UpdatedAt: now},
		ID: "a1", TrustFundID: "tf1", ProjectID: "p1", Year: 2019, Amount: funding.Money{Units: 13772100, Currency: "EUR"},
		ImplementingAgency: "ILO", ApprovedOn: funding.DateOf(now), Source: "iati"}))
	b.Run("decoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d allocationDoc
			if err := d.UnmarshalBSON(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d plainAllocation
			if err := bson.Unmarshal(raw, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
