package mongostore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// How a list query becomes a find: the filter document is the AND of the entity filter,
// the Within restriction and the keyset position; the sort is the order's keys, then _id.
// User input only ever lands in operator values, never in keys: every key is written here.

// sortPath is where a sort field is stored; date fields hold time values, compared with
// the YYYY-MM-DD strings of cursors after conversion.
type sortPath struct {
	path string
	date bool
	// int32: the field is a Go int, which the driver stores as a BSON int32 when it fits;
	// a keyset value (an int64) is sent as one too. MongoDB compares numbers across
	// types, but the in-memory server of scripts/test-mongodb-compatible does not.
	int32 bool
}

type sortKey struct {
	sortPath
	desc bool
}

// sortKeys resolves an order to stored paths.
func sortKeys[F ~string](order []funding.Order[F], paths map[F]sortPath) []sortKey {
	keys := make([]sortKey, len(order))
	for i, o := range order {
		keys[i] = sortKey{paths[o.Field], o.Direction == funding.DESC}
	}
	return keys
}

// findOptions returns the sort, the limit and the keyset condition of a page.
func findOptions(keys []sortKey, p funding.Page) (*options.FindOptionsBuilder, bson.D, error) {
	all := append(slices.Clone(keys), sortKey{sortPath: sortPath{path: "_id"}})
	opts := options.Find().SetSort(sortDoc(all, p.FromEnd))
	if p.Limit > 0 {
		opts.SetLimit(int64(p.Limit))
	}
	var conds bson.A
	for _, pos := range []struct {
		k     *funding.Keyset
		after bool
	}{{p.After, true}, {p.Before, false}} {
		if pos.k == nil {
			continue
		}
		c, err := keysetCond(all, pos.k, pos.after)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, c)
	}
	return opts, and(conds), nil
}

// keysetCond matches the items after (or before) position k in the order of keys:
// (k0 > v0) or (k0 = v0 and k1 > v1) or … with > flipped for descending keys.
func keysetCond(keys []sortKey, k *funding.Keyset, after bool) (bson.D, error) {
	if len(k.Values) != len(keys)-1 {
		return nil, funding.Invalid("after", "the cursor is for a different ordering")
	}
	vals := make([]any, len(keys))
	for i, v := range append(slices.Clone(k.Values), k.ID) {
		if keys[i].date {
			s, _ := v.(string)
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return nil, funding.Invalid("after", "the cursor is damaged")
			}
			v = t
		}
		if n, ok := v.(int64); ok && keys[i].int32 && n == int64(int32(n)) {
			v = int32(n)
		}
		vals[i] = v
	}
	var or bson.A
	for i, key := range keys {
		clause := bson.D{}
		for j := range i {
			clause = append(clause, bson.E{Key: keys[j].path, Value: vals[j]})
		}
		op := "$gt"
		if key.desc == after {
			op = "$lt"
		}
		clause = append(clause, bson.E{Key: key.path, Value: bson.D{{Key: op, Value: vals[i]}}})
		or = append(or, clause)
	}
	return bson.D{{Key: "$or", Value: or}}, nil
}

// and combines conditions; nil and empty ones are left out.
func and(conds bson.A) bson.D {
	var parts bson.A
	for _, c := range conds {
		if d, ok := c.(bson.D); ok && len(d) == 0 {
			continue
		}
		if c != nil {
			parts = append(parts, c)
		}
	}
	switch len(parts) {
	case 0:
		return bson.D{}
	case 1:
		return parts[0].(bson.D)
	}
	return bson.D{{Key: "$and", Value: parts}}
}

// within restricts a list to items whose reference is one of the given ids.
func within(w *funding.Within, refs map[string]string) (bson.D, error) {
	if w == nil {
		return bson.D{}, nil
	}
	path, ok := refs[w.Ref]
	if !ok {
		return nil, fmt.Errorf("no reference %q", w.Ref)
	}
	return in(path, w.IDs), nil
}

// list runs a query: filter (already translated), within, order and page.
func list[D, T any](ctx context.Context, c *mongo.Collection, filter bson.D, w *funding.Within, refs map[string]string,
	keys []sortKey, p funding.Page, conv func(*D) *T,
) ([]*T, error) {
	if id, ok := oneID(filter, w, refs, p); ok {
		return find(ctx, c, bson.D{{Key: "_id", Value: id}}, options.Find(), conv)
	}
	wc, err := within(w, refs)
	if err != nil {
		return nil, err
	}
	opts, pos, err := findOptions(keys, p)
	if err != nil {
		return nil, err
	}
	out, err := find(ctx, c, and(bson.A{filter, wc, pos}), opts, conv)
	if err != nil {
		return nil, err
	}
	if p.FromEnd {
		slices.Reverse(out)
	}
	return out, nil
}

// oneID reports whether a query asks for one object by its id and nothing else, and
// returns the id. Such a query is sent as the equality {_id: id}, without $in, sort or
// limit: the one shape the embedded FerretDB hands to SQLite instead of decoding the whole
// collection (docs/ARCHITECTURE.md, the store), and the cheapest on MongoDB too.
func oneID(filter bson.D, w *funding.Within, refs map[string]string, p funding.Page) (string, bool) {
	if len(filter) > 0 || w == nil || refs[w.Ref] != "_id" || len(w.IDs) != 1 || p.After != nil || p.Before != nil {
		return "", false
	}
	return w.IDs[0], true
}

// countWhere counts the documents matching filter.
func countWhere(ctx context.Context, c *mongo.Collection, filter bson.D) (int, error) {
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return 0, storeErr(ctx, err, "count %s", c.Name())
	}
	n, err := c.CountDocuments(ctx, filter)
	if err != nil {
		return 0, storeErr(ctx, err, "count %s", c.Name())
	}
	return int(n), nil
}

// distinct returns the distinct values of the top-level string field among documents
// matching filter. (A find with a projection: the distinct command's reply fails to
// decode from FerretDB v1.24 with driver v2.10.)
func (s *Store) distinct(ctx context.Context, coll, field string, filter bson.D) ([]string, error) {
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return nil, storeErr(ctx, err, "distinct %s.%s", coll, field)
	}
	cur, err := s.db.Collection(coll).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: field, Value: 1}}))
	if err != nil {
		return nil, storeErr(ctx, err, "distinct %s.%s", coll, field)
	}
	defer closeCursor(ctx, cur)
	seen := map[string]bool{}
	out := []string{}
	for cur.Next(ctx) {
		v, ok := cur.Current.Lookup(field).StringValueOK()
		if ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, storeErr(ctx, err, "distinct %s.%s", coll, field)
	}
	return out, nil
}
