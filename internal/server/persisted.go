package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Manifest is an allow-list of operations, read from the persisted-operation manifest a
// frontend's build emits:
//   - Apollo's (@apollo/generate-persisted-query-manifest):
//     {"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":…,"name":…,"type":…,"body":…}]}
//   - Relay's (relay-compiler's persistConfig): {"<id>": "<operation text>", …}
//
// An operation is found by its id in the manifest, by the SHA-256 (hex) of its text, or by
// its exact text.
type Manifest struct {
	byID  map[string]string // manifest ids and SHA-256 hashes of the texts → text
	n     int               // operations in the manifest
	names []string          // the names of its operations: the metrics' only operation labels
}

// apolloManifestFormat is the format field of Apollo's manifest.
const apolloManifestFormat = "apollo-persisted-query-manifest"

// LoadManifest reads a manifest file (see Manifest).
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseManifest(b)
}

// ParseManifest reads an Apollo or Relay manifest. Every operation must parse as GraphQL.
func ParseManifest(b []byte) (*Manifest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	m := &Manifest{byID: map[string]string{}}
	if _, ok := top["format"]; ok {
		var a struct {
			Format     string
			Version    int
			Operations []struct{ ID, Name, Body string }
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("not an Apollo persisted query manifest: %v", err)
		}
		if a.Format != apolloManifestFormat || a.Version != 1 {
			return nil, fmt.Errorf("format %q version %d: only %q version 1 (Apollo) and Relay's {id: text} are understood", a.Format, a.Version, apolloManifestFormat)
		}
		for i, op := range a.Operations {
			if op.ID == "" {
				return nil, fmt.Errorf("operation %d (%s) has no id", i+1, op.Name)
			}
			if err := m.add(op.ID, op.Body); err != nil {
				return nil, err
			}
		}
	} else {
		for _, id := range slices.Sorted(maps.Keys(top)) { // the same problem reported first every time
			var text string
			if err := json.Unmarshal(top[id], &text); err != nil {
				return nil, fmt.Errorf("neither an Apollo persisted query manifest (no format field) nor a Relay one (%q is not a string of GraphQL)", id)
			}
			if err := m.add(id, text); err != nil {
				return nil, err
			}
		}
	}
	if m.n == 0 {
		return nil, errors.New("the manifest holds no operations")
	}
	return m, nil
}

// add adds one operation under its id and the hash of its text.
func (m *Manifest) add(id, text string) error {
	doc, err := parser.ParseQuery(&ast.Source{Input: text})
	if err != nil {
		return fmt.Errorf("operation %q is not GraphQL: %v", id, err)
	}
	for _, op := range doc.Operations {
		if op.Name != "" {
			m.names = append(m.names, op.Name)
		}
	}
	if old, ok := m.byID[id]; ok && old != text {
		return fmt.Errorf("id %q names two different operations", id)
	}
	m.byID[id] = text
	m.byID[textHash(text)] = text
	m.n++
	return nil
}

// Len is the number of operations in the manifest.
func (m *Manifest) Len() int { return m.n }

// allows reports whether text is exactly one of the manifest's operations.
func (m *Manifest) allows(text string) bool {
	t, ok := m.byID[textHash(text)]
	return ok && t == text
}

func textHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// documentIDExtension is the request extension under which the transport passes the id a
// client sent at the top of its request (Relay's doc_id, documentId or id).
const documentIDExtension = "documentId"

// allowList is the gqlgen extension of allow-list mode: before anything is parsed, it
// replaces an operation id by the manifest's text and refuses any other operation. It
// takes the place of automatic persisted queries, so no client can add an operation.
type allowList struct {
	m *Manifest
	// also are texts the server itself runs through the API (the CSV export's query).
	also []string
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = allowList{}

func (allowList) ExtensionName() string                   { return "OperationAllowList" }
func (allowList) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters accepts a request that names a manifest operation by id
// (Apollo's extensions.persistedQuery.sha256Hash, or Relay's id, see
// documentIDExtension), with no text or its exact text, or that sends the exact text of a
// manifest operation. It refuses anything else.
func (a allowList) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if id := requestedID(p.Extensions); id != "" {
		text, ok := a.m.byID[id]
		if !ok {
			return codedError("PERSISTED_QUERY_NOT_IN_LIST", fmt.Sprintf("no operation has the id %q in this server's operations manifest: this server runs only the operations its frontends ship; add yours to the manifest it was started with", clip(id, 80)))
		}
		if p.Query != "" && p.Query != text {
			return codedError("OPERATION_NOT_ALLOWED", fmt.Sprintf("the text sent is not the operation %q of this server's operations manifest: send the id alone, or the id with the exact text", clip(id, 80)))
		}
		p.Query = text
		return nil
	}
	if a.m.allows(p.Query) {
		return nil
	}
	for _, t := range a.also {
		if p.Query == t {
			return nil
		}
	}
	return codedError("OPERATION_NOT_ALLOWED", "this server runs only the operations its frontends ship (its operations manifest): send the id of one of them, or its exact text")
}

// requestedID is the operation id a request sent, or "".
func requestedID(ext map[string]any) string {
	if pq, ok := ext["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok && h != "" {
			return h
		}
	}
	id, _ := ext[documentIDExtension].(string)
	return id
}

// clip shortens s to at most n bytes, for echoing a client's value in a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// noIntrospection refuses operations that ask for __schema or __type, with
// INTROSPECTION_DISABLED, once the document is validated. (Without gqlgen's Introspection
// extension they would fail while running, with an uncoded error.) __typename stays
// allowed: clients such as Apollo's need it.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if introspects(rc.Doc, rc.Operation.SelectionSet, map[string]bool{}) {
		return codedError("INTROSPECTION_DISABLED", "introspection (__schema, __type) is switched off on this server: get the schema from its developers, or from a development server")
	}
	return nil
}

// introspects reports whether a root selection set selects __schema or __type, through
// fragments too (validation allows them only at the root, so fields are not descended).
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(s.Name); f != nil && !seen[s.Name] {
				seen[s.Name] = true
				if introspects(doc, f.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

// rulesWithoutSuggestions are gqlparser's validation rules with every rule that suggests
// names ("Did you mean …?") replaced by its variant that does not: with introspection off,
// an invalid query must not reveal the schema's fields, types, arguments or enum values.
// (gqlgen's SetDisableSuggestion, set too, swaps only FieldsOnCorrectType and ScalarLeafs.)
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for _, swap := range [][2]core.Rule{
		{rules.KnownArgumentNamesRule, rules.KnownArgumentNamesRuleWithoutSuggestions},
		{rules.KnownTypeNamesRule, rules.KnownTypeNamesRuleWithoutSuggestions},
		{rules.ValuesOfCorrectTypeRule, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
	} {
		r.RemoveRule(swap[0].Name)
		r.AddRule(swap[1].Name, swap[1].RuleFunc)
	}
	return r
}
