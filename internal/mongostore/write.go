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

// document returns the collection, id and storage document of a domain entity.
func document(e any) (coll, id string, doc any, err error) {
	switch e := e.(type) {
	case *funding.Country:
		return countriesColl, e.Code, newCountryDoc(e), nil
	case *funding.Donor:
		return donorsColl, e.ID, newDonorDoc(e), nil
	case *funding.Agreement:
		return agreementsColl, e.ID, newAgreementDoc(e), nil
	case *funding.TrustFund:
		return trustFundsColl, e.ID, newTrustFundDoc(e), nil
	case *funding.Allocation:
		return allocationsColl, e.ID, newAllocationDoc(e), nil
	case *funding.Project:
		return projectsColl, e.ID, newProjectDoc(e), nil
	}
	return "", "", nil, fmt.Errorf("not an entity: %T", e)
}

var collections = map[string]string{
	funding.TypeCountry: countriesColl, funding.TypeDonor: donorsColl, funding.TypeAgreement: agreementsColl,
	funding.TypeTrustFund: trustFundsColl, funding.TypeAllocation: allocationsColl, funding.TypeProject: projectsColl,
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

// Insert stores new entities. Returns ECONFLICT if an id or unique code is taken. A batch
// is all or nothing: if inserting fails part way, the documents this call inserted are
// removed again. Each document carries a write token for that: the undo deletes only
// documents with this call's token, never one another request wrote with the same id.
func (s *Store) Insert(ctx context.Context, entities ...any) error {
	if len(entities) == 0 {
		return nil
	}
	coll, _, _, err := document(entities[0])
	if err != nil {
		return err
	}
	token := NewID()
	docs := make([]any, len(entities))
	ids := make([]string, len(entities))
	for i, e := range entities {
		var c string
		var doc any
		if c, ids[i], doc, err = document(e); err != nil {
			return err
		}
		if c != coll {
			return errors.New("insert: entities of different types")
		}
		if docs[i], err = withToken(doc, token); err != nil {
			return err
		}
	}
	_, err = s.db.Collection(coll).InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
	if err == nil {
		s.at(StepWritten)
		return nil
	}
	mine := append(in("_id", ids), bson.E{Key: "writeToken", Value: token})
	_, _ = s.db.Collection(coll).DeleteMany(context.WithoutCancel(ctx), mine)
	if isDuplicate(err) {
		return funding.Errorf(funding.ECONFLICT, "an object with the same id or code exists already")
	}
	return storeErr(ctx, err, "insert into %s", coll)
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

// Replace stores e in place of its stored version expected (e's own Version is the new
// one). Returns ECONFLICT with the current version if the stored one is not expected, and
// ENOTFOUND if there is none.
func (s *Store) Replace(ctx context.Context, e any, expected int) error {
	coll, id, doc, err := document(e)
	if err != nil {
		return err
	}
	release, err := s.claim(ctx, coll, id, expected)
	if err != nil {
		return err
	}
	s.at(StepClaimed)
	res, err := s.db.Collection(coll).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expected}}, doc)
	switch {
	case err != nil && isDuplicate(err):
		err = funding.Errorf(funding.ECONFLICT, "the change clashes with an existing object's unique code")
	case err != nil:
		err = storeErr(ctx, err, "replace in %s", coll)
	case res.MatchedCount == 0:
		err = s.versionConflict(ctx, coll, id, expected, 0)
	default:
		s.at(StepWritten)
	}
	release()
	return err
}

// Remove deletes the entity typ/id if it is at version expected (see Replace for errors).
func (s *Store) Remove(ctx context.Context, typ, id string, expected int) error {
	coll := collections[typ]
	release, err := s.claim(ctx, coll, id, expected)
	if err != nil {
		return err
	}
	s.at(StepClaimed)
	res, err := s.db.Collection(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expected}})
	switch {
	case err != nil:
		err = storeErr(ctx, err, "delete from %s", coll)
	case res.DeletedCount == 0:
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

// Referrers describes what still refers to typ/id, e.g. ["2 agreements", "1 trust fund"];
// empty when nothing does and it may be deleted.
func (s *Store) Referrers(ctx context.Context, typ, id string) ([]string, error) {
	type ref struct {
		coll, what string
		filter     bson.D
	}
	var refs []ref
	switch typ {
	case funding.TypeCountry:
		refs = []ref{
			{projectsColl, "project", bson.D{{Key: "countries.code", Value: id}}},
			{donorsColl, "donor", bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "homeCountry", Value: id}}, bson.D{{Key: "partnerCountries", Value: id}}}}}},
		}
	case funding.TypeDonor:
		refs = []ref{{agreementsColl, "agreement", bson.D{{Key: "donorId", Value: id}}}, {trustFundsColl, "trust fund", bson.D{{Key: "donorId", Value: id}}}}
	case funding.TypeAgreement:
		refs = []ref{{trustFundsColl, "trust fund", bson.D{{Key: "agreementIds", Value: id}}}}
	case funding.TypeTrustFund:
		refs = []ref{{allocationsColl, "allocation", bson.D{{Key: "trustFundId", Value: id}}}}
	case funding.TypeProject:
		refs = []ref{{allocationsColl, "allocation", bson.D{{Key: "projectId", Value: id}}}}
	}
	var out []string
	for _, r := range refs {
		n, err := countWhere(ctx, s.db.Collection(r.coll), r.filter)
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
