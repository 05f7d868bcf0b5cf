package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/coopgraph/coopgraph/graph"
	"github.com/coopgraph/coopgraph/internal/metrics"
)

// Limits bound the work one request can make the server do. The document limits are
// checked before the document is validated or executed, in time linear in its size: each
// fragment is measured once, however often it is spread.
type Limits struct {
	BodyBytes     int64 // bytes of a request body
	Tokens        int   // lexical tokens of the document
	Operations    int   // operations in the document
	Fields        int   // fields an operation or fragment selects, its fragments expanded
	Aliases       int   // aliased fields, fragments expanded
	Depth         int   // fields nested in fields
	Directives    int   // directives used, fragments expanded
	Introspection int   // __schema and __type fields, fragments expanded
	Cost          int   // graph.OperationCost of the operation run
	Reads         int   // documents the operation may make the store read (graph.Cost.Reads)
	StringLen     int   // characters of one string argument or variable
	ListLen       int   // entries of one list argument or variable
	InputDepth    int   // nesting of objects and lists in one argument or variable
}

// DefaultLimits fit every query of the README and the playground's introspection with
// room to spare.
var DefaultLimits = Limits{
	BodyBytes:     1 << 20,
	Tokens:        10_000,
	Operations:    20,
	Fields:        2_000,
	Aliases:       200,
	Depth:         20,
	Directives:    100,
	Introspection: 2,
	Cost:          250_000,
	Reads:         50_000,
	StringLen:     10_000,
	ListLen:       1_000,
	InputDepth:    16,
}

// limiter is the gqlgen extension that enforces Limits (all but the body's) and puts the
// cost of every operation into the response's extensions.cost.
type limiter struct {
	l     Limits
	sizes *sizes // the store's collection sizes, for the cost of reads
	// measured holds documents already found within the limits, with the names of their
	// Int variables. Only documents that run are kept, here and in gqlgen's query cache
	// (docs): not those that do not parse, are invalid or are over a limit.
	measured *cache[[]string]
	docs     *cache[*ast.QueryDocument]
	apq      *persisted // nil with the allow-list
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = (*limiter)(nil)

func newLimiter(l Limits, sz *sizes, docs *cache[*ast.QueryDocument], apq *persisted, m *metrics.Metrics) *limiter {
	return &limiter{l: l, sizes: sz, docs: docs, apq: apq, measured: newCache(measuredCacheBytes, namesBytes, m.CacheBytes("measured"))}
}

func (*limiter) ExtensionName() string                   { return "Limits" }
func (*limiter) Validate(graphql.ExecutableSchema) error { return nil }

// limitError refuses a request over a limit: extensions.code names the limit and
// extensions.limit gives its value.
func limitError(code string, limit int, format string, args ...any) *gqlerror.Error {
	err := codedError(code, fmt.Sprintf(format, args...))
	err.Extensions["limit"] = limit
	return err
}

// MutateOperationParameters checks the variables and the document before gqlgen parses
// and validates it.
func (x *limiter) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	for name, v := range p.Variables {
		if _, text := v.(string); text {
			continue // checked once it is known where it goes (MutateOperationContext)
		}
		if err := x.checkInput("$"+name, v, 1); err != nil {
			return err
		}
	}
	ints, ok := x.measured.Get(ctx, p.Query)
	if !ok {
		var err *gqlerror.Error
		if ints, err = x.checkDocument(p.Query); err != nil {
			return err
		}
	}
	return checkInts(ints, p.Variables)
}

// checkInts refuses Int variables whose JSON number is not a 32-bit whole number, with a
// clearer message than the validator's.
func checkInts(names []string, vars map[string]any) *gqlerror.Error {
	for _, name := range names {
		n, ok := vars[name].(json.Number)
		if !ok {
			continue // absent, null or not a number: validation says what is wrong
		}
		if i, err := strconv.ParseInt(string(n), 10, 32); err != nil || i != int64(int32(i)) {
			err := codedError("BAD_USER_INPUT", fmt.Sprintf("$%s: %s is not an Int, a whole number from %d to %d", name, n, math.MinInt32, math.MaxInt32))
			err.Extensions["field"] = "$" + name
			return err
		}
	}
	return nil
}

