package mongostore

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Normalised text: lower case without accents, stored beside names and titles so that
// text filters ignore case and accents ("mocambique" finds "Moçambique").
//
// A chain of transformers keeps state (its buffers) while it runs, so each goroutine takes
// its own from the pool: one shared chain gave concurrent filters each other's text.
var unaccents = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

func normalize(s string) string {
	t := unaccents.Get().(transform.Transformer)
	out, _, err := transform.String(t, s)
	unaccents.Put(t)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// Operator translations. path is the stored field; field the input path for errors.

// localIDs is an id filter as a filter of local ids. The ids' kinds were checked by the
// filter's Validate at the API's edge.
func localIDs(f *funding.IDFilter) *funding.CodeFilter {
	if f == nil {
		return nil
	}
	local := func(id *funding.ID) *string {
		if id == nil {
			return nil
		}
		return &id.Local
	}
	return &funding.CodeFilter{Eq: local(f.Eq), Ne: local(f.Ne), In: funding.Locals(f.In), NotIn: funding.Locals(f.NotIn)}
}

// idCond matches a reference at path by id.
func idCond(path string, f *funding.IDFilter) bson.D {
	return enumCond(path, localIDs(f))
}

func field1(path string, ops bson.D) bson.D {
	if len(ops) == 0 {
		return bson.D{}
	}
	return bson.D{{Key: path, Value: ops}}
}

// enumCond matches an exact string or enum at path. ne and notIn are written as $nor of a
// match rather than $ne/$nin: on an array path (a project's countries.code) FerretDB v1.24
// matches $ne when any element differs, where MongoDB requires that none is equal; $nor
// means "no element equals" on both.
func enumCond[T ~string](path string, f *funding.EnumFilter[T]) bson.D {
	if f == nil {
		return bson.D{}
	}
	strs := func(xs []T) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = string(x)
		}
		return out
	}
	var conds bson.A
	if f.Eq != nil {
		conds = append(conds, bson.D{{Key: path, Value: string(*f.Eq)}})
	}
	if f.In != nil {
		conds = append(conds, in(path, strs(f.In)))
	}
	if f.Ne != nil {
		conds = append(conds, none(path, []string{string(*f.Ne)}))
	}
	if f.NotIn != nil {
		conds = append(conds, none(path, strs(f.NotIn)))
	}
	return and(conds)
}

// none matches documents where no value at path is one of vals.
func none(path string, vals []string) bson.D {
	return bson.D{{Key: "$nor", Value: bson.A{in(path, vals)}}}
}

func rangeCond[T, V any](path string, f *funding.RangeFilter[T], conv func(T) V) bson.D {
	if f == nil {
		return bson.D{}
	}
	ops := bson.D{}
	for _, o := range []struct {
		op string
		v  *T
	}{{"$eq", f.Eq}, {"$gt", f.Gt}, {"$gte", f.Gte}, {"$lt", f.Lt}, {"$lte", f.Lte}} {
		if o.v != nil {
			ops = append(ops, bson.E{Key: o.op, Value: conv(*o.v)})
		}
	}
	if f.In != nil {
		vs := make([]V, len(f.In))
		for i, v := range f.In {
			vs[i] = conv(v)
		}
		ops = append(ops, bson.E{Key: "$in", Value: vs})
	}
	return field1(path, ops)
}

func intCond(path string, f *funding.IntFilter) bson.D {
	return rangeCond(path, f, func(v int) int64 { return int64(v) })
}

// decimalCond compares amounts in thousandths (the stored amount.milli). Values were
// parsed by Validate already.
func decimalCond(path string, f *funding.DecimalFilter) bson.D {
	return rangeCond(path, f, func(v string) int64 {
		n, _ := funding.ParseUnits(v, 3)
		return n
	})
}

func dateCond(path string, f *funding.DateFilter) bson.D {
	if f == nil {
		return bson.D{}
	}
	c := rangeCond(path, &f.RangeFilter, funding.Date.Time)
	if f.IsNull != nil {
		c = and(bson.A{c, bson.D{{Key: path, Value: bson.D{{Key: "$exists", Value: !*f.IsNull}}}}})
	}
	return c
}

