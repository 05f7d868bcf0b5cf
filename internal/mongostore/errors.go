package mongostore

import (
	"context"
	"errors"
	"fmt"
	"net"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// UnavailableMessage is what API users are told when the store does not answer.
const UnavailableMessage = "the data store is unavailable; retry shortly"

// storeErr describes err, returned by the driver for an operation run with ctx, as
// "<what>: <err>", what being format with args. Every error of the driver that a store
// method returns passes through here, so that:
//   - an error that means the store is away (see away) becomes an EUNAVAILABLE
//     *funding.Error, which wraps the description for the server's log;
//   - an error of ctx itself (the request was cancelled or ran out of time) stays one:
//     errors.Is(err, context.Canceled) or context.DeadlineExceeded holds, and it is not
//     blamed on the store;
//   - a *funding.Error passes unchanged, and nil stays nil.
func storeErr(ctx context.Context, err error, format string, args ...any) error {
	var fe *funding.Error
	if err == nil || errors.As(err, &fe) {
		return err
	}
	desc := fmt.Errorf(format+": %w", append(args, err)...)
	if cerr := ctx.Err(); cerr != nil {
		if !errors.Is(desc, cerr) {
			desc = fmt.Errorf("%w: %w", cerr, desc)
		}
		return desc
	}
	if away(err) {
		return &funding.Error{Code: funding.EUNAVAILABLE, Message: UnavailableMessage, Err: desc}
	}
	return desc
}

// away reports whether err of the driver means that the store did not answer: no server
// could be selected in the server selection timeout, a connection could not be opened or
// broke (refused, reset, closed), the connection pool was cleared after such a failure,
// or the driver's own time limit for the operation ran out.
func away(err error) bool {
	var (
		selection topology.ServerSelectionError
		conn      topology.ConnectionError
		pool      driver.RetryablePoolError
		netErr    net.Error
	)
	return errors.As(err, &selection) || errors.As(err, &conn) || errors.As(err, &pool) ||
		errors.As(err, &netErr) || mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.Is(err, mongo.ErrClientDisconnected) || errors.Is(err, topology.ErrServerClosed)
}
