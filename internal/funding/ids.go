package funding

// Kinds of entity. Each entity is named by its kind and its local id (the document's _id,
// e.g. "flanders"; the ISO code for a country). The constants are untyped so that they
// serve as a Kind and as the entity type of an audit entry alike.
const (
	TypeCountry    = "Country"
	TypeDonor      = "Donor"
	TypeAgreement  = "Agreement"
	TypeTrustFund  = "TrustFund"
	TypeAllocation = "Allocation"
	TypeProject    = "Project"
)

// Kind is the kind of an entity, e.g. TypeDonor.
type Kind string

// Kinds lists every kind of entity.
var Kinds = []Kind{TypeCountry, TypeDonor, TypeAgreement, TypeTrustFund, TypeAllocation, TypeProject}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// ID names one entity: its kind and its local id. The API shows it as an opaque global
// id; that format belongs to the GraphQL layer (graph/ids.go), which decodes ids before
// they reach the domain or the store.
type ID struct {
	Kind  Kind
	Local string
}

// CheckKind returns an EINVALID error naming field unless id is of kind want.
func CheckKind(field string, want Kind, id ID) error {
	if id.Kind != want {
		return Invalid(field, "this is a %s id, not a %s id", id.Kind, want)
	}
	return nil
}

// Locals returns the local ids of ids.
func Locals(ids []ID) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Local
	}
	return out
}
