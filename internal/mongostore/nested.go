package mongostore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// How nested pages are read (docs/ARCHITECTURE.md, "Nested pages"). The batched plan
// reads all the children of a level's parents in one $in find and pages them in the
// caller; it is the embedded FerretDB's plan, which decodes a whole collection for any
// filter but _id equality. The per-parent plans read one page per parent (a
// funding.Within with EachParent), through the (reference, order…, _id) indexes.
const (
	// NestedAuto chooses from what the store says of itself at start (DetectNestedReads).
	NestedAuto = "auto"
	// NestedBatched reads all children of a level's parents in one find.
	NestedBatched = "batched"
	// NestedPerParent reads a page per parent in one aggregate per level, the parents'
	// branches joined by $unionWith (MongoDB 4.4 and later).
	NestedPerParent = "per-parent"
	// NestedPerParentFind reads a page per parent with one find per parent, run a few at
	// a time: the same documents as NestedPerParent, on any store, in more commands.
	NestedPerParentFind = "per-parent-find"
)

// NestedReadsModes lists the values of the setting, NestedAuto first.
var NestedReadsModes = []string{NestedAuto, NestedBatched, NestedPerParent, NestedPerParentFind}

// NestedReads is the plan the store reads nested pages with (never NestedAuto).
func (s *Store) NestedReads() string {
	if s.nested == "" {
		return NestedBatched
	}
	return s.nested
}

// WithNestedReads returns a store over the same connection that reads nested pages
// with plan (one of NestedReadsModes but NestedAuto). The store's indexes are not
// changed: EnsureIndexes creates those of the plan the store was connected with.
func (s *Store) WithNestedReads(plan string) *Store {
	c := *s
	c.nested = plan
	return &c
}

// DetectNestedReads chooses the plan for the server at the other end from its
// buildInfo: FerretDB names itself there (ferretdbVersion) and lists the aggregation
// stages it has, so it gets the per-parent plan only once it has $unionWith, else the
// batched one (v1.24: no $unionWith, and a find per parent would decode the collection
// once per parent); MongoDB has had $unionWith since 4.4, and older servers get a find
// per parent, which their indexes serve.
func DetectNestedReads(ctx context.Context, db *mongo.Database) (string, error) {
	var info struct {
		VersionArray []int32 `bson:"versionArray"`
		FerretDB     string  `bson:"ferretdbVersion"`
		Features     struct {
			Stages []string `bson:"aggregationStages"`
		} `bson:"ferretdbFeatures"`
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return "", storeErr(ctx, err, "buildInfo")
	}
	switch {
	case info.FerretDB != "" && slices.Contains(info.Features.Stages, "$unionWith"):
		return NestedPerParent, nil
	case info.FerretDB != "":
		return NestedBatched, nil
	case len(info.VersionArray) >= 2 && (info.VersionArray[0] > 4 || info.VersionArray[0] == 4 && info.VersionArray[1] >= 4):
		return NestedPerParent, nil
	}
	return NestedPerParentFind, nil
}

// branchesPerRead bounds the branches of one aggregate of the per-parent plan (one
// $unionWith stage each, up to three per parent): MongoDB refuses pipelines of more than
// 1,000 stages. A level of up to 300 parents with cursors, 900 without, is one read.
const branchesPerRead = 900

// findsAtOnce is how many finds of the per-parent-find plan run at the same time.
const findsAtOnce = 8

// branch is one read of the per-parent plans: a filter, a sort and a limit.
type branch struct {
	filter bson.D
	sort   bson.D
	limit  int64
}

