package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// metaColl holds what the store knows of itself: one document, whether data was ever
// loaded or imported into it.
const metaColl = "coopgraphMeta"

// MarkUsed notes that data was loaded or imported into the store (what), so that it is
// never taken for a new one again, even if that data left it empty (an import that stored
// nothing, or everything deleted).
func (s *Store) MarkUsed(ctx context.Context, what string) error {
	_, err := s.db.Collection(metaColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: "used"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: what}, {Key: "at", Value: time.Now().UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	return storeErr(ctx, err, "write %s", metaColl)
}

// IsNew reports whether the store has never been used: no donors, and no mark of a load
// or an import (MarkUsed). Only a new store gets the demo data.
func (s *Store) IsNew(ctx context.Context) (bool, error) {
	if empty, err := s.IsEmpty(ctx); err != nil || !empty {
		return false, err
	}
	err := s.db.Collection(metaColl).FindOne(ctx, bson.D{{Key: "_id", Value: "used"}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return true, nil
	}
	return false, storeErr(ctx, err, "read %s", metaColl)
}