// MutateOperationContext computes the cost of the validated operation and the documents
// its fields may make the store read (from the store's size as it is), and refuses it
// over either limit, naming the lists that multiply the cost or the field that reads the
// most.
func (x *limiter) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	// A text variable is limited like any text, unless it is the file importIati uploads
	// (bounded by the body limit only).
	for name, v := range rc.Variables {
		if s, text := v.(string); text && !uploadedFile(rc.Operation.SelectionSet, name) {
			if err := x.checkString("$"+name, s); err != nil {
				return err
			}
		}
	}
	c := graph.OperationCost(rc.Operation, rc.Variables, x.sizes.holdings(ctx))
	rc.Stats.SetExtension("cost", c.Total)
	rc.Stats.SetExtension("reads", c.Reads)
	if c.Total > x.l.Cost {
		x.docs.Remove(rc.RawQuery) // gqlgen keeps every document that validates
		err := limitError("COMPLEXITY_LIMIT_EXCEEDED", x.l.Cost, "the query costs %d, more than the limit of %d: %s",
			c.Total, x.l.Cost, c.Advice(x.l.Cost))
		err.Extensions["cost"], err.Extensions["reads"] = c.Total, c.Reads
		return err
	}
	if x.l.Reads > 0 && c.Reads > x.l.Reads {
		x.docs.Remove(rc.RawQuery)
		err := limitError("COMPLEXITY_LIMIT_EXCEEDED", x.l.Reads, "the query may make the store read %d documents, more than the limit of %d: %s",
			c.Reads, x.l.Reads, c.ReadAdvice())
		err.Extensions["cost"], err.Extensions["reads"] = c.Total, c.Reads
		return err
	}
	x.measured.Add(ctx, rc.RawQuery, intVariables(rc.Doc))
	if x.apq != nil {
		x.apq.keep(ctx, rc)
	}
	return nil
}

// uploadedFile reports whether the variable name is the xml argument of a top-level
// importIati field of set.
func uploadedFile(set ast.SelectionSet, name string) bool {
	for _, sel := range set {
		if f, ok := sel.(*ast.Field); ok && f.Name == "importIati" {
			if a := f.Arguments.ForName("xml"); a != nil && a.Value.Kind == ast.Variable && a.Value.Raw == name {
				return true
			}
		}
	}
	return false
}

// InterceptResponse adds the operation's cost and reads to the response's extensions.
func (x *limiter) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		stats := graphql.GetOperationContext(ctx).Stats
		for _, k := range []string{"cost", "reads"} {
			if v := stats.GetExtension(k); v != nil {
				graphql.RegisterExtension(ctx, k, v)
			}
		}
	}
	return next(ctx)
}

// checkDocument counts the document's tokens, then measures each operation and fragment.
// It returns the names of the variables of type Int.
func (x *limiter) checkDocument(query string) ([]string, *gqlerror.Error) {
	lx := lexer.New(&ast.Source{Input: query})
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break // a lexical error is the parser's to report
		}
		if n == x.l.Tokens {
			return nil, limitError("TOKEN_LIMIT_EXCEEDED", x.l.Tokens, "the document has more than %d tokens (names, punctuation and values): send a shorter document, and pass large values as variables", x.l.Tokens)
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, nil // gqlgen reports it with its position
	}
	if n := len(doc.Operations); n > x.l.Operations {
		return nil, limitError("OPERATION_LIMIT_EXCEEDED", x.l.Operations, "the document holds %d operations, more than %d: send only the operations you mean to run", n, x.l.Operations)
	}
	m := measurer{frags: map[string]*ast.FragmentDefinition{}, memo: map[string]*shape{}}
	for _, f := range doc.Fragments {
		m.frags[f.Name] = f
	}
	for _, op := range doc.Operations {
		s := m.selections(op.SelectionSet)
		s.directives += len(op.Directives)
		name := "the operation"
		if op.Name != "" {
			name = "operation " + op.Name
		}
		if err := x.checkShape(name, s); err != nil {
			return nil, err
		}
		if err := x.checkArguments(op.SelectionSet); err != nil {
			return nil, err
		}
	}
	for _, f := range doc.Fragments {
		if err := x.checkShape("fragment "+f.Name, m.fragment(f.Name)); err != nil {
			return nil, err
		}
		if err := x.checkArguments(f.SelectionSet); err != nil {
			return nil, err
		}
	}
	return intVariables(doc), nil
}

// intVariables are the names of the variables of type Int of doc's operations.
func intVariables(doc *ast.QueryDocument) []string {
	var ints []string
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			if v.Type != nil && v.Type.NamedType == "Int" {
				ints = append(ints, v.Variable)
			}
		}
	}
	return ints
}

func (x *limiter) checkShape(name string, s shape) *gqlerror.Error {
	var err *gqlerror.Error
	switch {
	case s.fields > x.l.Fields:
		err = limitError("FIELD_LIMIT_EXCEEDED", x.l.Fields, "%s selects %d fields once its fragments are expanded, more than %d: select fewer fields, or spread big fragments fewer times", name, s.fields, x.l.Fields)
	case s.aliases > x.l.Aliases:
		err = limitError("ALIAS_LIMIT_EXCEEDED", x.l.Aliases, "%s uses %d aliases, more than %d: instead of aliasing a field many times, ask for a list with a filter", name, s.aliases, x.l.Aliases)
	case s.depth > x.l.Depth:
		err = limitError("DEPTH_LIMIT_EXCEEDED", x.l.Depth, "%s nests fields %d deep, more than %d: split it into queries that start from the objects you reach", name, s.depth, x.l.Depth)
	case s.directives > x.l.Directives:
		err = limitError("DIRECTIVE_LIMIT_EXCEEDED", x.l.Directives, "%s uses %d directives, more than %d: use fewer @include and @skip", name, s.directives, x.l.Directives)
	case s.introspection > x.l.Introspection:
		err = limitError("INTROSPECTION_LIMIT_EXCEEDED", x.l.Introspection, "%s asks for __schema or __type %d times, more than %d: fetch the schema once and keep it", name, s.introspection, x.l.Introspection)
	}
	return err
}

