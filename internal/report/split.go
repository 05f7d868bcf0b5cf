package report

import (
	"math/bits"
	"slices"
)

// split divides the amount units among a.parts in proportion to their weights by the
// largest remainder method, setting each part's units (a magnitude: every part has the
// sign of the amount). With W the sum of the weights and U the magnitude of the amount,
// part i first gets U·w_i div W; the units left over, fewer than the parts, then go one
// each to the parts with the largest remainders U·w_i mod W, ties going to the part that
// comes first in key order. So the parts add up exactly to the amount; a part of weight
// zero gets nothing.
//
// U·w_i is computed in 128 bits, so any int64 amount and any weights summing to at most
// 2^64−1 are exact.
func (a *Aggregator) split(units int64) {
	u := uint64(units)
	if units < 0 {
		u = -u // two's complement: the magnitude, 2^63 for math.MinInt64
	}
	var total uint64
	for _, p := range a.parts {
		total += p.weight
	}
	left := u
	for i := range a.parts {
		p := &a.parts[i]
		hi, lo := bits.Mul64(u, p.weight)
		// hi < total because p.weight ≤ total, so the quotient fits in 64 bits.
		p.units, p.rem = bits.Div64(hi, lo, total)
		left -= p.units
	}
	if left == 0 {
		return
	}
	// The parts are in key order; a stable sort by decreasing remainder keeps it among
	// equal remainders.
	a.order = a.order[:0]
	for i := range a.parts {
		a.order = append(a.order, i)
	}
	slices.SortStableFunc(a.order, a.compareRemainders)
	for _, i := range a.order[:left] {
		a.parts[i].units++
	}
}

func (a *Aggregator) compareRemainders(i, j int) int {
	ri, rj := a.parts[i].rem, a.parts[j].rem
	switch {
	case ri > rj:
		return -1
	case ri < rj:
		return 1
	}
	return 0
}
