// Package mongostore keeps coopgraph's data in MongoDB (or the embedded FerretDB). It owns
// the storage documents and their bson tags, maps them to and from the domain types of
// package funding, and creates the indexes. It uses only the subset of MongoDB that both
// stores compute correctly (see docs/ARCHITECTURE.md): finds with $in, sorts, limits and
// counts; joins happen in the caller through batched reads.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Store reads and writes coopgraph's collections in one database.
type Store struct {
	db     *mongo.Database
	step   func(WriteStep) // Options.AtStep
	nested string          // NestedReads
	gate   *gate           // the requests' reads (gate.go)
}

// New returns a Store over the database db, whose client has the driver's default pool.
func New(db *mongo.Database) *Store {
	return &Store{db: db, gate: newGate(defaultPoolSize)}
}

// defaultPoolSize is the driver's maxPoolSize when the URI does not set one.
const defaultPoolSize = 100

// EnsureIndexes creates the indexes every query needs: each entity's, those of the
// store's own collections and, unless the store reads nested pages with the batched plan,
// the (reference, order…, _id) ones that pages per parent read through. It is idempotent.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	idx := map[string][]mongo.IndexModel{
		ratesColl: {keys("currency", "year")},
		auditColl: {
			keys("entityType", "entityId", "_id"), keys("actor", "_id"), keys("committed", "_id"),
		},
	}
	for _, e := range entities {
		idx[e.collection()] = e.indexModels()
		if s.NestedReads() != NestedBatched {
			idx[e.collection()] = append(idx[e.collection()], e.parentIndexModels()...)
		}
	}
	for coll, models := range idx {
		// One at a time: FerretDB v1.24 panics on a createIndexes of several indexes
		// that already exist on a reopened database.
		for _, m := range models {
			if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, m); err != nil {
				return storeErr(ctx, err, "create indexes on %s", coll)
			}
		}
	}
	return nil
}

// keys is an ascending index on fields: one for each reference and code field, and a
// compound one (field, _id) for each sort order, so that a keyset page is an index scan.
func keys(fields ...string) mongo.IndexModel {
	d := bson.D{}
	for _, f := range fields {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return mongo.IndexModel{Keys: d}
}

// NewID returns a new id for a document: an ObjectID in hex, so ids sort by creation time.
func NewID() string { return bson.NewObjectID().Hex() }

// IsEmpty reports whether the database holds no donors yet (a fresh database).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	n, err := s.db.Collection(donorsColl).CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	return n == 0, storeErr(ctx, err, "count %s", donorsColl)
}

// Drop removes every coopgraph collection; used by the synthetic seed to start afresh.
func (s *Store) Drop(ctx context.Context) error {
	var colls []string
	for _, e := range entities {
		colls = append(colls, e.collection())
	}
	for _, c := range append(colls, ratesColl, auditColl, claimsColl, metaColl) {
		if err := s.db.Collection(c).Drop(ctx); err != nil {
			return storeErr(ctx, err, "drop %s", c)
		}
	}
	return nil
}

// find runs a find and maps every document with conv.
func find[D, T any](ctx context.Context, c *mongo.Collection, filter any, opts *options.FindOptionsBuilder, conv func(*D) *T) ([]*T, error) {
	ctx, leave, err := enter(ctx)
	defer leave()
	if err != nil {
		return nil, storeErr(ctx, err, "find in %s", c.Name())
	}
	cur, err := c.Find(ctx, filter, opts)
	if err != nil {
		return nil, storeErr(ctx, err, "find in %s", c.Name())
	}
	return collect(ctx, cur, c.Name(), conv)
}

// collect decodes every document of cur, a cursor on collection coll, and maps it with
// conv; it closes cur.
func collect[D, T any](ctx context.Context, cur *mongo.Cursor, coll string, conv func(*D) *T) ([]*T, error) {
	defer closeCursor(ctx, cur)
	var out []*T
	for cur.Next(ctx) {
		// bson.Unmarshal rather than cur.Decode: Decode wraps each document in a new 4 KB
		// bufio.Reader, half of the bytes a nested query allocated (the client sets no
		// registry or BSON options that Decode would apply).
		var d D
		if err := unmarshal(cur.Current, &d); err != nil {
			return nil, storeErr(ctx, err, "decode %s", coll)
		}
		out = append(out, conv(&d))
	}
	if err := cur.Err(); err != nil {
		return nil, storeErr(ctx, err, "read %s", coll)
	}
	return out, nil
}

// closeCursor closes cur with a context of its own, for at most closeTimeout: the
// request's may be done (its deadline passed, its client gone), and a cursor closed with a
// done context is not killed on the server, where it holds what it reads with (on
// FerretDB, one of its SQLite connections) until the driver's connection closes.
func closeCursor(ctx context.Context, cur *mongo.Cursor) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	_ = cur.Close(ctx)
}

const closeTimeout = 5 * time.Second

// unmarshal decodes doc into d, by d's own decoder if it has one (decode.go).
func unmarshal(doc bson.Raw, d any) error {
	if u, ok := d.(bson.Unmarshaler); ok {
		return u.UnmarshalBSON(doc)
	}
	return bson.Unmarshal(doc, d)
}

// in returns the filter {field: {$in: values}}.
func in(field string, values []string) bson.D {
	return bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: values}}}}
}

