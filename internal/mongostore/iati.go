package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Bulk writes for imports (package iati): many objects at once, in an order that a re-run
// completes after a crash, rather than one checked change at a time.

// AllDonors returns every donor (imports match funders against them).
func (s *Store) AllDonors(ctx context.Context) ([]*funding.Donor, error) {
	return donors.findWhere(ctx, s, bson.D{}, options.Find())
}

// ProjectsByID returns the projects with the ids given that exist.
func (s *Store) ProjectsByID(ctx context.Context, ids []string) ([]*funding.Project, error) {
	return projects.findWhere(ctx, s, in("_id", ids), options.Find())
}

// TrustFundsByID returns the trust funds with the ids given that exist.
func (s *Store) TrustFundsByID(ctx context.Context, ids []string) ([]*funding.TrustFund, error) {
	return trustFunds.findWhere(ctx, s, in("_id", ids), options.Find())
}

// ReplaceAllocations deletes every allocation of the projects projectIDs, then inserts as
// (in chunks, unordered).
func (s *Store) ReplaceAllocations(ctx context.Context, projectIDs []string, as []*funding.Allocation) error {
	c := s.db.Collection(allocationsColl)
	if len(projectIDs) > 0 {
		if _, err := c.DeleteMany(ctx, in("projectId", projectIDs)); err != nil {
			return storeErr(ctx, err, "delete allocations")
		}
	}
	return insertAll(ctx, s, &allocations, as)
}

// WriteProjects inserts the projects created and replaces the projects updated by id.
func (s *Store) WriteProjects(ctx context.Context, created, updated []*funding.Project) error {
	if err := insertAll(ctx, s, &projects, created); err != nil {
		return err
	}
	c := s.db.Collection(projectsColl)
	for _, p := range updated {
		if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, newProjectDoc(p)); err != nil {
			return storeErr(ctx, err, "replace project")
		}
	}
	return nil
}

// AddAuditEntries stores entries as committed at once (an import's record of what it
// changed).
func (s *Store) AddAuditEntries(ctx context.Context, es []*funding.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	docs := make([]any, len(es))
	for i, e := range es {
		docs[i] = auditDoc{
			ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Action: string(e.Action), EntityType: e.EntityType,
			EntityID: e.EntityID, Version: e.Version, Fields: nonNil(e.Fields), Before: e.Before, After: e.After, Committed: true,
		}
	}
	_, err := s.db.Collection(auditColl).InsertMany(ctx, docs)
	return storeErr(ctx, err, "audit")
}

// insertAll inserts xs in chunks of 2,000 documents.
func insertAll[D, T, F any, O ~string](ctx context.Context, s *Store, e *entity[D, T, F, O], xs []*T) error {
	c := s.db.Collection(e.coll)
	now := time.Now()
	for start := 0; start < len(xs); start += 2000 {
		chunk := xs[start:min(start+2000, len(xs))]
		docs := make([]any, len(chunk))
		for i, x := range chunk {
			d := e.newDoc(x)
			if m, ok := any(&d).(interface{ stamp(time.Time) }); ok {
				m.stamp(now)
			}
			docs[i] = d
		}
		if _, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
			if isDuplicate(err) {
				return funding.Errorf(funding.ECONFLICT, "an object with the same id exists already in %s (is another import running?)", e.coll)
			}
			return storeErr(ctx, err, "insert into %s", e.coll)
		}
	}
	return nil
}
