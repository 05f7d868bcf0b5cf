package graph

import (
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// MarshalDate writes a Date as "YYYY-MM-DD", or null when it is unset.
func MarshalDate(d funding.Date) graphql.Marshaler {
	if d.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(d.String()))
	})
}

// UnmarshalDate reads a Date from "YYYY-MM-DD".
func UnmarshalDate(v any) (funding.Date, error) {
	s, ok := v.(string)
	if !ok {
		return funding.Date{}, funding.Invalid("", "a Date must be a string of the form YYYY-MM-DD, got %s", describe(v))
	}
	d, err := funding.ParseDate(s)
	if err != nil {
		return funding.Date{}, funding.Invalid("", "%v", err)
	}
	return d, nil
}

func describe(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
