package funding

import (
	"cmp"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Operator filters, one per kind of field. A nil filter, and a nil operator in it, match
// everything; all operators given must hold.

// IDFilter matches a reference by id. The ids come decoded from the API; Validate checks
// that each is of the kind its field refers to.
type IDFilter struct {
	Eq    *ID
	Ne    *ID
	In    []ID
	NotIn []ID
}

// CodeFilter matches a code or other exact string (e.g. a country code, a theme, an
// implementing agency). On a list field, eq and in match when any element matches, ne and
// notIn when none does.
type CodeFilter = EnumFilter[string]

// EnumFilter matches an enum value.
type EnumFilter[T ~string] struct {
	Eq    *T
	Ne    *T
	In    []T
	NotIn []T
}

// Enum filters of the schema.
type (
	DonorTypeFilter       = EnumFilter[DonorType]
	TrustFundStatusFilter = EnumFilter[TrustFundStatus]
	ProjectStatusFilter   = EnumFilter[ProjectStatus]
	TransactionTypeFilter = EnumFilter[TransactionType]
)

// RangeFilter matches an ordered value: a year, a date or an amount.
type RangeFilter[T any] struct {
	Eq  *T
	In  []T
	Gt  *T
	Gte *T
	Lt  *T
	Lte *T
}

// IntFilter matches a whole number such as a year.
type IntFilter = RangeFilter[int]

// DecimalFilter matches an amount, a decimal string with up to three decimals. It compares
// the number only: combine it with a currency filter to stay within one currency.
type DecimalFilter = RangeFilter[string]

// DateFilter matches an optional date; IsNull: true matches where it is unset.
type DateFilter struct {
	RangeFilter[Date]
	IsNull *bool
}

// TextFilter matches text ignoring case and accents ("mocambique" finds "Moçambique").
type TextFilter struct {
	Contains   *string
	StartsWith *string
}

// Bounds on filters, so that no filter is expensive to evaluate.
const (
	// MaxListLen bounds the lists of in and notIn.
	MaxListLen = 1000
	// MaxTextLen bounds the text of contains and startsWith, in characters.
	MaxTextLen = 200
	// MaxTerms bounds the filters of one and or or list.
	MaxTerms = 50
)

func join(path, field string) string { return path + "." + field }

func checkList[T any](p *Problems, path, op string, xs []T) {
	switch {
	case xs == nil:
	case len(xs) == 0:
		p.Add(join(path, op), "an empty list matches nothing; leave %s out instead", op)
	case len(xs) > MaxListLen:
		p.Add(join(path, op), "at most %d values, got %d", MaxListLen, len(xs))
	}
}

// check validates the lists and that every id is of kind k.
func (f *IDFilter) check(p *Problems, path string, k Kind) {
	if f == nil {
		return
	}
	checkList(p, path, "in", f.In)
	checkList(p, path, "notIn", f.NotIn)
	if f.Eq != nil {
		p.AddError(CheckKind(join(path, "eq"), k, *f.Eq))
	}
	if f.Ne != nil {
		p.AddError(CheckKind(join(path, "ne"), k, *f.Ne))
	}
	for i, id := range f.In {
		p.AddError(CheckKind(fmt.Sprintf("%s.in[%d]", path, i), k, id))
	}
	for i, id := range f.NotIn {
		p.AddError(CheckKind(fmt.Sprintf("%s.notIn[%d]", path, i), k, id))
	}
}

func (f *EnumFilter[T]) check(p *Problems, path string) {
	if f == nil {
		return
	}
	checkList(p, path, "in", f.In)
	checkList(p, path, "notIn", f.NotIn)
}

// check validates a range: lists, and bounds that leave room for a value. cmp compares two
// values; a nil cmp means T is validated elsewhere (decimals, which are parsed first).
func (f *RangeFilter[T]) check(p *Problems, path string, cmp func(a, b T) int) {
	if f == nil {
		return
	}
	checkList(p, path, "in", f.In)
	lo, loOp, loStrict := f.Gte, "gte", false
	if f.Gt != nil {
		lo, loOp, loStrict = f.Gt, "gt", true
	}
	hi, hiOp, hiStrict := f.Lte, "lte", false
	if f.Lt != nil {
		hi, hiOp, hiStrict = f.Lt, "lt", true
	}
	if lo != nil && hi != nil {
		c := cmp(*lo, *hi)
		if c > 0 || (c == 0 && (loStrict || hiStrict)) {
			p.Add(join(path, loOp), "%s %v leaves no value below %s %v", loOp, *lo, hiOp, *hi)
		}
	}
}

func (f *DateFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.RangeFilter.check(p, path, func(a, b Date) int { return a.t.Compare(b.t) })
	if f.IsNull != nil && *f.IsNull && (f.Eq != nil || f.In != nil || f.Gt != nil || f.Gte != nil || f.Lt != nil || f.Lte != nil) {
		p.Add(join(path, "isNull"), "isNull: true cannot be combined with a comparison")
	}
}

func (f *TextFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	for op, v := range map[string]*string{"contains": f.Contains, "startsWith": f.StartsWith} {
		switch {
		case v == nil:
		case strings.TrimSpace(*v) == "":
			p.Add(join(path, op), "%s needs some text", op)
		case utf8.RuneCountInString(*v) > MaxTextLen:
			p.Add(join(path, op), "at most %d characters, got %d", MaxTextLen, utf8.RuneCountInString(*v))
		}
	}
}

func checkInt(p *Problems, path string, f *IntFilter) {
	f.check(p, path, func(a, b int) int { return a - b })
}

// checkDecimal parses every value of an amount filter (at most three decimals).
func checkDecimal(p *Problems, path string, f *DecimalFilter) {
	if f == nil {
		return
	}
	one := func(op string, v *string) {
		if v != nil {
			if _, err := ParseUnits(*v, 3); err != nil {
				p.Add(join(path, op), "%v", err)
			}
		}
	}
	one("eq", f.Eq)
	one("gt", f.Gt)
	one("gte", f.Gte)
	one("lt", f.Lt)
	one("lte", f.Lte)
	for i := range f.In {
		one(fmt.Sprintf("in[%d]", i), &f.In[i])
	}
	if len(*p) == 0 {
		f.check(p, path, func(a, b string) int {
			x, _ := ParseUnits(a, 3)
			y, _ := ParseUnits(b, 3)
			return cmp.Compare(x, y)
		})
	}
}

// checkBool combines the and/or/not parts of an entity filter.
func checkBool[F any](p *Problems, path string, and, or []F, not *F, check func(*F, *Problems, string)) {
	if and != nil && len(and) == 0 {
		p.Add(join(path, "and"), "an empty and list is meaningless; leave it out")
	}
	if or != nil && len(or) == 0 {
		p.Add(join(path, "or"), "an empty or list matches nothing; leave it out")
	}
	if len(and) > MaxTerms {
		p.Add(join(path, "and"), "at most %d filters, got %d", MaxTerms, len(and))
		return
	}
	if len(or) > MaxTerms {
		p.Add(join(path, "or"), "at most %d filters, got %d; for many values of one field, use its in operator", MaxTerms, len(or))
		return
	}
	for i := range and {
		check(&and[i], p, fmt.Sprintf("%s.and[%d]", path, i))
	}
	for i := range or {
		check(&or[i], p, fmt.Sprintf("%s.or[%d]", path, i))
	}
	if not != nil {
		check(not, p, join(path, "not"))
	}
}
