package report

import "github.com/coopgraph/coopgraph/internal/funding"

// Balance is a trust fund's money in one year and up to its end, in minor units of the
// fund's currency.
type Balance struct {
	Year                               int
	ContributedInYear, AllocatedInYear int64 // in the year
	Contributed, Allocated             int64 // from the fund's first year through the year
}

// Remaining is what the fund has left at the end of the year.
func (b Balance) Remaining() int64 { return b.Contributed - b.Allocated }

// Balances are the yearly balances of fund t, from its contributions and its
// allocations (commitments only; other transaction types are left out): from its first year (its start, or an earlier year with money in or out)
// through year, or through its last year with money in or out when year is 0. With no
// year to show, it is one zero balance in year.
func Balances(t *funding.TrustFund, allocations []*funding.Allocation, year int) []Balance {
	in, out := map[int]int64{}, map[int]int64{}
	first, last := t.StartsOn.Year(), year
	for _, c := range t.Contributions {
		in[c.Year] += c.Amount.Units
		first, last = min(first, c.Year), max(last, c.Year)
	}
	for _, a := range allocations {
		if a.Type.TypeOrCommitment() != funding.Commitment {
			continue // a disbursement pays a commitment: counting both would count it twice
		}
		out[a.Year] += a.Amount.Units
		first, last = min(first, a.Year), max(last, a.Year)
	}
	if year != 0 {
		last = year
	}
	var res []Balance
	var cin, cout int64
	for y := first; y <= last; y++ {
		cin, cout = cin+in[y], cout+out[y]
		res = append(res, Balance{Year: y, ContributedInYear: in[y], AllocatedInYear: out[y], Contributed: cin, Allocated: cout})
	}
	if len(res) == 0 {
		return []Balance{{Year: year}}
	}
	return res
}

// BalanceAt is the balance of fund t in year alone, the last of Balances(t, allocations,
// year), in time linear in the contributions and allocations whatever the year.
func BalanceAt(t *funding.TrustFund, allocations []*funding.Allocation, year int) Balance {
	b := Balance{Year: year}
	for _, c := range t.Contributions {
		if c.Year == year {
			b.ContributedInYear += c.Amount.Units
		}
		if c.Year <= year {
			b.Contributed += c.Amount.Units
		}
	}
	for _, a := range allocations {
		if a.Type.TypeOrCommitment() != funding.Commitment {
			continue
		}
		if a.Year == year {
			b.AllocatedInYear += a.Amount.Units
		}
		if a.Year <= year {
			b.Allocated += a.Amount.Units
		}
	}
	return b
}
