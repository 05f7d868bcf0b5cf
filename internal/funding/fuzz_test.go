package funding

import (
	"testing"
)

// Fuzz targets of the parsers behind the API's scalars. Their seeds run in plain
// `go test`; `go test -fuzz=FuzzParseUnits` (and so on) explores further.

// FuzzParseUnits: a decimal string that parses formats back to the same number of units.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"", "0", "-0", "1", "-12.5", "900000.00", "0.001", "1e30", "1E3", "-", ".", "1.",
		".5", "+1", "--1", " 1", "1 ", "١٢٣", "9223372036854775807", "922337203685477580", "92233720368547758.07",
		"-922337203685477580.7", "99999999999999999999999999999999", "0x10", "NaN", "$where", "1_000"} {
		f.Add(s, uint8(2))
	}
	f.Add("275442", uint8(0))
	f.Add("1.234", uint8(3))
	f.Add("0.0000000001", uint8(10))
	f.Fuzz(func(t *testing.T, s string, digits uint8) {
		d := int(digits % 11)
		n, err := ParseUnits(s, d)
		if err != nil {
			return
		}
		back, err := ParseUnits(FormatUnits(n, d), d)
		if err != nil || back != n {
			t.Fatalf("ParseUnits(%q, %d) = %d, formatted %q, parsed back %d, %v", s, d, n, FormatUnits(n, d), back, err)
		}
	})
}

// FuzzParseDate: a date that parses is set and formats back to itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "2016-03-07", "2016-3-7", "2016-02-30", "0001-01-01", "0000-01-01", "9999-12-31",
		"10000-01-01", "-001-01-01", "2016-03-07T00:00:00Z", "２０１６-03-07", "1e30", "$where"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.IsZero() {
			t.Fatalf("ParseDate(%q) accepted the date that means unset", s)
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v, formatted %q, parsed back %v, %v", s, d, d.String(), back, err)
		}
	})
}
