package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// NewSchema returns the executable schema over the resolver's store. What a query may
// cost is computed by OperationCost, before execution.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	c := Config{Resolvers: r}
	c.Directives.HasRole = r.hasRole
	return NewExecutableSchema(c)
}

// GraphQL error codes (extensions.code), after Apollo's conventions.
var codes = map[string]string{
	funding.EINVALID:         "BAD_USER_INPUT",
	funding.ENOTFOUND:        "NOT_FOUND",
	funding.ECONFLICT:        "CONFLICT",
	funding.EUNAUTHENTICATED: "UNAUTHENTICATED",
	funding.EFORBIDDEN:       "FORBIDDEN",
	funding.EUNAVAILABLE:     "UNAVAILABLE",
	funding.EINTERNAL:        "INTERNAL_SERVER_ERROR",
}

// ErrorPresenter maps domain errors to GraphQL errors with extensions.code (and, for bad
// input, extensions.field naming the argument). Errors gqlgen itself raises (parse and
// validation) keep their codes. Anything else is logged and shown as "internal error".
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var fe *funding.Error
		switch {
		case ctx.Err() != nil && !errors.As(err, &fe):
			// The request ran out of time or its client left: not the server's fault.
			return ContextError(ctx.Err())
		case errors.As(err, &fe):
			if fe.Code == funding.EUNAVAILABLE {
				log.WarnContext(ctx, "store unavailable", "path", gerr.Path.String(), "err", fe.Err)
			}
			gerr.Message = fe.Message
			gerr.Extensions = map[string]any{"code": codes[fe.Code]}
			field := fe.Field
			if field == "" && fe.Code == funding.EINVALID {
				field, gerr.Path = argumentPath(ctx, gerr.Path)
			}
			if field != "" {
				gerr.Extensions["field"] = field
				gerr.Message = field + ": " + fe.Message
			}
			if len(fe.Problems) > 0 {
				problems := make([]map[string]string, len(fe.Problems))
				for i, p := range fe.Problems {
					problems[i] = map[string]string{"field": p.Field, "message": p.Message}
				}
				gerr.Extensions["problems"] = problems
			}
			if fe.Current > 0 {
				gerr.Extensions["currentVersion"] = fe.Current
			}
		case errors.Unwrap(err) == nil && gerr.Extensions["code"] != nil:
			// A parse or validation error of gqlgen's, already coded.
		case errors.Unwrap(err) == nil && isGQLError(err):
			gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
		default:
			log.ErrorContext(ctx, "graphql resolver error", "path", gerr.Path.String(), "err", err)
			gerr.Message = "internal error"
			gerr.Extensions = map[string]any{"code": "INTERNAL_SERVER_ERROR"}
		}
		return gerr
	}
}

// argumentPath splits an error's path at the field being resolved: below it is the path
// of the argument whose value failed to parse, e.g. "filter.startsOn.gte"; above it the
// field's own response path, which is what the error's path should be.
func argumentPath(ctx context.Context, path ast.Path) (string, ast.Path) {
	start := 0
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		start = min(len(fc.Path()), len(path))
	}
	var b strings.Builder
	for _, el := range path[start:] {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, el)
		}
	}
	return b.String(), path[:start]
}

// ContextError is the error of a request whose context ended: TIMEOUT when its deadline
// passed, CANCELED when its client went away.
func ContextError(err error) *gqlerror.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &gqlerror.Error{
			Message:    "the request ran out of time and was stopped; ask for less (smaller pages, fewer nested lists) or retry later",
			Extensions: map[string]any{"code": "TIMEOUT"},
		}
	}
	return &gqlerror.Error{Message: "the request was canceled", Extensions: map[string]any{"code": "CANCELED"}}
}

func isGQLError(err error) bool {
	var g *gqlerror.Error
	return errors.As(err, &g)
}

// Recover turns a panic in a resolver into an "internal error" and logs it with its stack.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}
	}
}