// eachParent reads the page p for each parent of w (see funding.Within.EachParent): for
// each parent, its first (or, from the end, last) p.Limit items in the window between the
// cursors, and one item beyond each cursor given. With the per-parent plan the branches
// of a level go in one aggregate (up to branchesPerRead), joined by $unionWith; with the
// others (a store connected with the batched plan serves a caller that asks for pages
// per parent all the same) each branch is a find.
func eachParent[D, T any](ctx context.Context, s *Store, c *mongo.Collection, filter bson.D, w *funding.Within, refs map[string]string,
	keys []sortKey, p funding.Page, conv func(*D) *T,
) ([]*T, error) {
	path, ok := refs[w.Ref]
	if !ok {
		return nil, fmt.Errorf("no reference %q", w.Ref)
	}
	all := append(slices.Clone(keys), sortKey{sortPath: sortPath{path: "_id"}})
	sort := sortDoc(all, p.FromEnd)
	var after, before bson.D
	var err error
	if p.After != nil {
		if after, err = keysetCond(all, p.After, true); err != nil {
			return nil, err
		}
	}
	if p.Before != nil {
		if before, err = keysetCond(all, p.Before, false); err != nil {
			return nil, err
		}
	}
	var groups [][]branch
	for _, id := range w.IDs {
		if len(groups) == 0 || len(groups[len(groups)-1]) > branchesPerRead-3 {
			groups = append(groups, nil)
		}
		mine := bson.D{{Key: path, Value: id}}
		g := &groups[len(groups)-1]
		*g = append(*g, branch{and(bson.A{filter, mine, after, before}), sort, int64(p.Limit)})
		if after != nil {
			*g = append(*g, branch{and(bson.A{filter, mine, nor(after)}), nil, 1})
		}
		if before != nil {
			*g = append(*g, branch{and(bson.A{filter, mine, nor(before), after}), nil, 1})
		}
	}
	if s.NestedReads() != NestedPerParent {
		return findBranches(ctx, c, slices.Concat(groups...), conv)
	}
	var out []*T
	for _, g := range groups {
		found, err := aggregate(ctx, c, unionOf(c.Name(), g), conv)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// sortDoc is the sort of keys, reversed when reading from the end.
func sortDoc(keys []sortKey, fromEnd bool) bson.D {
	sort := bson.D{}
	for _, k := range keys {
		dir := 1
		if k.desc != fromEnd {
			dir = -1
		}
		sort = append(sort, bson.E{Key: k.path, Value: dir})
	}
	return sort
}

// nor is the negation of cond.
func nor(cond bson.D) bson.D { return bson.D{{Key: "$nor", Value: bson.A{cond}}} }

// stages is a branch as aggregation stages.
func (b branch) stages() bson.A {
	st := bson.A{bson.D{{Key: "$match", Value: b.filter}}}
	if len(b.sort) > 0 {
		st = append(st, bson.D{{Key: "$sort", Value: b.sort}})
	}
	return append(st, bson.D{{Key: "$limit", Value: b.limit}})
}

// unionOf is the pipeline that runs the first branch and adds the others' results with
// $unionWith on the same collection.
func unionOf(coll string, bs []branch) bson.A {
	pipe := bs[0].stages()
	for _, b := range bs[1:] {
		pipe = append(pipe, bson.D{{Key: "$unionWith", Value: bson.D{{Key: "coll", Value: coll}, {Key: "pipeline", Value: b.stages()}}}})
	}
	return pipe
}

// aggregate runs a pipeline and maps every document with conv.
func aggregate[D, T any](ctx context.Context, c *mongo.Collection, pipe bson.A, conv func(*D) *T) ([]*T, error) {
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return nil, storeErr(ctx, err, "aggregate %s", c.Name())
	}
	cur, err := c.Aggregate(ctx, pipe)
	if err != nil {
		return nil, storeErr(ctx, err, "aggregate %s", c.Name())
	}
	return collect(ctx, cur, c.Name(), conv)
}

// findBranches runs each branch as a find, findsAtOnce at a time, and returns their
// results in branch order; the first error fails all.
func findBranches[D, T any](ctx context.Context, c *mongo.Collection, bs []branch, conv func(*D) *T) ([]*T, error) {
	results := make([][]*T, len(bs))
	errs := make([]error, len(bs))
	sem := make(chan struct{}, findsAtOnce)
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			opts := options.Find().SetLimit(b.limit)
			if len(b.sort) > 0 {
				opts.SetSort(b.sort)
			}
			results[i], errs[i] = find(ctx, c, b.filter, opts, conv)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return slices.Concat(results...), nil
}

// countWithin counts the documents matching filter of each parent of w: one aggregate,
// $match then $group with a $sum, after an $unwind of the reference's array where it is
// a list (a project's countries). With the per-parent-find plan, one count per parent.
func countWithin(ctx context.Context, s *Store, c *mongo.Collection, filter bson.D, w *funding.Within, refs map[string]string) (map[string]int, error) {
	path, ok := refs[w.Ref]
	if !ok {
		return nil, fmt.Errorf("no reference %q", w.Ref)
	}
	out := make(map[string]int, len(w.IDs))
	if s.NestedReads() != NestedPerParent {
		for _, id := range w.IDs {
			n, err := countWhere(ctx, c, and(bson.A{filter, bson.D{{Key: path, Value: id}}}))
			if err != nil {
				return nil, err
			}
			out[id] = n
		}
		return out, nil
	}
	top, _, _ := strings.Cut(path, ".")
	pipe := bson.A{
		bson.D{{Key: "$match", Value: and(bson.A{filter, in(path, w.IDs)})}},
		bson.D{{Key: "$unwind", Value: "$" + top}},
		bson.D{{Key: "$match", Value: in(path, w.IDs)}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$" + path}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return nil, storeErr(ctx, err, "count %s", c.Name())
	}
	cur, err := c.Aggregate(ctx, pipe)
	if err != nil {
		return nil, storeErr(ctx, err, "count %s", c.Name())
	}
	var groups []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return nil, storeErr(ctx, err, "count %s", c.Name())
	}
	for _, g := range groups {
		out[g.ID] = g.N
	}
	return out, nil
}

// countWithin counts the objects of each parent of w that match the list arguments args
// sets (funding.Reader.CountWithin).
func (e *entity[D, T, F, O]) countWithin(ctx context.Context, s *Store, w *funding.Within, args func(filter, order any) error) (map[string]int, error) {
	var f *F
	var o []funding.Order[O]
	if args != nil {
		if err := args(&f, &o); err != nil {
			return nil, err
		}
	}
	d, err := e.where(ctx, s, f, "filter")
	if err != nil {
		return nil, err
	}
	return countWithin(ctx, s, s.db.Collection(e.coll), d, w, e.refs)
}

// CountWithin counts the entities of kind k of each parent of w (funding.Reader).
func (s *Store) CountWithin(ctx context.Context, k funding.Kind, w *funding.Within, args func(filter, order any) error) (map[string]int, error) {
	for _, e := range entities {
		if e.entityKind() == k {
			return e.countWithin(ctx, s, w, args)
		}
	}
	return nil, fmt.Errorf("no entity of kind %q", k)
}

// parentIndexes are the indexes the per-parent plans read through: for each reference
// (but the id) (reference, _id), and (reference, key, _id) for each order.
func parentIndexes[O comparable](refs map[string]string, sorts map[O]sortPath) []mongo.IndexModel {
	var out []mongo.IndexModel
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		path := refs[ref]
		if path == "_id" {
			continue
		}
		out = append(out, keys(path, "_id"))
		var paths []string
		for _, sp := range sorts {
			if sp.path != "_id" {
				paths = append(paths, sp.path)
			}
		}
		slices.Sort(paths)
		for _, sp := range slices.Compact(paths) {
			out = append(out, keys(path, sp, "_id"))
		}
	}
	return out
}

// CollectionSizes estimates the documents of each entity's collection (from the
// collection's metadata, not by counting), by collection name.
func (s *Store) CollectionSizes(ctx context.Context) (map[string]int, error) {
	out := make(map[string]int, len(entities))
	for _, e := range entities {
		n, err := s.db.Collection(e.collection()).EstimatedDocumentCount(ctx)
		if err != nil {
			return nil, storeErr(ctx, err, "count %s", e.collection())
		}
		out[e.collection()] = int(n)
	}
	return out, nil
}
