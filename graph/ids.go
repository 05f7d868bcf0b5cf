package graph

import (
	"encoding/base64"
	"strings"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Type names used in global ids.
const (
	typeCountry    = "Country"
	typeDonor      = "Donor"
	typeAgreement  = "Agreement"
	typeTrustFund  = "TrustFund"
	typeAllocation = "Allocation"
	typeProject    = "Project"
)

// globalID makes the opaque id of an object: the base64url form of "Type:localID".
func globalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// parseGlobalID splits a global id into its type and local id. field names the argument
// for the error.
func parseGlobalID(field, gid string) (typ, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err == nil {
		var ok bool
		typ, id, ok = strings.Cut(string(b), ":")
		if ok && id != "" && validType(typ) {
			return typ, id, nil
		}
	}
	return "", "", funding.Invalid(field, "%q is not a coopgraph id", gid)
}

// localID returns the local id of gid, which must be an id of type typ.
func localID(field, typ, gid string) (string, error) {
	t, id, err := parseGlobalID(field, gid)
	if err != nil {
		return "", err
	}
	if t != typ {
		return "", funding.Invalid(field, "id %q is a %s id, not a %s id", gid, t, typ)
	}
	return id, nil
}

func validType(t string) bool {
	switch t {
	case typeCountry, typeDonor, typeAgreement, typeTrustFund, typeAllocation, typeProject:
		return true
	}
	return false
}

// Node is any object with a global id: one of the *funding entity types.
type Node interface{}
