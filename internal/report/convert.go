package report

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// factor converts minor units of one currency into minor units of another, in one year:
// units·num/den, rounded half to even. num/den is the exact rational
//
//	rate(target, year) / rate(source, year) · 10^(digits(target) − digits(source))
//
// in lowest terms, computed once per source currency and year with math/big.Rat.
type factor struct {
	num, den *big.Int
	small    bool   // num and den fit in 64 bits: use n and d
	n, d     uint64 // num and den, when small
}

// errOverflow is the error of a conversion whose result does not fit in 64 bits.
var errOverflow = errors.New("the result does not fit in 64 bits")

// factorFor returns the factor converting minor units of currency src in year into the
// report's currency, from the cache or Facts.Rates.
func (a *Aggregator) factorFor(src string, year int) (*factor, error) {
	k := RateKey{src, year}
	if f, ok := a.factors[k]; ok {
		return f, nil
	}
	rs, err := a.rate(src, year)
	if err != nil {
		return nil, err
	}
	rt, err := a.rate(a.currency, year)
	if err != nil {
		return nil, err
	}
	r := new(big.Rat).Quo(rt, rs)
	exp := funding.MinorDigits(a.currency) - funding.MinorDigits(src)
	if exp != 0 {
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(exp, -exp))), nil)
		pr := new(big.Rat).SetInt(p)
		if exp > 0 {
			r.Mul(r, pr)
		} else {
			r.Quo(r, pr)
		}
	}
	f := &factor{num: new(big.Int).Set(r.Num()), den: new(big.Int).Set(r.Denom())}
	if f.num.IsUint64() && f.den.IsUint64() {
		f.small, f.n, f.d = true, f.num.Uint64(), f.den.Uint64()
	}
	a.factors[k] = f
	return f, nil
}

// rate returns the units of currency per US dollar in year: 1 for USD, else from
// Facts.Rates.
func (a *Aggregator) rate(currency string, year int) (*big.Rat, error) {
	if currency == "USD" {
		return big.NewRat(1, 1), nil
	}
	r := a.facts.Rates[RateKey{currency, year}]
	if r == nil {
		return nil, &MissingRateError{Currency: currency, Year: year}
	}
	if r.Sign() <= 0 {
		return nil, fmt.Errorf("report: the exchange rate for %s in %d is %s: it must be positive", currency, year, r.RatString())
	}
	return r, nil
}

// apply converts units: units·num/den rounded half to even (so symmetrically for negative
// amounts), or errOverflow.
func (f *factor) apply(units int64) (int64, error) {
	u := uint64(units)
	if units < 0 {
		u = -u
	}
	var q uint64
	if f.small {
		hi, lo := bits.Mul64(u, f.n)
		if hi >= f.d {
			return 0, errOverflow // the quotient is at least 2^64
		}
		var r uint64
		q, r = bits.Div64(hi, lo, f.d)
		if q > math.MaxInt64 {
			return 0, errOverflow
		}
		// Round: up if r > d/2, to even if r = d/2 exactly.
		if r > f.d-r || (r == f.d-r && q%2 == 1) {
			q++
		}
	} else {
		p := new(big.Int).SetUint64(u)
		p.Mul(p, f.num)
		qb, rb := p.QuoRem(p, f.den, new(big.Int))
		c := rb.Lsh(rb, 1).Cmp(f.den)
		if c > 0 || (c == 0 && qb.Bit(0) == 1) {
			qb.Add(qb, big.NewInt(1))
		}
		if !qb.IsUint64() {
			return 0, errOverflow
		}
		q = qb.Uint64()
	}
	if q > math.MaxInt64 {
		return 0, errOverflow
	}
	if units < 0 {
		return -int64(q), nil
	}
	return int64(q), nil
}
