package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const ratesColl = "exchangeRates"

type rateDoc struct {
	DocMeta      `bson:",inline"`
	ID           string `bson:"_id"` // "<currency>/<year>"
	Currency     string `bson:"currency"`
	Year         int    `bson:"year"`
	PerUSD       string `bson:"perUSD"` // a decimal string, exact
	Source       string `bson:"source"`
	Illustrative bool   `bson:"illustrative"`
}

func rateID(currency string, year int) string { return fmt.Sprintf("%s/%d", currency, year) }

func (d *rateDoc) domain() *funding.ExchangeRate {
	return &funding.ExchangeRate{Meta: d.DocMeta.domain(), Currency: d.Currency, Year: d.Year, PerUSD: d.PerUSD, Source: d.Source, Illustrative: d.Illustrative}
}

func newRateDoc(r *funding.ExchangeRate) rateDoc {
	return rateDoc{DocMeta: newDocMeta(r.Meta), ID: rateID(r.Currency, r.Year), Currency: r.Currency, Year: r.Year,
		PerUSD: r.PerUSD, Source: r.Source, Illustrative: r.Illustrative}
}

// ExchangeRates returns the stored rates, by currency and year; currency and years narrow
// them when set ("" and nil for all).
func (s *Store) ExchangeRates(ctx context.Context, currency string, years []int) ([]*funding.ExchangeRate, error) {
	f := bson.D{}
	if currency != "" {
		f = append(f, bson.E{Key: "currency", Value: currency})
	}
	if years != nil {
		f = append(f, bson.E{Key: "year", Value: bson.D{{Key: "$in", Value: years}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "currency", Value: 1}, {Key: "year", Value: 1}})
	return find(ctx, s.db.Collection(ratesColl), f, opts, (*rateDoc).domain)
}

// PutExchangeRates inserts or replaces rates by currency and year.
func (s *Store) PutExchangeRates(ctx context.Context, rs []*funding.ExchangeRate) error {
	return put(ctx, s.db.Collection(ratesColl), mapAll(rs, newRateDoc), func(d rateDoc) string { return d.ID })
}

// StreamAllocations reads the allocations matching f in batches of size, calling fn with
// each batch; only the fields reports need are read. Memory is bounded by the batch. The
// stream holds one turn of the request's at the store (gate.go) until its cursor is
// closed, and lends it to fn: fn's reads with the context it is given do not wait for
// another.
func (s *Store) StreamAllocations(ctx context.Context, f *funding.AllocationFilter, size int, fn func(context.Context, []*funding.Allocation) error) error {
	filter, err := allocations.where(ctx, s, f, "filter")
	if err != nil {
		return err
	}
	proj := bson.D{}
	for _, k := range []string{"trustFundId", "projectId", "type", "year", "amount", "implementingAgency"} {
		proj = append(proj, bson.E{Key: k, Value: 1})
	}
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return storeErr(ctx, err, "find allocations")
	}
	cur, err := s.db.Collection(allocationsColl).Find(ctx, filter, options.Find().SetProjection(proj).SetBatchSize(int32(size)))
	if err != nil {
		return storeErr(ctx, err, "find allocations")
	}
	defer closeCursor(ctx, cur)
	batch := make([]*funding.Allocation, 0, size)
	for cur.Next(ctx) {
		var d allocationDoc
		if err := bson.Unmarshal(cur.Current, &d); err != nil {
			return storeErr(ctx, err, "decode allocation")
		}
		batch = append(batch, d.domain())
		if len(batch) == size {
			if err := fn(ctx, batch); err != nil {
				return err
			}
			batch = make([]*funding.Allocation, 0, size)
		}
	}
	if err := cur.Err(); err != nil {
		return storeErr(ctx, err, "find allocations")
	}
	if len(batch) > 0 {
		return fn(ctx, batch)
	}
	return nil
}
