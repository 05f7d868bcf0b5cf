package graph

import (
	"encoding/base64"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Global ids. The schema's ID scalar is bound to funding.ID (gqlgen.yml): gqlgen decodes
// every id argument and input field with UnmarshalID before a resolver runs, so a
// malformed id is refused on its own argument path ("filter.donorId.eq", "ids[2]") and
// past this file the code sees kinds and local ids only. Which kind an argument expects
// is checked where the schema says it: funding's filter Validate, lookup and ref.

// GlobalID is the opaque form of id: base64url (no padding) of "Kind:local".
func GlobalID(id funding.ID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(id.Kind) + ":" + id.Local))
}

// ParseGlobalID decodes a global id. It returns an EINVALID error without a field (the
// error presenter names the argument) unless s is the global id of a known kind.
func ParseGlobalID(s string) (funding.ID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		kind, local, ok := strings.Cut(string(b), ":")
		if ok && local != "" && funding.Kind(kind).Valid() {
			return funding.ID{Kind: funding.Kind(kind), Local: local}, nil
		}
	}
	return funding.ID{}, funding.Invalid("", "%q is not a coopgraph id", s)
}

// MarshalID writes an id in its global form.
func MarshalID(id funding.ID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(GlobalID(id)))
	})
}

// UnmarshalID reads a global id made by GlobalID. Like gqlgen's own ID, it takes a string
// or an integer (which is never a coopgraph id).
func UnmarshalID(v any) (funding.ID, error) {
	s, err := graphql.UnmarshalID(v)
	if err != nil {
		return funding.ID{}, funding.Invalid("", "%v", err)
	}
	return ParseGlobalID(s)
}

// localID returns the local id of id, which must be of kind k; field names the argument.
func localID(field string, k funding.Kind, id funding.ID) (string, error) {
	if err := funding.CheckKind(field, k, id); err != nil {
		return "", err
	}
	return id.Local, nil
}

// nodeID is the id of the entity of kind k with the local id, as an object's id field
// returns it.
func nodeID(k funding.Kind, local string) *funding.ID { return &funding.ID{Kind: k, Local: local} }
