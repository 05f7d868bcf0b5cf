package funding_test

import (
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
)

func TestMoneyDecimal(t *testing.T) {
	for _, tc := range []struct {
		m    funding.Money
		want string
	}{
		{funding.Money{Units: 90000000, Currency: "EUR"}, "900000.00"},
		{funding.Money{Units: 5, Currency: "USD"}, "0.05"},
		{funding.Money{Units: -1250, Currency: "EUR"}, "-12.50"},
		{funding.Money{Units: 1500, Currency: "JPY"}, "1500"},
		{funding.Money{Units: 1, Currency: "KWD"}, "0.001"},
	} {
		if got := tc.m.Decimal(); got != tc.want {
			t.Errorf("%+v.Decimal() = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestParseUnits(t *testing.T) {
	for _, tc := range []struct {
		s      string
		digits int
		want   int64
		ok     bool
	}{
		{"275442", 2, 27544200, true},
		{"275442.5", 2, 27544250, true},
		{"-3.10", 2, -310, true},
		{"0.001", 2, 0, false}, // more precision than the currency has
		{"1e5", 2, 0, false},
		{"", 2, 0, false},
		{"12.", 2, 0, false},
		{".5", 2, 0, false},
		{"99999999999999999999", 2, 0, false},
	} {
		got, err := funding.ParseUnits(tc.s, tc.digits)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseUnits(%q, %d) = %d, %v; want %d, ok=%v", tc.s, tc.digits, got, err, tc.want, tc.ok)
		}
	}
}

func TestDate(t *testing.T) {
	d, err := funding.ParseDate("2001-12-01")
	if err != nil || d.String() != "2001-12-01" || d.Year() != 2001 {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"2001-13-01", "01/12/2001", "2001-12-1", ""} {
		if _, err := funding.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	if (funding.Date{}).String() != "" || !(funding.Date{}).IsZero() {
		t.Error("the zero Date is not unset")
	}
}
