package report

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// FlowNode is a node of a Sankey graph: one key at one level, e.g. (COUNTRY, "MW").
type FlowNode struct {
	Level Dimension
	Key   string
}

// FlowLink is a link of a Sankey graph: the money flowing from one node to a node of the
// next level.
type FlowLink struct {
	Source, Target int   // indexes into the nodes
	Units          int64 // minor units of the report's one currency
}

// flowRank is the position of each level in the flow of money.
var flowRank = map[Dimension]int{Donor: 0, TrustFund: 1, Project: 2, Country: 3}

// Flows turns a report grouped by levels (2+ of DONOR, TRUST_FUND, PROJECT, COUNTRY, in
// money-flow order) into a Sankey graph: one node per (level, key) and one link per pair of
// consecutive levels with the summed amount (single currency required: error if the report
// has more than one currency).
//
// Levels may skip some (DONOR, COUNTRY) but not go backwards. Nodes are ordered by level,
// then key (Unallocated, the global share of COUNTRY, first); links by source, then
// target. Every row of the report contributes its total to one link between each pair of
// consecutive levels, so the links between two levels add up to the report's total; a
// link whose rows total zero is kept, with Units 0. As a Report does not record its
// grouping, the caller names it in levels and every row must have one key per level.
func Flows(rep *Report, levels []Dimension) ([]FlowNode, []FlowLink, error) {
	if rep == nil {
		return nil, nil, fmt.Errorf("report: Flows of a nil report")
	}
	currency, err := flowCurrency(rep, levels)
	if err != nil {
		return nil, nil, err
	}
	nodes, index := flowNodes(rep, levels)
	// The links, summed over the rows.
	sums := make(map[[2]int]int64)
	for _, r := range rep.Rows {
		u := r.Totals[currency]
		for i := 1; i < len(levels); i++ {
			k := [2]int{index[FlowNode{levels[i-1], r.Keys[i-1]}], index[FlowNode{levels[i], r.Keys[i]}]}
			s, ok := addInt64(sums[k], u)
			if !ok {
				return nil, nil, fmt.Errorf("report: a flow in %s overflows 64 bits", currency)
			}
			sums[k] = s
		}
	}
	links := make([]FlowLink, 0, len(sums))
	for k, u := range sums {
		links = append(links, FlowLink{Source: k[0], Target: k[1], Units: u})
	}
	slices.SortFunc(links, func(x, y FlowLink) int {
		return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.Target, y.Target))
	})
	return nodes, links, nil
}

// flowCurrency checks that levels are flow levels in money-flow order, that every row of
// rep has one key per level, and that rep has one currency, which it returns ("" for an
// empty report).
func flowCurrency(rep *Report, levels []Dimension) (string, error) {
	if len(levels) < 2 {
		return "", funding.Errorf(funding.EINVALID, "a flow needs at least two levels, got %d", len(levels))
	}
	for i, l := range levels {
		r, ok := flowRank[l]
		if !ok {
			return "", funding.Errorf(funding.EINVALID, "%q is not a flow level (DONOR, TRUST_FUND, PROJECT, COUNTRY)", string(l))
		}
		if i > 0 && r <= flowRank[levels[i-1]] {
			return "", funding.Errorf(funding.EINVALID, "flow levels must follow the money (DONOR, TRUST_FUND, PROJECT, COUNTRY), but %s comes after %s", l, levels[i-1])
		}
	}
	currency := ""
	oneCurrency := func(m map[string]int64) error {
		for c := range m {
			if currency == "" {
				currency = c
			} else if c != currency {
				return funding.Errorf(funding.EINVALID, "a flow needs amounts in one currency, but the report has %s and %s: convert it into one", min(c, currency), max(c, currency))
			}
		}
		return nil
	}
	if err := oneCurrency(rep.Totals); err != nil {
		return "", err
	}
	for _, r := range rep.Rows {
		if len(r.Keys) != len(levels) {
			return "", fmt.Errorf("report: Flows by %d levels, but a row has the keys %q", len(levels), r.Keys)
		}
		if err := oneCurrency(r.Totals); err != nil {
			return "", err
		}
	}
	return currency, nil
}

// flowNodes returns the nodes of rep's rows, ordered by level then key, and the index of
// each.
func flowNodes(rep *Report, levels []Dimension) ([]FlowNode, map[FlowNode]int) {
	var nodes []FlowNode
	seen := make(map[FlowNode]bool)
	for _, r := range rep.Rows {
		for i, k := range r.Keys {
			n := FlowNode{levels[i], k}
			if !seen[n] {
				seen[n] = true
				nodes = append(nodes, n)
			}
		}
	}
	slices.SortFunc(nodes, func(x, y FlowNode) int {
		return cmp.Or(cmp.Compare(flowRank[x.Level], flowRank[y.Level]), cmp.Compare(x.Key, y.Key))
	})
	index := make(map[FlowNode]int, len(nodes))
	for i, n := range nodes {
		index[n] = i
	}
	return nodes, index
}
