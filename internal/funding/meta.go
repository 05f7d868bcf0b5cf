package funding

import "time"

// Meta is the bookkeeping every entity carries: Version counts its changes (1 when
// created) and is what updates and deletes compare against to refuse stale edits.
type Meta struct {
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Change is the id of the audit entry of the change that made this version (empty
	// for data loaded by the seed): start-up reconciliation matches pending entries by it.
	Change string
}

// Metadata is m itself: through each entity's embedded Meta, (*Donor).Metadata and the
// like give an entity's bookkeeping to code that treats every kind alike.
func (m *Meta) Metadata() *Meta { return m }

// AuditEntry records one change: who made it, when, to what, which fields, and the entity
// before and after (nil for a create's before and a delete's after).
type AuditEntry struct {
	ID         string
	At         time.Time
	Actor      string // the API key's name
	Action     AuditAction
	EntityType string // a global id type name, e.g. "Project"
	EntityID   string // the local id
	Version    int    // the entity's version after the change (before it, for a delete)
	Fields     []string
	Before     map[string]any
	After      map[string]any
}

// AuditAction is what a change did.
type AuditAction string

// Audit actions.
const (
	ActionCreate AuditAction = "CREATE"
	ActionUpdate AuditAction = "UPDATE"
	ActionDelete AuditAction = "DELETE"
)

// AuditQuery selects audit entries, newest first; empty fields select all.
type AuditQuery struct {
	Actor      string
	EntityType string
	EntityID   string // local id
	Action     string
	Since      time.Time
	AfterID    string // only entries older than this one
	Limit      int
}
