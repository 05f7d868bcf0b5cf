package graph

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Cost is what an operation may make the server do: every field costs 1, and a list
// field (one with a first argument) multiplies what it selects by its page size (first or
// last, else its default); nodes(ids:) multiplies by the number of ids. Multipliers is the
// chain of list fields along the most expensive path, outermost first: the fields whose
// page sizes to lower when the cost is too high.
type Cost struct {
	Total       int
	Multipliers []Multiplier
}

// Multiplier is a list field on the most expensive path and its page size.
type Multiplier struct {
	Path    string // the field's response path, e.g. "donors.nodes.trustFunds"
	Arg     string // the argument that sets the size: first, last or ids
	Size    int
	Default bool // the size is the default, not given
}

func (m Multiplier) String() string {
	if m.Default {
		return fmt.Sprintf("%s (%s: %d by default)", m.Path, m.Arg, m.Size)
	}
	return fmt.Sprintf("%s (%s: %d)", m.Path, m.Arg, m.Size)
}

// maxCost caps sums and products, so that no query shape overflows an int.
const maxCost = 1 << 40

// OperationCost computes the cost of a validated operation with its variables. It
// expands fragments where they are used, so it must only see documents whose expanded size
// is already bounded.
func OperationCost(op *ast.OperationDefinition, vars map[string]any) Cost {
	total, chain := selectionCost(op.SelectionSet, vars, "")
	return Cost{Total: total, Multipliers: chain}
}

func selectionCost(set ast.SelectionSet, vars map[string]any, path string) (int, []Multiplier) {
	total, heaviest := 0, 0
	var chain []Multiplier
	add := func(c int, ch []Multiplier) {
		total = min(total+c, maxCost)
		if c > heaviest {
			heaviest, chain = c, ch
		}
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			p := s.Alias
			if path != "" {
				p = path + "." + s.Alias
			}
			child, ch := selectionCost(s.SelectionSet, vars, p)
			c := 1 + child
			if m, ok := multiplier(s, vars, p); ok {
				c = 1 + mulCapped(m.Size, child)
				ch = append([]Multiplier{m}, ch...)
			}
			add(c, ch)
		case *ast.InlineFragment:
			add(selectionCost(s.SelectionSet, vars, path))
		case *ast.FragmentSpread:
			if s.Definition != nil {
				add(selectionCost(s.Definition.SelectionSet, vars, path))
			}
		}
	}
	return total, chain
}

// multiplier is the page size of a list field.
func multiplier(f *ast.Field, vars map[string]any, path string) (Multiplier, bool) {
	if f.Definition == nil {
		return Multiplier{}, false
	}
	args := f.ArgumentMap(vars)
	if f.Definition.Arguments.ForName("ids") != nil {
		if ids, ok := args["ids"].([]any); ok && len(ids) > 1 {
			return Multiplier{Path: path, Arg: "ids", Size: len(ids)}, true
		}
		return Multiplier{}, false
	}
	if f.Definition.Arguments.ForName("first") == nil {
		return Multiplier{}, false
	}
	for _, arg := range []string{"first", "last"} {
		if n, ok := intArg(args[arg]); ok && n > 0 {
			return Multiplier{Path: path, Arg: arg, Size: min(n, maxCost)}, true
		}
	}
	size := defaultPageSize
	if f.Definition.Name == "search" {
		size = defaultSearchSize
	}
	return Multiplier{Path: path, Arg: "first", Size: size, Default: true}, true
}

func mulCapped(a, b int) int {
	if a != 0 && b > maxCost/a {
		return maxCost
	}
	return a * b
}

func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(min(n, maxCost)), true
	case json.Number:
		i, err := n.Int64()
		return int(min(i, maxCost)), err == nil
	}
	return 0, false
}

// Advice says which page size to lower to bring the cost under limit.
func (c Cost) Advice(limit int) string {
	if len(c.Multipliers) == 0 {
		return "select fewer fields"
	}
	names := make([]string, len(c.Multipliers))
	big := c.Multipliers[0]
	for i, m := range c.Multipliers {
		names[i] = m.String()
		if m.Size > big.Size {
			big = m
		}
	}
	factor := (c.Total + limit - 1) / limit
	msg := "the lists " + strings.Join(names, " → ") + " multiply it"
	if n := min(big.Size/factor, maxPageSize); n >= 1 && big.Arg != "ids" {
		return fmt.Sprintf("%s; lower %s on %s to %d or less", msg, big.Arg, big.Path, n)
	}
	return msg + "; ask for fewer nested lists in one query, or smaller pages"
}
