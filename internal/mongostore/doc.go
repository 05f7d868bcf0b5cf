package mongostore

import (
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// What every storage document shares: bookkeeping, amounts, dates and lists.

// DocMeta is the bookkeeping of every stored document: version, timestamps and the change
// that made the version. (Exported only so that the bson encoder inlines it into each
// document.)
type DocMeta struct {
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
	Change    string    `bson:"change,omitempty"`
}

func newDocMeta(m funding.Meta) DocMeta {
	return DocMeta{Version: m.Version, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Change: m.Change}
}

// stamp gives a document loaded without bookkeeping (seed data) version 1 and times.
func (m *DocMeta) stamp(now time.Time) {
	if m.Version == 0 {
		m.Version = 1
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now.UTC()
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
}

func (m DocMeta) domain() funding.Meta {
	return funding.Meta{Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Change: m.Change}
}

// timePtr maps a zero time to nil, so unset dates are not stored.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// endSort is the sort value of an end date: open-ended sorts last.
func endSort(d funding.Date) time.Time {
	if d.IsZero() {
		return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return d.Time()
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func mapAll[T, D any](xs []*T, f func(*T) D) []D {
	out := make([]D, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// nonNil stores empty lists as [] rather than null, so filters on them behave alike.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// moneyDoc is an exact amount: an int64 count of minor units and an ISO 4217 code.
type moneyDoc struct {
	Units    int64  `bson:"units"`
	Currency string `bson:"currency"`
	Milli    int64  `bson:"milli"` // the amount in thousandths, to compare across currencies
}

func newMoneyDoc(m funding.Money) moneyDoc {
	return moneyDoc{Units: m.Units, Currency: m.Currency, Milli: m.Milli()}
}
