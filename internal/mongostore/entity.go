package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// entity describes how one kind of domain object T is stored: its collection, its storage
// document D, the translation of its filter F and its order fields O, and its indexes.
// Each entity file declares one such value; find, count and put work off it, and the
// exported methods of Store are one-line wrappers over them; its writer (write.go) writes.
type entity[D, T, F any, O ~string] struct {
	kind   funding.Kind
	coll   string
	newDoc func(*T) D        // the document stored for an object
	domain func(*D) *T       // the object a stored document stands for
	id     func(D) string    // a document's _id
	refs   map[string]string // Within's reference names → stored paths
	sorts  map[O]sortPath    // order fields → stored paths
	// fields adds the conditions of f's own fields (not and, or, not) to c.
	fields func(ctx context.Context, s *Store, f *F, c *conds)
	// logic returns f's and, or and not.
	logic   func(f *F) (and, or []F, not *F)
	indexes []mongo.IndexModel
	// referredBy lists what may refer to an entity: its delete is refused while any does.
	referredBy []referrer
}

// described is what the store needs of every entity without its types.
type described interface {
	entityKind() funding.Kind
	collection() string
	indexModels() []mongo.IndexModel
	// parentIndexModels are the indexes of the per-parent plans (parentIndexes).
	parentIndexModels() []mongo.IndexModel
	countWithin(ctx context.Context, s *Store, w *funding.Within, args func(filter, order any) error) (map[string]int, error)
}

func (e *entity[D, T, F, O]) entityKind() funding.Kind { return e.kind }

func (e *entity[D, T, F, O]) collection() string              { return e.coll }
func (e *entity[D, T, F, O]) indexModels() []mongo.IndexModel { return e.indexes }
func (e *entity[D, T, F, O]) parentIndexModels() []mongo.IndexModel {
	return parentIndexes(e.refs, e.sorts)
}

// entities lists every entity, in the order of their collections' creation.
var entities = []described{&countries, &donors, &agreements, &trustFunds, &allocations, &projects}

// collectionOf is the collection of the entities of kind k, if k is one.
func collectionOf(k funding.Kind) (string, bool) {
	for _, e := range entities {
		if e.entityKind() == k {
			return e.collection(), true
		}
	}
	return "", false
}

// where translates filter f at input path (for errors) into a query document: the AND of
// its fields' conditions and of its and, or and not.
func (e *entity[D, T, F, O]) where(ctx context.Context, s *Store, f *F, path string) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var c conds
	e.fields(ctx, s, f, &c)
	and, or, not := e.logic(f)
	c.addAll(boolConds(path, and, or, not, func(f *F, path string) (bson.D, error) {
		return e.where(ctx, s, f, path)
	}))
	return c.result()
}

// find returns the objects q asks for.
func (e *entity[D, T, F, O]) find(ctx context.Context, s *Store, q funding.Query[F, funding.Order[O]]) ([]*T, error) {
	f, err := e.where(ctx, s, q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	c := s.db.Collection(e.coll)
	if q.Within != nil && q.Within.EachParent {
		return eachParent(ctx, s, c, f, q.Within, e.refs, sortKeys(q.Order, e.sorts), q.Page, e.domain)
	}
	return list(ctx, c, f, q.Within, e.refs, sortKeys(q.Order, e.sorts), q.Page, e.domain)
}

// count counts the objects matching f.
func (e *entity[D, T, F, O]) count(ctx context.Context, s *Store, f *F) (int, error) {
	d, err := e.where(ctx, s, f, "filter")
	if err != nil {
		return 0, err
	}
	return countWhere(ctx, s.db.Collection(e.coll), d)
}

// put inserts or replaces objects by id.
func (e *entity[D, T, F, O]) put(ctx context.Context, s *Store, xs []*T) error {
	return put(ctx, s.db.Collection(e.coll), mapAll(xs, e.newDoc), e.id)
}

// findWhere runs a find with an already translated filter.
func (e *entity[D, T, F, O]) findWhere(ctx context.Context, s *Store, filter bson.D, opts *options.FindOptionsBuilder) ([]*T, error) {
	return find(ctx, s.db.Collection(e.coll), filter, opts, e.domain)
}