// shape is what a selection set expands to.
type shape struct {
	fields, aliases, directives, introspection, depth int
}

// maxCount caps counts, so that fragments spread twice 60 times do not overflow.
const maxCount = 1 << 40

func (s *shape) add(o shape) {
	s.fields = min(s.fields+o.fields, maxCount)
	s.aliases = min(s.aliases+o.aliases, maxCount)
	s.directives = min(s.directives+o.directives, maxCount)
	s.introspection = min(s.introspection+o.introspection, maxCount)
	s.depth = max(s.depth, o.depth)
}

// measurer measures selection sets, each fragment once.
type measurer struct {
	frags map[string]*ast.FragmentDefinition
	memo  map[string]*shape // nil while a fragment is being measured (a cycle)
}

func (m *measurer) fragment(name string) shape {
	if s, seen := m.memo[name]; seen {
		if s == nil {
			return shape{} // a cycle; validation reports it
		}
		return *s
	}
	f := m.frags[name]
	if f == nil {
		return shape{} // unknown; validation reports it
	}
	m.memo[name] = nil
	s := m.selections(f.SelectionSet)
	s.directives += len(f.Directives)
	m.memo[name] = &s
	return s
}

func (m *measurer) selections(set ast.SelectionSet) shape {
	var total shape
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c := m.selections(s.SelectionSet)
			c.depth++
			c.fields++
			c.directives += len(s.Directives)
			if s.Alias != "" && s.Alias != s.Name {
				c.aliases++
			}
			if s.Name == "__schema" || s.Name == "__type" {
				c.introspection++
			}
			total.add(c)
		case *ast.InlineFragment:
			c := m.selections(s.SelectionSet)
			c.directives += len(s.Directives)
			total.add(c)
		case *ast.FragmentSpread:
			c := m.fragment(s.Name)
			c.directives += len(s.Directives)
			total.add(c)
		}
	}
	return total
}

// checkArguments bounds the literal arguments written in a selection set (not expanding
// fragments: each is checked once on its own).
func (x *limiter) checkArguments(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if err := x.checkValue(a.Name, a.Value, 1); err != nil {
					err.Message = "on " + s.Alias + ", " + err.Message
					return err
				}
			}
			if err := x.checkArguments(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := x.checkArguments(s.SelectionSet); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *limiter) checkValue(path string, v *ast.Value, depth int) *gqlerror.Error {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return x.checkString(path, v.Raw)
	case ast.ListValue, ast.ObjectValue:
		if err := x.checkNesting(path, depth, v.Kind == ast.ListValue, len(v.Children)); err != nil {
			return err
		}
		for i, c := range v.Children {
			p := path + "." + c.Name
			if v.Kind == ast.ListValue {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if err := x.checkValue(p, c.Value, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkInput bounds a variable's value, as decoded from JSON.
func (x *limiter) checkInput(path string, v any, depth int) *gqlerror.Error {
	switch v := v.(type) {
	case string:
		return x.checkString(path, v)
	case []any:
		if err := x.checkNesting(path, depth, true, len(v)); err != nil {
			return err
		}
		for i, c := range v {
			if err := x.checkInput(fmt.Sprintf("%s[%d]", path, i), c, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		if err := x.checkNesting(path, depth, false, len(v)); err != nil {
			return err
		}
		for k, c := range v {
			if err := x.checkInput(path+"."+k, c, depth+1); err != nil {
				return err
			}
		}
	case json.Number:
		return x.checkString(path, string(v))
	}
	return nil
}

func (x *limiter) checkString(path, s string) *gqlerror.Error {
	if len(s) > x.l.StringLen && utf8.RuneCountInString(s) > x.l.StringLen {
		return inputError(path, x.l.StringLen, "a text of %d characters is longer than the limit of %d", utf8.RuneCountInString(s), x.l.StringLen)
	}
	return nil
}

func (x *limiter) checkNesting(path string, depth int, list bool, n int) *gqlerror.Error {
	if depth > x.l.InputDepth {
		return inputError(path, x.l.InputDepth, "the value nests lists and objects more than %d deep", x.l.InputDepth)
	}
	if list && n > x.l.ListLen {
		return inputError(path, x.l.ListLen, "a list of %d entries is longer than the limit of %d", n, x.l.ListLen)
	}
	return nil
}

// inputError refuses an argument or variable over a size limit, naming it in
// extensions.field.
func inputError(path string, limit int, format string, args ...any) *gqlerror.Error {
	err := limitError("INPUT_LIMIT_EXCEEDED", limit, format, args...)
	err.Message = path + ": " + err.Message
	err.Extensions["field"] = path
	return err
}
