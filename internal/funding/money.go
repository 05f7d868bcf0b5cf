package funding

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an exact amount: a count of the currency's minor units (cents for EUR and USD)
// and its ISO 4217 code. It is never a float.
type Money struct {
	Units    int64
	Currency string
}

// MinorDigits is the number of decimal digits of the currency's minor unit under ISO 4217
// (2 for EUR, 0 for JPY, 3 for KWD). It is 2 for a code it does not know.
func MinorDigits(currency string) int {
	if d, ok := currencyDigits[currency]; ok {
		return d
	}
	return 2
}

// ValidCurrencyCode reports whether code is a current ISO 4217 currency code, such as
// "EUR" (see currency.go for the list).
func ValidCurrencyCode(code string) bool {
	_, ok := currencyDigits[code]
	return ok
}

// Decimal formats m.Units as a decimal string with the currency's minor digits,
// e.g. "900000.00" or "-12.50".
func (m Money) Decimal() string {
	return FormatUnits(m.Units, MinorDigits(m.Currency))
}

// FormatUnits formats a count of minor units with the given number of decimal digits.
func FormatUnits(units int64, digits int) string {
	sign := ""
	u := uint64(units)
	if units < 0 {
		sign, u = "-", uint64(-units)
	}
	s := strconv.FormatUint(u, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// ParseUnits parses a decimal string ("275442", "275442.5", "-3.10") into minor units with
// the given number of decimal digits. More fractional digits than that is an error, so
// "0.001" EUR is refused rather than rounded.
func ParseUnits(s string, digits int) (int64, error) {
	in := s
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%q is not a decimal number", in)
	}
	if len(frac) > digits {
		return 0, fmt.Errorf("%q has more than %d decimal digits", in, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > math.MaxInt64/10 {
		return 0, fmt.Errorf("%q is out of range", in)
	}
	if neg {
		n = -n
	}
	return n, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
