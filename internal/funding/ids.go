package funding

import (
	"encoding/base64"
	"strings"
)

// Type names used in global ids.
const (
	TypeCountry    = "Country"
	TypeDonor      = "Donor"
	TypeAgreement  = "Agreement"
	TypeTrustFund  = "TrustFund"
	TypeAllocation = "Allocation"
	TypeProject    = "Project"
)

// GlobalID makes the opaque id of an object: the base64url form of "Type:localID".
func GlobalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// ParseGlobalID splits a global id into its type and local id. field names the argument
// for the error.
func ParseGlobalID(field, gid string) (typ, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err == nil {
		var ok bool
		typ, id, ok = strings.Cut(string(b), ":")
		if ok && id != "" && validType(typ) {
			return typ, id, nil
		}
	}
	return "", "", Invalid(field, "%q is not a coopgraph id", gid)
}

// LocalID returns the local id of gid, which must be an id of type typ.
func LocalID(field, typ, gid string) (string, error) {
	t, id, err := ParseGlobalID(field, gid)
	if err != nil {
		return "", err
	}
	if t != typ {
		return "", Invalid(field, "id %q is a %s id, not a %s id", gid, t, typ)
	}
	return id, nil
}

func validType(t string) bool {
	switch t {
	case TypeCountry, TypeDonor, TypeAgreement, TypeTrustFund, TypeAllocation, TypeProject:
		return true
	}
	return false
}
