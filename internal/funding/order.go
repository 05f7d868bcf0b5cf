package funding

import (
	"cmp"
	"strings"
)

// OrderDirection is the direction of a sort key.
type OrderDirection string

// Sort directions.
const (
	ASC  OrderDirection = "ASC"
	DESC OrderDirection = "DESC"
)

// Order is one sort key of a list. Lists sort by their keys in turn, then by id, so the
// order is total and cursors are stable.
type Order[F ~string] struct {
	Field     F
	Direction OrderDirection
}

// Sort fields of each entity.
type (
	CountryOrderField    string
	DonorOrderField      string
	AgreementOrderField  string
	TrustFundOrderField  string
	AllocationOrderField string
	ProjectOrderField    string
)

// Orders of the schema.
type (
	CountryOrder    = Order[CountryOrderField]
	DonorOrder      = Order[DonorOrderField]
	AgreementOrder  = Order[AgreementOrderField]
	TrustFundOrder  = Order[TrustFundOrderField]
	AllocationOrder = Order[AllocationOrderField]
	ProjectOrder    = Order[ProjectOrderField]
)

// openEnd is the sort value of an unset end date: open-ended things end last.
const openEnd = "9999-12-31"

func endKey(d Date) any {
	if d.IsZero() {
		return openEnd
	}
	return d.String()
}

// SortKey returns c's value of a sort field: a string (dates as YYYY-MM-DD) or an int64.
func (c *Country) SortKey(f CountryOrderField) any {
	switch f {
	case "NAME":
		return c.Name
	case "REGION":
		return c.Region
	}
	return c.Code
}

// SortKey returns d's value of a sort field (see Country.SortKey).
func (d *Donor) SortKey(f DonorOrderField) any {
	switch f {
	case "TYPE":
		return string(d.Type)
	case "COOPERATING_SINCE":
		return int64(d.CooperatingSince)
	}
	return d.Name
}

// SortKey returns a's value of a sort field (see Country.SortKey).
func (a *Agreement) SortKey(f AgreementOrderField) any {
	switch f {
	case "TITLE":
		return a.Title
	case "STARTS_ON":
		return a.StartsOn.String()
	}
	return a.SignedOn.String()
}

// SortKey returns t's value of a sort field (see Country.SortKey).
func (t *TrustFund) SortKey(f TrustFundOrderField) any {
	switch f {
	case "ESTABLISHED_ON":
		return t.EstablishedOn.String()
	case "STARTS_ON":
		return t.StartsOn.String()
	case "ENDS_ON":
		return endKey(t.EndsOn)
	}
	return t.Name
}

// SortKey returns a's value of a sort field (see Country.SortKey). AMOUNT compares the
// number in thousandths, whatever the currency.
func (a *Allocation) SortKey(f AllocationOrderField) any {
	switch f {
	case "AMOUNT":
		return a.Amount.Milli()
	case "IMPLEMENTING_AGENCY":
		return a.ImplementingAgency
	}
	return int64(a.Year)
}

// SortKey returns p's value of a sort field (see Country.SortKey).
func (p *Project) SortKey(f ProjectOrderField) any {
	switch f {
	case "TITLE":
		return p.Title
	case "STATUS":
		return string(p.Status)
	case "STARTS_ON":
		return p.StartsOn.String()
	case "ENDS_ON":
		return endKey(p.EndsOn)
	}
	return p.Code
}

// Milli is the amount in thousandths of the currency unit, whatever the currency's minor
// unit, so amounts of all currencies compare as numbers.
func (m Money) Milli() int64 {
	u := m.Units
	for d := MinorDigits(m.Currency); d < 3; d++ {
		u *= 10
	}
	return u
}

// CompareKeys compares two sort values of the same field.
func CompareKeys(a, b any) int {
	switch x := a.(type) {
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(x, y)
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}

// Compare orders two items by the sort keys of order, then by id: the order the store
// sorts lists in.
func Compare[T any, F ~string](a, b *T, order []Order[F], sortKey func(*T, F) any, id func(*T) string) int {
	for _, o := range order {
		c := CompareKeys(sortKey(a, o.Field), sortKey(b, o.Field))
		if o.Direction == DESC {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return CompareKeys(id(a), id(b))
}

// Keyset is the position of an item in an ordered list: its sort values and its id.
type Keyset struct {
	Values []any
	ID     string
}

// Page selects part of an ordered list.
type Page struct {
	After   *Keyset // only items after this position
	Before  *Keyset // only items before this position
	Limit   int     // at most this many items (0: all)
	FromEnd bool    // the last Limit items rather than the first
}

// Within restricts a list to the items whose reference Ref is one of IDs. Refs are the
// domain's reference names: "id", "donor", "agreement", "trustFund", "project",
// "country" (a project's country), "partnerCountry" (a donor's).
type Within struct {
	Ref string
	IDs []string
	// EachParent applies the query's page to each parent's items rather than to the
	// whole list: at most Limit items per parent in the page's window, and, for each
	// cursor, one item of the parent beyond it (at or before After, at or after Before),
	// so that the caller can tell whether anything lies beyond the window. Items come in
	// no particular order across parents.
	EachParent bool
}

// Query asks a store for a list: filtered, restricted to some parents, ordered, paged.
type Query[F any, O any] struct {
	Filter *F
	Order  []O
	Within *Within
	Page   Page
}

// Queries of each entity.
type (
	CountryQuery    = Query[CountryFilter, CountryOrder]
	DonorQuery      = Query[DonorFilter, DonorOrder]
	AgreementQuery  = Query[AgreementFilter, AgreementOrder]
	TrustFundQuery  = Query[TrustFundFilter, TrustFundOrder]
	AllocationQuery = Query[AllocationFilter, AllocationOrder]
	ProjectQuery    = Query[ProjectFilter, ProjectOrder]
)
