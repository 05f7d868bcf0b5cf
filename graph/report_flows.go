package graph

import (
	"context"

	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/report"
)

// The GraphQL side of fundingFlows: nodes with global ids and labels loaded on demand.

// FundingFlows is a Sankey diagram.
type FundingFlows struct {
	Nodes []*FlowNode
	Links []*FlowLink
}

// FlowLink is money flowing between two nodes.
type FlowLink struct {
	Source, Target string
	Amount         *funding.Money
}

// flows computes the fundingFlows field.
func (r *Resolver) flows(ctx context.Context, filter *funding.AllocationFilter, t funding.TransactionType, levels []report.Dimension, currency string) (*FundingFlows, error) {
	f, err := memoized(ctx, "flows", report.FlowQuery{Filter: filter, Type: t, Levels: levels, Currency: currency},
		func(ctx context.Context, q report.FlowQuery) (*report.Flow, error) {
			return report.ComputeFlows(ctx, r.Store, q)
		})
	if err != nil {
		return nil, err
	}
	out := &FundingFlows{}
	for _, n := range f.Nodes {
		out.Nodes = append(out.Nodes, &FlowNode{ID: flowID(n), Level: n.Level, key: n.Key})
	}
	for _, l := range f.Links {
		out.Links = append(out.Links, &FlowLink{Source: out.Nodes[l.Source].ID, Target: out.Nodes[l.Target].ID,
			Amount: &funding.Money{Units: l.Units, Currency: f.Currency}})
	}
	return out, nil
}

var dimTypes = map[report.Dimension]funding.Kind{
	report.Donor: funding.TypeDonor, report.TrustFund: funding.TypeTrustFund, report.Project: funding.TypeProject, report.Country: funding.TypeCountry,
}

func flowID(n report.FlowNode) string {
	if n.Key == report.Unallocated {
		return "unallocated:" + string(n.Level)
	}
	return GlobalID(funding.ID{Kind: dimTypes[n.Level], Local: n.Key})
}

// FlowNode is a node of a Sankey diagram.
type FlowNode struct {
	ID    string
	Level report.Dimension
	key   string
}

// Label is the node's name, title or country name.
func (n *FlowNode) Label(ctx context.Context) (string, error) {
	if n.key == report.Unallocated {
		return "Global / unallocated", nil
	}
	switch n.Level {
	case report.Donor:
		d, err := load(ctx, funding.Donors, n.key)
		return nameOr(d, err, func(d *funding.Donor) string { return d.Name }, n.key)
	case report.TrustFund:
		t, err := load(ctx, funding.TrustFunds, n.key)
		return nameOr(t, err, func(t *funding.TrustFund) string { return t.Name }, n.key)
	case report.Project:
		p, err := load(ctx, funding.Projects, n.key)
		return nameOr(p, err, func(p *funding.Project) string { return p.Title }, n.key)
	}
	c, err := load(ctx, funding.Countries, n.key)
	return nameOr(c, err, func(c *funding.Country) string { return c.Name }, n.key)
}

func nameOr[T any](v *T, err error, name func(*T) string, fallback string) (string, error) {
	if err != nil || v == nil {
		return fallback, err
	}
	return name(v), nil
}
