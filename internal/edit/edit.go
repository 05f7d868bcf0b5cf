// Package edit changes coopgraph's data safely: it validates an input as a whole (domain
// rules and references), refuses stale edits by version, refuses deletes of what is still
// referred to, and records every change in the audit log. Each change writes one document
// (or one batch, all or nothing), so no failure leaves a half-written change on a store
// without multi-document transactions.
package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Store is what the service reads and writes.
type Store interface {
	funding.Reader
	funding.Writers

	ExchangeRates(ctx context.Context, currency string, years []int) ([]*funding.ExchangeRate, error)
	PutExchangeRates(ctx context.Context, rs []*funding.ExchangeRate) error
	BeginAudit(ctx context.Context, e *funding.AuditEntry) error
	EndAudit(ctx context.Context, id string, happened bool) error
}

// Service makes changes on behalf of an actor (an API key's name).
type Service struct {
	store Store
	newID func() string
	now   func() time.Time
}

// New returns a service over store; newID makes ids for new objects and audit entries
// (they must sort by creation time).
func New(store Store, newID func() string) *Service {
	return &Service{store: store, newID: newID, now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// NewID makes an id the way the service makes those of new objects and audit entries, for
// writers beside it (the IATI import).
func (s *Service) NewID() string { return s.newID() }

// record runs write between a pending and a final audit entry of the change; change is
// the entry's id, which the new version carries in its Meta.Change.
func (s *Service) record(ctx context.Context, change, actor string, action funding.AuditAction, typ, id string, version int, before, after any, write func() error) error {
	e := &funding.AuditEntry{
		ID: change, At: s.now(), Actor: actor, Action: action, EntityType: typ, EntityID: id,
		Version: version, Before: asMap(before), After: asMap(after),
	}
	e.Fields = changed(e.Before, e.After)
	if err := s.store.BeginAudit(ctx, e); err != nil {
		return err
	}
	err := write()
	if endErr := s.store.EndAudit(ctx, e.ID, err == nil); err == nil && endErr != nil {
		return endErr
	}
	return err
}

// asMap is an entity as a JSON object without its bookkeeping, for the audit log.
func asMap(e any) map[string]any {
	if e == nil {
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	var raw map[string]any
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	delete(raw, "Version")
	delete(raw, "CreatedAt")
	delete(raw, "UpdatedAt")
	delete(raw, "Change")
	return rename(raw).(map[string]any)
}

// rename gives the keys of decoded JSON, at every depth, the schema's field names.
func rename(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fieldName(k)] = rename(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = rename(x)
		}
	}
	return v
}

// fieldName turns a Go field name into the schema's: "Title" → "title", "DonorID" →
// "donorId", "AgreementIDs" → "agreementIds", "ISO3" → "iso3".
func fieldName(k string) string {
	if strings.ToUpper(k) == k {
		return strings.ToLower(k)
	}
	switch {
	case strings.HasSuffix(k, "IDs"):
		k = strings.TrimSuffix(k, "IDs") + "Ids"
	case strings.HasSuffix(k, "ID"):
		k = strings.TrimSuffix(k, "ID") + "Id"
	}
	return strings.ToLower(k[:1]) + k[1:]
}

// changed lists the fields whose values differ between two versions, in name order.
func changed(before, after map[string]any) []string {
	var out []string
	for k := range mergeKeys(before, after) {
		b, _ := json.Marshal(before[k])
		a, _ := json.Marshal(after[k])
		if string(a) != string(b) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func mergeKeys(a, b map[string]any) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// stale is the error of an edit based on an outdated version.
func stale(current, expected int) error {
	return &funding.Error{Code: funding.ECONFLICT, Field: "input.expectedVersion", Current: current,
		Message: fmt.Sprintf("it was changed by someone else since you read it: version %d, not %d; read it again and reapply your change", current, expected)}
}

func notFound(field string) error {
	return &funding.Error{Code: funding.ENOTFOUND, Field: field, Message: "no such object (it may have been deleted)"}
}

// first returns the only item of a lookup by id, or nil.
func first[T any](xs []*T, err error) (*T, error) {
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	return xs[0], nil
}

// problems merges a validation error with reference problems into one error listing all.
func problems(validation error, refs funding.Problems) error {
	var all funding.Problems
	var fe *funding.Error
	switch {
	case validation == nil:
	case errors.As(validation, &fe) && fe.Code == funding.EINVALID:
		if len(fe.Problems) > 0 {
			all = append(all, fe.Problems...)
		} else {
			all = append(all, funding.Problem{Field: fe.Field, Message: fe.Message})
		}
	default:
		return validation
	}
	return append(all, refs...).Err()
}

// withParse adds the problems found while reading an input to those of validating it.
// Validation problems about a field that could not be read (it was given a zero value) or
// that depend on it (a sum of shares) are left out: the reading problem says it better.
func withParse(parse funding.Problems, err error) error {
	if len(parse) == 0 {
		return err
	}
	if err != nil && funding.ErrorCode(err) != funding.EINVALID {
		return parse.Err() // the input is invalid: say so before anything else
	}
	var found funding.Problems
	found.AddError(err)
	out := slices.Clone(parse)
	for _, p := range found {
		if !slices.ContainsFunc(parse, func(q funding.Problem) bool { return covers(q.Field, p.Field) }) {
			out = append(out, p)
		}
	}
	return out.Err()
}

// covers reports whether a reading problem at field read explains a validation problem at
// field f: the same field, a part of it, or a list containing it.
func covers(read, f string) bool {
	return f == read || strings.HasPrefix(f, read+".") || strings.HasPrefix(read, f+"[") || strings.HasPrefix(read, f+".")
}

// SetExchangeRate stores the rate of a currency for a year, replacing the stored one.
func (s *Service) SetExchangeRate(ctx context.Context, actor string, r *funding.ExchangeRate) (*funding.ExchangeRate, error) {
	if err := r.Validate("input"); err != nil {
		return nil, err
	}
	old, err := first(s.store.ExchangeRates(ctx, r.Currency, []int{r.Year}))
	if err != nil {
		return nil, err
	}
	now := s.now()
	change := s.newID()
	r.Meta = funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: change}
	action, before := funding.ActionCreate, any(nil)
	if old != nil {
		r.Meta = funding.Meta{Version: old.Version + 1, CreatedAt: old.CreatedAt, UpdatedAt: now, Change: change}
		action, before = funding.ActionUpdate, old
	}
	id := fmt.Sprintf("%s/%d", r.Currency, r.Year)
	err = s.record(ctx, change, actor, action, "ExchangeRate", id, r.Version, before, r, func() error {
		return s.store.PutExchangeRates(ctx, []*funding.ExchangeRate{r})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
