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

// NewSchema returns the executable schema over store. Every list field costs its page
// size times what is selected inside it, so the server's complexity limit bounds how much
// data one query can ask for.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	c := Config{Resolvers: r}
	c.Directives.HasRole = r.hasRole
	x := &c.Complexity
	listCost(&x.Query.Donors)
	listCost(&x.Query.Agreements)
	listCost(&x.Query.TrustFunds)
	listCost(&x.Query.Allocations)
	listCost(&x.Query.Projects)
	listCost(&x.Query.Countries)
	listCost(&x.Donor.Agreements)
	listCost(&x.Donor.TrustFunds)
	listCost(&x.Donor.Allocations)
	listCost(&x.Donor.Projects)
	listCost(&x.Agreement.TrustFunds)
	listCost(&x.TrustFund.Agreements)
	listCost(&x.TrustFund.Allocations)
	listCost(&x.TrustFund.Projects)
	listCost(&x.Project.Allocations)
	listCost(&x.Project.Donors)
	listCost(&x.Project.TrustFunds)
	listCost(&x.Country.Projects)
	listCost(&x.Country.Donors)
	listCost(&x.Country.PartnerDonors)
	listCost(&x.Country.Allocations)
	x.Query.Search = func(child int, _ string, _ []SearchType, first *int) int {
		return 1 + pageSize(first, nil, defaultSearchSize)*child
	}
	return NewExecutableSchema(c)
}

// listCost sets the complexity of a list field: its page size times what it selects.
func listCost[F, O any](f *func(int, *F, []*O, *int, *string, *int, *string) int) {
	*f = func(child int, _ *F, _ []*O, first *int, _ *string, last *int, _ *string) int {
		return 1 + pageSize(first, last, defaultPageSize)*child
	}
}

func pageSize(first, last *int, def int) int {
	for _, n := range []*int{first, last} {
		if n != nil && *n > 0 {
			return *n
		}
	}
	return def
}

// GraphQL error codes (extensions.code), after Apollo's conventions.
var codes = map[string]string{
	funding.EINVALID:         "BAD_USER_INPUT",
	funding.ENOTFOUND:        "NOT_FOUND",
	funding.ECONFLICT:        "CONFLICT",
	funding.EUNAUTHENTICATED: "UNAUTHENTICATED",
	funding.EFORBIDDEN:       "FORBIDDEN",
	funding.EUNAVAILABLE:     "SERVICE_UNAVAILABLE",
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
		case errors.As(err, &fe):
			gerr.Message = fe.Message
			gerr.Extensions = map[string]any{"code": codes[fe.Code]}
			field := fe.Field
			if field == "" && fe.Code == funding.EINVALID {
				field = argumentPath(ctx, gerr.Path)
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

// argumentPath is the part of an error's path below the field being resolved: the path of
// the argument whose value failed to parse, e.g. "filter.startsOn.gte".
func argumentPath(ctx context.Context, path ast.Path) string {
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
	return b.String()
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
