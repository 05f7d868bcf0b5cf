package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

const auditColl = "auditLog"

// An audit entry is written in two steps around the change it records: first pending,
// then committed once the change is stored (or removed if the change was refused). Only
// committed entries are read, so a refused change leaves no trace and a stored change is
// never without one, except for a crash between the change and the commit, which leaves a
// pending entry behind for Reconcile.
type auditDoc struct {
	ID         string         `bson:"_id"`
	At         time.Time      `bson:"at"`
	Actor      string         `bson:"actor"`
	Action     string         `bson:"action"`
	EntityType string         `bson:"entityType"`
	EntityID   string         `bson:"entityId"`
	Version    int            `bson:"version"`
	Fields     []string       `bson:"fields"`
	Before     map[string]any `bson:"before,omitempty"`
	After      map[string]any `bson:"after,omitempty"`
	Committed  bool           `bson:"committed"`
}

func (d *auditDoc) domain() *funding.AuditEntry {
	return &funding.AuditEntry{
		ID: d.ID, At: d.At, Actor: d.Actor, Action: funding.AuditAction(d.Action), EntityType: d.EntityType,
		EntityID: d.EntityID, Version: d.Version, Fields: d.Fields, Before: d.Before, After: d.After,
	}
}

// BeginAudit writes e as pending.
func (s *Store) BeginAudit(ctx context.Context, e *funding.AuditEntry) error {
	d := auditDoc{
		ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Action: string(e.Action), EntityType: e.EntityType,
		EntityID: e.EntityID, Version: e.Version, Fields: nonNil(e.Fields), Before: e.Before, After: e.After,
	}
	if _, err := s.db.Collection(auditColl).InsertOne(ctx, d); err != nil {
		return storeErr(ctx, err, "audit")
	}
	return nil
}

// EndAudit commits the pending entry id, or removes it when the change did not happen.
func (s *Store) EndAudit(ctx context.Context, id string, happened bool) error {
	ctx = context.WithoutCancel(ctx)
	c := s.db.Collection(auditColl)
	var err error
	if happened {
		s.at(StepCommitting)
		_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "committed", Value: true}}}})
	} else {
		_, err = c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
	if err != nil {
		return storeErr(ctx, err, "audit")
	}
	return nil
}

// FindAudit returns the committed entries q selects, newest first (ids grow with time).
func (s *Store) FindAudit(ctx context.Context, q funding.AuditQuery) ([]*funding.AuditEntry, error) {
	f := bson.D{{Key: "committed", Value: true}}
	for _, c := range []struct{ key, v string }{{"actor", q.Actor}, {"entityType", q.EntityType}, {"entityId", q.EntityID}, {"action", q.Action}} {
		if c.v != "" {
			f = append(f, bson.E{Key: c.key, Value: c.v})
		}
	}
	if !q.Since.IsZero() {
		f = append(f, bson.E{Key: "at", Value: bson.D{{Key: "$gte", Value: q.Since.UTC()}}})
	}
	if q.AfterID != "" {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.AfterID}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(q.Limit))
	return find(ctx, s.db.Collection(auditColl), f, opts, (*auditDoc).domain)
}
