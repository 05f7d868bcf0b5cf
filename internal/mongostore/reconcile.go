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

// MaxWriteAge is how long a write takes at most, from its pending audit entry to its
// commit (a few operations, each bounded by opTimeout): leftovers older than that belong
// to no write in progress, so Reconcile may settle them while other processes write.
const MaxWriteAge = 10 * opTimeout

// Reconciled counts what Reconcile settled.
type Reconciled struct {
	Committed int // pending audit entries whose change is stored, now committed
	Removed   int // pending audit entries whose change is not stored, now removed
	Claims    int // version claims left behind, now removed
}

// Reconcile settles what writers that stopped part way (a crash, kill -9, a lost store)
// left behind, so that every stored change has exactly one committed audit entry and no
// object stays claimed: it commits each pending audit entry whose change is stored,
// removes the other pending entries, and removes the version claims. It touches only
// entries and claims older than age, since younger ones may belong to a write still in
// progress in another process; with age 0 (nobody else writes to the store, as with the
// embedded one) it settles all. The server calls it at start-up, before serving.
func (s *Store) Reconcile(ctx context.Context, age time.Duration) (Reconciled, error) {
	var r Reconciled
	cut := time.Now().Add(-age).UTC()
	claims := bson.D{}
	if age > 0 {
		claims = bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: cut}}}},
			bson.D{{Key: "at", Value: bson.D{{Key: "$exists", Value: false}}}},
		}}}
	}
	res, err := s.db.Collection(claimsColl).DeleteMany(ctx, claims)
	if err != nil {
		return r, storeErr(ctx, err, "reconcile claims")
	}
	r.Claims = int(res.DeletedCount)
	pending := bson.D{{Key: "committed", Value: false}}
	if age > 0 {
		pending = append(pending, bson.E{Key: "at", Value: bson.D{{Key: "$lt", Value: cut}}})
	}
	// Oldest first: of two pending entries for the same version, the first is committed.
	entries, err := find(ctx, s.db.Collection(auditColl), pending, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}),
		func(d *auditDoc) *auditDoc { return d })
	if err != nil {
		return r, err
	}
	for _, e := range entries {
		stored, err := s.changeStored(ctx, e)
		if err != nil {
			return r, err
		}
		if err := s.EndAudit(ctx, e.ID, stored); err != nil {
			return r, err
		}
		if stored {
			r.Committed++
		} else {
			r.Removed++
		}
	}
	return r, nil
}

// changeStored reports whether the change the pending entry e describes is stored. If
// the object is still at the version e made, the version names the change that made it
// (Meta.Change). Otherwise (changed again since, or deleted): no committed entry records
// the same change of the object (the version was someone else's), and the object's
// existence and version show the change (a create: it exists; an update to version v: it
// is at v or later; a delete of version v: it is gone, or was created again since).
func (s *Store) changeStored(ctx context.Context, e *auditDoc) (bool, error) {
	coll, ok := collectionOf(funding.Kind(e.EntityType))
	if e.EntityType == "ExchangeRate" {
		coll, ok = ratesColl, true
	}
	if !ok {
		return false, nil
	}
	var d DocMeta
	err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: e.EntityID}}).Decode(&d)
	exists := err == nil
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, storeErr(ctx, err, "reconcile %s/%s", coll, e.EntityID)
	}
	if exists && d.Change != "" && d.Version == e.Version && e.Action != string(funding.ActionDelete) {
		return d.Change == e.ID, nil // the stored version names the change that made it
	}
	if taken, err := s.changeRecorded(ctx, e); err != nil || taken {
		return false, err
	}
	switch funding.AuditAction(e.Action) {
	case funding.ActionCreate:
		return exists, nil
	case funding.ActionUpdate:
		return exists && d.Version >= e.Version, nil
	case funding.ActionDelete:
		return !exists || d.Version < e.Version, nil
	}
	return false, nil
}

// changeRecorded reports whether a committed entry records the same action to the same
// version of e's object since the object was last deleted before e (a code such as a
// country's can be deleted and created again, starting again at version 1).
func (s *Store) changeRecorded(ctx context.Context, e *auditDoc) (bool, error) {
	f := bson.D{{Key: "entityType", Value: e.EntityType}, {Key: "entityId", Value: e.EntityID}, {Key: "committed", Value: true}}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "action", Value: 1}, {Key: "version", Value: 1}})
	done, err := find(ctx, s.db.Collection(auditColl), f, opts, func(d *auditDoc) *auditDoc { return d })
	if err != nil {
		return false, err
	}
	life := "" // the id of the last committed delete before e
	for _, d := range done {
		if d.Action == string(funding.ActionDelete) && d.ID < e.ID {
			life = d.ID
		}
	}
	for _, d := range done {
		if d.ID > life && d.Action == e.Action && d.Version == e.Version {
			return true, nil
		}
	}
	return false, nil
}
