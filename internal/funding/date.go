package funding

import (
	"fmt"
	"time"
)

// Date is a calendar date (no time of day, no time zone). The zero Date means "not set".
type Date struct{ t time.Time }

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar date of t in UTC.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.UTC().Date()
	return NewDate(y, m, d)
}

// ParseDate parses "YYYY-MM-DD". It refuses 0001-01-01, the zero Date, which means
// "not set" (it would be written back as null).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	if t.IsZero() {
		return Date{}, fmt.Errorf("%q is not a date this API can store (it stands for no date)", s)
	}
	return Date{t}, nil
}

// MustDate parses "YYYY-MM-DD" and panics on error; for literal data only.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns d as midnight UTC (the zero time for an unset date).
func (d Date) Time() time.Time { return d.t }

// Year returns d's year.
func (d Date) Year() int { return d.t.Year() }

// String formats d as "YYYY-MM-DD", or "" if unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// MarshalText writes d as "YYYY-MM-DD" (so filters holding dates have a canonical JSON form).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "YYYY-MM-DD" ("" for unset).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	*d = v
	return err
}
