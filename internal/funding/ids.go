package funding

import "slices"

// Kind is the kind of an entity, e.g. TypeDonor.
type Kind string

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

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