// put writes documents by _id, in chunks: new ones with insertMany, ones already stored
// replaced one by one. Writing the same data twice leaves one copy. (A bulk of upserts would be
// simpler, but FerretDB runs each as a scan of the whole collection.)
func put[D any](ctx context.Context, c *mongo.Collection, docs []D, id func(D) string) error {
	// Into an empty collection everything is new: no need to look for stored copies.
	n, err := c.EstimatedDocumentCount(ctx)
	if err != nil {
		return storeErr(ctx, err, "write %s", c.Name())
	}
	const chunk = 2000
	for start := 0; start < len(docs); start += chunk {
		if err := putChunk(ctx, c, docs[start:min(start+chunk, len(docs))], id, n == 0); err != nil {
			return err
		}
	}
	return nil
}

func putChunk[D any](ctx context.Context, c *mongo.Collection, docs []D, id func(D) string, allNew bool) error {
	ids := make([]string, len(docs))
	now := time.Now()
	for i, d := range docs {
		ids[i] = id(d)
		if m, ok := any(&docs[i]).(interface{ stamp(time.Time) }); ok {
			m.stamp(now)
		}
	}
	exists := map[string]bool{}
	if !allNew {
		cur, err := c.Find(ctx, in("_id", ids), options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return storeErr(ctx, err, "write %s", c.Name())
		}
		var stored []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &stored); err != nil {
			return storeErr(ctx, err, "write %s", c.Name())
		}
		for _, s := range stored {
			exists[s.ID] = true
		}
	}
	var fresh []any
	for i, d := range docs {
		if !exists[ids[i]] {
			fresh = append(fresh, d)
			continue
		}
		if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: ids[i]}}, d); err != nil {
			return storeErr(ctx, err, "write %s", c.Name())
		}
	}
	if len(fresh) > 0 {
		if _, err := c.InsertMany(ctx, fresh, options.InsertMany().SetOrdered(false)); err != nil {
			return storeErr(ctx, err, "write %s", c.Name())
		}
	}
	return nil
}

// DefaultTimeout is the server selection and connect timeout when Options.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// opTimeout bounds every operation as a whole (server selection, connection, command
// and reading its reply), however long the caller's context allows: a report over a
// large collection on the embedded store can take seconds, a stuck server never ends.
const opTimeout = 30 * time.Second

// Options tune the connection to the store.
type Options struct {
	// Timeout is how long an operation waits for a server to answer before failing with
	// EUNAVAILABLE: the driver's server selection timeout and its connect timeout. It wins
	// over serverSelectionTimeoutMS and connectTimeoutMS in the URI. 0 means DefaultTimeout.
	Timeout time.Duration
	// Monitor, if not nil, sees every command (tests count them with it).
	Monitor *event.CommandMonitor
	// NestedReads is the plan of nested pages (one of NestedReadsModes; "" is
	// NestedAuto): with NestedAuto, Connect asks the server (DetectNestedReads).
	NestedReads string
	// AtStep, for tests only, is called at each step of a write (see WriteStep). A test
	// that panics in it stops the write there as a crash would: nothing after it runs,
	// nothing is cleaned up. Nil in production.
	AtStep func(WriteStep)
}

// Connect connects to the MongoDB (or FerretDB) at uri, checks that it answers, and
// returns a Store over the database dbName.
//
// The Store keeps nothing of a failure: when the server goes away, operations fail with
// EUNAVAILABLE within about o.Timeout (a change that cleans up after a failed write, up
// to twice that), and the driver reconnects by itself once the server is back.
func Connect(ctx context.Context, uri, dbName string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	opts := options.Client().ApplyURI(uri).SetAppName("coopgraph").
		SetServerSelectionTimeout(o.Timeout).SetConnectTimeout(o.Timeout).SetTimeout(opTimeout)
	if o.Monitor != nil {
		opts.SetMonitor(o.Monitor)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to store: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, o.Timeout+5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("connect to store: %w", err)
	}
	pool := uint64(defaultPoolSize)
	if opts.MaxPoolSize != nil && *opts.MaxPoolSize > 0 {
		pool = *opts.MaxPoolSize
	}
	s := &Store{db: client.Database(dbName), step: o.AtStep, nested: o.NestedReads, gate: newGate(pool)}
	if s.nested == "" || s.nested == NestedAuto {
		if s.nested, err = DetectNestedReads(pingCtx, s.db); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("connect to store: %w", err)
		}
	} else if !slices.Contains(NestedReadsModes, s.nested) {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("nested reads %q: want one of %s", s.nested, strings.Join(NestedReadsModes, ", "))
	} else if s.nested == NestedPerParent {
		// Refused here rather than on the first nested query: the plan needs $unionWith.
		can, err := DetectNestedReads(pingCtx, s.db)
		if err == nil && can != NestedPerParent {
			err = fmt.Errorf("%w: the store has no $unionWith (auto would choose %s)", ErrPlanUnsupported, can)
		}
		if err != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("connect to store: %w", err)
		}
	}
	return s, nil
}

// ErrPlanUnsupported means Options.NestedReads asks for a plan the store cannot run.
var ErrPlanUnsupported = errors.New("nested reads per-parent: unsupported by this store")

// Ping reports whether the store can serve a read now: it reads one document by _id (an
// equality the embedded store answers without a scan), outside the requests' gate. A
// ping command alone says yes while every connection of the store is taken.
func (s *Store) Ping(ctx context.Context) error {
	err := s.db.Collection(donorsColl).FindOne(ctx, bson.D{{Key: "_id", Value: "readiness probe"}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	return storeErr(ctx, err, "read %s", donorsColl)
}

// Close disconnects from the store.
func (s *Store) Close(ctx context.Context) error {
	return s.db.Client().Disconnect(ctx)
}
