package loader_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/loader"
)

// agreementStore answers agreement queries by id with one agreement per id and keeps
// the last query.
type agreementStore struct {
	loader.Store
	last *funding.AgreementQuery
}

func (s *agreementStore) FindAgreements(_ context.Context, q funding.AgreementQuery) ([]*funding.Agreement, error) {
	s.last = &q
	var out []*funding.Agreement
	for _, id := range q.Within.IDs {
		out = append(out, &funding.Agreement{ID: id, Title: "t-" + id})
	}
	return out, nil
}

// TestByIDLoaders: the loaders by id, made from funding.Entities, hand a relation's list
// arguments to the store intact, answer typed lookups and node lookups by global id from
// the same loader, and refuse a kind that is not in funding.Entities.
func TestByIDLoaders(t *testing.T) {
	s := &agreementStore{}
	l := loader.New(s, loader.Options{Wait: 1})
	ctx := context.Background()
	filter := &funding.AgreementFilter{Title: &funding.TextFilter{Contains: new("skills")}}
	order := []funding.AgreementOrder{{Field: "SIGNED_ON", Direction: funding.DESC}}
	got, err := l.TrustFundAgreements(ctx, &funding.TrustFund{AgreementIDs: []string{"b", "a"}}, funding.AgreementQuery{Filter: filter, Order: order})
	if err != nil || len(got.Items) != 2 {
		t.Fatalf("TrustFundAgreements = %v, %v", got, err)
	}
	if !reflect.DeepEqual(s.last.Filter, filter) || !reflect.DeepEqual(s.last.Order, order) || s.last.Within.Ref != "id" {
		t.Errorf("store got filter %+v, order %+v, within %+v; want the arguments given, by id", s.last.Filter, s.last.Order, s.last.Within)
	}

	a, err := loader.ByID(ctx, l, funding.Agreements, "x")
	if err != nil || a == nil || a.Title != "t-x" {
		t.Errorf("ByID = %v, %v; want agreement x", a, err)
	}
	n, err := l.Node(ctx, funding.ID{Kind: funding.TypeAgreement, Local: "y"})
	if ag, ok := n.(*funding.Agreement); err != nil || !ok || ag.ID != "y" {
		t.Errorf("Node = %#v, %v; want agreement y", n, err)
	}
	if n, err := l.Node(ctx, funding.ID{Kind: "Spaceship", Local: "1"}); n != nil || err == nil {
		t.Errorf("Node of an unknown kind = %v, %v; want an error", n, err)
	}
}
