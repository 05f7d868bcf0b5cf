package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Writes. Each changes one document, conditionally on its version, so that no failure
// leaves a half-written change and a stale edit never overwrites a newer one.

// The store writes every kind of entity.
var _ funding.Writers = (*Store)(nil)

// writer writes the entities of one description; it is the store's funding.Writer[T].
type writer[D, T, F any, O ~string] struct {
	s *Store
	e *entity[D, T, F, O]
}

// writerOf is the writer of the entities e describes.
func writerOf[D, T, F any, O ~string](s *Store, e *entity[D, T, F, O]) funding.Writer[T] {
	return writer[D, T, F, O]{s, e}
}

// Insert stores new entities. Returns ECONFLICT if an id or unique code is taken. A batch
// is all or nothing: if inserting fails part way, the documents this call inserted are
// removed again. Each document carries a write token for that: the undo deletes only
// documents with this call's token, never one another request wrote with the same id.
func (w writer[D, T, F, O]) Insert(ctx context.Context, xs ...*T) error {
	if len(xs) == 0 {
		return nil
	}
	token := NewID()
	docs := make([]any, len(xs))
	ids := make([]string, len(xs))
	for i, x := range xs {
		doc := w.e.newDoc(x)
		ids[i] = w.e.id(doc)
		var err error
		if docs[i], err = withToken(doc, token); err != nil {
			return err
		}
	}
	coll := w.s.db.Collection(w.e.coll)
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
	if err == nil {
		w.s.at(StepWritten)
		return nil
	}
	mine := append(in("_id", ids), bson.E{Key: "writeToken", Value: token})
	_, _ = coll.DeleteMany(context.WithoutCancel(ctx), mine)
	if isDuplicate(err) {
		return funding.Errorf(funding.ECONFLICT, "an object with the same id or code exists already")
	}
	return storeErr(ctx, err, "insert into %s", w.e.coll)
}

// Replace stores x in place of its stored version expected (x's own Version is the new
// one). Returns ECONFLICT with the current version if the stored one is not expected, and
// ENOTFOUND if there is none.
func (w writer[D, T, F, O]) Replace(ctx context.Context, x *T, expected int) error {
	doc := w.e.newDoc(x)
	return w.s.conditional(ctx, w.e.coll, w.e.id(doc), expected, "replace in %s", func(c *mongo.Collection, filter bson.D) (int64, error) {
		res, err := c.ReplaceOne(ctx, filter, doc)
		if err != nil {
			return 0, err
		}
		return res.MatchedCount, nil
	})
}

// Remove deletes the entity id if it is at version expected (see Replace for errors).
func (w writer[D, T, F, O]) Remove(ctx context.Context, id string, expected int) error {
	return w.s.conditional(ctx, w.e.coll, id, expected, "delete from %s", func(c *mongo.Collection, filter bson.D) (int64, error) {
		res, err := c.DeleteOne(ctx, filter)
		if err != nil {
			return 0, err
		}
		return res.DeletedCount, nil
	})
}

// Referrers describes what still refers to the entity id, e.g. ["2 agreements", "1 trust
// fund"]; empty when nothing does and it may be deleted.
func (w writer[D, T, F, O]) Referrers(ctx context.Context, id string) ([]string, error) {
	var out []string
	for _, r := range w.e.referredBy {
		n, err := countWhere(ctx, w.s.db.Collection(r.coll), r.where(id))
		if err != nil {
			return nil, err
		}
		if n == 1 {
			out = append(out, "1 "+r.what)
		} else if n > 1 {
			out = append(out, fmt.Sprintf("%d %ss", n, r.what))
		}
	}
	return out, nil
}

// A referrer is a kind of object that may refer to an entity: deleting the entity is
// refused while one does.
type referrer struct {
	coll, what string              // its collection, and what one is called ("trust fund")
	where      func(string) bson.D // the filter of those that refer to an id
}

// refersBy is the filter of documents whose field at one of paths is (or, for a list,
// holds) an id: {path: id}, or the $or of such conditions for several paths.
func refersBy(paths ...string) func(string) bson.D {
	return func(id string) bson.D {
		if len(paths) == 1 {
			return bson.D{{Key: paths[0], Value: id}}
		}
		or := make(bson.A, len(paths))
		for i, p := range paths {
			or[i] = bson.D{{Key: p, Value: id}}
		}
		return bson.D{{Key: "$or", Value: or}}
	}
}

// A WriteStep names a point in a write at which Options.AtStep is called.
type WriteStep string

// The steps of a write, in order.
const (
	StepClaimed    WriteStep = "claimed"    // the version is claimed, the object not yet written
	StepWritten    WriteStep = "written"    // the object is written, its claim not yet given back
	StepCommitting WriteStep = "committing" // the change's audit entry is about to be committed
)

// at calls the test hook, if any, at step.
func (s *Store) at(step WriteStep) {
	if s.step != nil {
		s.step(step)
	}
}

// withToken is doc with the field writeToken set to token.
func withToken(doc any, token string) (bson.D, error) {
	b, err := bson.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	var d bson.D
	if err := bson.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	return append(d, bson.E{Key: "writeToken", Value: token}), nil
}