// textCond matches the normalised copies of a text at paths (any of them); the user's text
// is quoted, so it is always a literal.
func textCond(f *funding.TextFilter, paths ...string) bson.D {
	if f == nil {
		return bson.D{}
	}
	anyOf := func(pattern string) bson.D {
		var or bson.A
		for _, p := range paths {
			or = append(or, bson.D{{Key: p, Value: bson.D{{Key: "$regex", Value: pattern}}}})
		}
		if len(or) == 1 {
			return or[0].(bson.D)
		}
		return bson.D{{Key: "$or", Value: or}}
	}
	var conds bson.A
	if f.StartsWith != nil {
		conds = append(conds, anyOf("^"+regexp.QuoteMeta(normalize(*f.StartsWith))))
	}
	if f.Contains != nil {
		conds = append(conds, anyOf(regexp.QuoteMeta(normalize(*f.Contains))))
	}
	return and(conds)
}

// refCond turns a filter on a related entity's codes into a condition on path: eq and in
// become $in of the matching ids, ne and notIn $nin. ids resolves a set of values to the
// ids they stand for (e.g. a region to its countries' codes).
func refCond(path string, f *funding.CodeFilter, ids func([]string) ([]string, error)) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	var conds bson.A
	for _, o := range []struct {
		match bool
		vals  []string
	}{{true, one(f.Eq)}, {false, one(f.Ne)}, {true, f.In}, {false, f.NotIn}} {
		if o.vals == nil {
			continue
		}
		got, err := ids(o.vals)
		if err != nil {
			return nil, err
		}
		if o.match {
			conds = append(conds, in(path, nonNil(got)))
		} else {
			conds = append(conds, none(path, nonNil(got)))
		}
	}
	return and(conds), nil
}

// refIDCond is refCond for filters by id.
func refIDCond(path string, f *funding.IDFilter, ids func([]string) ([]string, error)) (bson.D, error) {
	return refCond(path, localIDs(f), ids)
}

func one(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

// boolConds translates and, or and not of an entity filter at path with translate.
func boolConds[F any](path string, and_, or []F, not *F, translate func(*F, string) (bson.D, error)) (bson.A, error) {
	var conds bson.A
	all := func(op string, fs []F) (bson.A, error) {
		var out bson.A
		for i := range fs {
			p := fmt.Sprintf("%s.%s[%d]", path, op, i)
			if op == "not" {
				p = path + ".not"
			}
			d, err := translate(&fs[i], p)
			if err != nil {
				return nil, err
			}
			if len(d) == 0 {
				d = bson.D{{Key: "_id", Value: bson.D{{Key: "$exists", Value: true}}}}
			}
			out = append(out, d)
		}
		return out, nil
	}
	for _, part := range []struct {
		op, mongo string
		fs        []F
	}{{"and", "$and", and_}, {"or", "$or", or}, {"not", "$nor", notList(not)}} {
		if part.fs == nil {
			continue
		}
		docs, err := all(part.op, part.fs)
		if err != nil {
			return nil, err
		}
		conds = append(conds, bson.D{{Key: part.mongo, Value: docs}})
	}
	return conds, nil
}

func notList[F any](f *F) []F {
	if f == nil {
		return nil
	}
	return []F{*f}
}

// conds collects translated conditions, keeping the first error.
type conds struct {
	parts bson.A
	err   error
}

func (c *conds) add(d bson.D, err error) {
	if c.err == nil {
		c.err = err
		c.parts = append(c.parts, d)
	}
}

func (c *conds) addAll(ds bson.A, err error) {
	if c.err == nil {
		c.err = err
		c.parts = append(c.parts, ds...)
	}
}

func (c *conds) result() (bson.D, error) {
	if c.err != nil {
		return nil, c.err
	}
	return and(c.parts), nil
}