// conditional runs write, a change of coll/id conditional on its version being expected
// (write gets the collection and the filter, and returns how many documents matched),
// under a version claim. Returns ECONFLICT with the current version if the stored one is
// not expected (or a unique code clashes), and ENOTFOUND if there is none; what describes
// a failed write ("replace in %s").
func (s *Store) conditional(ctx context.Context, coll, id string, expected int, what string, write func(*mongo.Collection, bson.D) (int64, error)) error {
	release, err := s.claim(ctx, coll, id, expected)
	if err != nil {
		return err
	}
	s.at(StepClaimed)
	n, err := write(s.db.Collection(coll), bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expected}})
	switch {
	case err != nil && isDuplicate(err):
		err = funding.Errorf(funding.ECONFLICT, "the change clashes with an existing object's unique code")
	case err != nil:
		err = storeErr(ctx, err, what, coll)
	case n == 0:
		err = s.versionConflict(ctx, coll, id, expected, 0)
	default:
		s.at(StepWritten)
	}
	release()
	return err
}

// claimsColl holds one document per change in progress: "<collection>/<id>/<version>".
const claimsColl = "versionClaims"

// claim reserves the change of coll/id from version expected to the next for one writer.
// Its unique _id makes the reservation atomic on every store: FerretDB v1.24 applies the
// version condition of an update or delete in a query before the write, not in it, so two
// writers of the same version could both succeed. release gives the claim back once the
// write is over, whether it happened or not: a writer that claims the version after that
// finds the object changed (its query runs after the write), so claims exist only while
// a change is in progress. A claim its writer could not give back (the store went away,
// or the server crashed) is taken over once stale, and Reconcile removes it at start-up.
func (s *Store) claim(ctx context.Context, coll, id string, expected int) (release func(), err error) {
	key := fmt.Sprintf("%s/%s/%d", coll, id, expected+1)
	claims := s.db.Collection(claimsColl)
	token := NewID() // so that release gives back this claim only, not one that took it over
	doc := bson.D{{Key: "_id", Value: key}, {Key: "at", Value: time.Now().UTC()}, {Key: "token", Value: token}}
	_, err = claims.InsertOne(ctx, doc)
	if isDuplicate(err) && s.dropStaleClaim(ctx, coll, id, key, expected) {
		_, err = claims.InsertOne(ctx, doc)
	}
	if isDuplicate(err) {
		// Another writer holds the claim; it may not have stored its version yet.
		return nil, s.versionConflict(ctx, coll, id, expected, expected+1)
	}
	if err != nil {
		return nil, storeErr(ctx, err, "claim %s", key)
	}
	return func() {
		_, _ = claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: key}, {Key: "token", Value: token}})
	}, nil
}

// claimTTL is how old a claim must be before another writer may take it over: longer
// than a writer holds one (its change is one operation, bounded by opTimeout), with room
// for clocks that differ between servers.
const claimTTL = 2 * opTimeout

// dropStaleClaim removes the claim key on coll/id's change from version expected if it
// is older than claimTTL and the object is still at version expected: its writer never
// stored the change nor gave the claim back. It reports whether it removed it. (A claim
// from before claims were dated counts as stale.)
func (s *Store) dropStaleClaim(ctx context.Context, coll, id, key string, expected int) bool {
	claims := s.db.Collection(claimsColl)
	var c struct {
		At time.Time `bson:"at"`
	}
	if err := claims.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c); err != nil || time.Since(c.At) < claimTTL {
		return false
	}
	var d DocMeta
	if err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil || d.Version != expected {
		return false
	}
	// Only this stale claim: another writer may have taken it over meanwhile.
	at := bson.E{Key: "at", Value: bson.D{{Key: "$exists", Value: false}}}
	if !c.At.IsZero() {
		at = bson.E{Key: "at", Value: c.At}
	}
	res, err := claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, at})
	return err == nil && res.DeletedCount == 1
}

// versionConflict describes a refused change of coll/id from version expected: ENOTFOUND if
// it is gone, else ECONFLICT with its current version (at least atLeast).
func (s *Store) versionConflict(ctx context.Context, coll, id string, expected, atLeast int) error {
	var d DocMeta
	err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &funding.Error{Code: funding.ENOTFOUND, Field: "input.id", Message: "no such object (it may have been deleted)"}
	}
	if err != nil {
		return storeErr(ctx, err, "read %s/%s", coll, id)
	}
	current := max(d.Version, atLeast)
	return &funding.Error{Code: funding.ECONFLICT, Field: "input.expectedVersion", Current: current,
		Message: fmt.Sprintf("it was changed by someone else since you read it: version %d, not %d; read it again and reapply your change", current, expected)}
}

// isDuplicate reports a unique-index clash: E11000 on MongoDB and on FerretDB inserts;
// FerretDB v1.24 reports a clash on update as an InternalError (code 1) instead.
func isDuplicate(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorCode(1) {
		msg := strings.ToLower(err.Error())
		return strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate")
	}
	return false
}
