package graph

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Cost is what an operation may make the server do: every field costs 1, and a list
// field (one with a first argument) multiplies what it selects by its page size (first or
// last, else its default); nodes(ids:) multiplies by the number of ids. Multipliers is the
// chain of list fields along the most expensive path, outermost first: the fields whose
// page sizes to lower when the cost is too high.
//
// Apart from it, Reads are the documents the fields may make the store read: a top-level
// list reads its page and one more; a nested list, on the per-parent plan, its page and one
// more for each parent, and on the batched plan every child of its parents, which only the
// size of the collection bounds (Holdings). Each hop before the last of a list that spans
// collections (Donor.projects: trust funds, allocations, projects) reads whole on either
// plan. Fields that scan, whatever their page, read their collections whole (scans): a
// report, a search, a totalCount, and each operator of a relation filter. Heaviest is the
// field that may read the most.
//
// Every field is costed where it is written, but a report, series or flows is computed once
// a request for the same arguments (memo.go): an alias of one already counted adds its
// fields, not its reads again. The two are limited apart (a field returned and a document
// read are not the same work): a report's page of 10,000 rows costs much and may read
// little, a report over the whole store the reverse.
type Cost struct {
	Total       int
	Multipliers []Multiplier
	Reads       int
	Heaviest    Read
}

// Read is what one field may read.
type Read struct {
	Path  string // the field's response path
	Docs  int    // the documents it may read
	Whole bool   // it reads all children of its parents (a hop that reads whole)
	Coll  string // the collection of its last hop
	Scan  string // what it scans whatever its page (a report, a count, …); "" for a list's page
	once  string // for a report, series or flows: its field and arguments, computed once a request
}

// Holdings is what the cost of reads knows of the store.
type Holdings struct {
	// PerParent: nested lists are read a page per parent (loader.Options.PerParent).
	PerParent bool
	// Sizes are the documents of each collection, estimated (0 where unknown).
	Sizes map[string]int
}

// hop is one read of a nested list: the collection, and whether it reads a page per
// parent on the per-parent plan (else it reads all children of its parents).
type hop struct {
	coll  string
	paged bool
}

// relations are the reads of each nested list, by type and field, as internal/loader
// (paths.go) makes them: a list by reference reads a page per parent at its last hop;
// one whose last hop reads by id (Donor.projects) reads whole.
var relations = map[string][]hop{
	"Donor.agreements":      {{"agreements", true}},
	"Donor.trustFunds":      {{"trustFunds", true}},
	"Donor.allocations":     {{"trustFunds", false}, {"allocations", true}},
	"Donor.projects":        {{"trustFunds", false}, {"allocations", false}, {"projects", false}},
	"Agreement.trustFunds":  {{"trustFunds", true}},
	"TrustFund.agreements":  {{"agreements", false}},
	"TrustFund.allocations": {{"allocations", true}},
	"TrustFund.projects":    {{"allocations", false}, {"projects", false}},
	"Project.allocations":   {{"allocations", true}},
	"Project.trustFunds":    {{"allocations", false}, {"trustFunds", false}},
	"Project.donors":        {{"allocations", false}, {"trustFunds", false}, {"donors", false}},
	"Country.projects":      {{"projects", true}},
	"Country.allocations":   {{"projects", false}, {"allocations", true}},
	"Country.donors":        {{"projects", false}, {"allocations", false}, {"trustFunds", false}, {"donors", false}},
	"Country.partnerDonors": {{"donors", true}},
}

// reads is what a list of page size n below parents parents may read.
func (st Holdings) reads(f *ast.Field, path string, parents, n int) (Read, bool) {
	if f.ObjectDefinition == nil {
		return Read{}, false
	}
	if f.ObjectDefinition.Name == "Query" {
		return Read{Path: path, Docs: n + 1, Coll: f.Name}, true
	}
	hops, ok := relations[f.ObjectDefinition.Name+"."+f.Name]
	if !ok {
		return Read{}, false
	}
	r := Read{Path: path}
	for i, h := range hops {
		size := st.Sizes[h.coll]
		r.Coll = h.coll
		if i == len(hops)-1 && st.PerParent && h.paged {
			// A page per parent: its parents, or (after a hop) at most that hop's
			// collection, each read for n+1; never more than the collection.
			if i > 0 {
				parents = st.Sizes[hops[i-1].coll]
			}
			docs := mulCapped(parents, n+1)
			if size > 0 {
				docs = min(docs, size)
			}
			r.Docs = min(r.Docs+docs, maxCost)
			continue
		}
		r.Docs, r.Whole = min(r.Docs+size, maxCost), true
	}
	return r, true
}

// searchKinds are the collections Query.search reads, by SearchType.
var searchKinds = map[string]string{
	"DONOR": "donors", "AGREEMENT": "agreements", "TRUST_FUND": "trustFunds",
	"PROJECT": "projects", "COUNTRY": "countries",
}

// relationFilters are the filter fields that follow a relationship, by input type: the
// store resolves each operator given to one (eq, ne, in, notIn) with a read of these
// collections, whole (internal/mongostore: refCond, refIDCond).
var relationFilters = map[string]map[string][]string{
	"AllocationFilter": {"donorId": {"trustFunds"}, "countryCode": {"projects"}},
	"ProjectFilter":    {"region": {"countries"}, "trustFundId": {"allocations"}, "donorId": {"trustFunds", "allocations"}},
}

// minScan is the least a scan of a collection costs, however small the collection (or
// unknown its size): the command's own work, which on the embedded store (about 5 ms for
// any command that does not read by _id) is that of decoding some tens of documents. So a
// filter with a thousand relation operators costs what its thousand reads do, even over
// the demo data.
const minScan = 100

// whole is what scanning each of colls costs: its documents, at least minScan.
func (st Holdings) whole(colls ...string) int {
	n := 0
	for _, c := range colls {
		n = min(n+max(st.Sizes[c], minScan), maxCost)
	}
	return n
}

// scans are what field f at path reads whatever its page: a report every allocation and
// their trust funds and projects, a search every collection it looks in, a totalCount
// the collection of its list (list, unless that list is read whole already), and its
// filter's relation operators each the collections they follow.
func (st Holdings) scans(f *ast.Field, path string, vars map[string]any, list Read) []Read {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return nil
	}
	var out []Read
	args := f.ArgumentMap(vars)
	switch parent := f.ObjectDefinition.Name; {
	case parent == "Query" && (f.Name == "fundingReport" || f.Name == "fundingSeries" || f.Name == "fundingFlows"):
		key, _ := json.Marshal(args)
		out = append(out, Read{Path: path, Docs: st.whole("allocations", "trustFunds", "projects"), Whole: true, Coll: "allocations",
			Scan: "a report reads every allocation its filter selects, and their trust funds and projects", once: f.Name + string(key)})
	case parent == "Query" && f.Name == "search":
		var colls []string
		for t, c := range searchKinds {
			if ts, ok := args["types"].([]any); !ok || slices.Contains(ts, any(t)) {
				colls = append(colls, c)
			}
		}
		slices.Sort(colls)
		out = append(out, Read{Path: path, Docs: st.whole(colls...), Whole: true, Coll: strings.Join(colls, ", "),
			Scan: "a search looks through every name in " + strings.Join(colls, ", ")})
	case f.Name == "totalCount" && strings.HasSuffix(parent, "Connection") && list.Coll != "" && !list.Whole:
		out = append(out, Read{Path: path, Docs: st.whole(list.Coll), Whole: true, Coll: list.Coll,
			Scan: "a count reads every " + list.Coll + " its filter selects"})
	}
	if a := f.Definition.Arguments.ForName("filter"); a != nil && a.Type != nil {
		follows := map[string]int{}
		if docs := st.relationReads(a.Type.Name(), args["filter"], follows); len(follows) > 0 {
			var what []string
			for k, n := range follows {
				what = append(what, fmt.Sprintf("%s %d× reading %s", k, n, strings.Join(relationFilters[a.Type.Name()][k], " and ")))
			}
			slices.Sort(what)
			out = append(out, Read{Path: path, Docs: docs, Whole: true,
				Scan: "its filter follows relations (" + strings.Join(what, "; ") + "), each operator (eq, ne, in, notIn) a read of whole collections"})
		}
	}
	return out
}

// relationReads are the documents the relation operators of filter v (of input type
// input) read, in its and, or and not too, whether written in the document or given as
// variables; follows counts the operators by relation field.
func (st Holdings) relationReads(input string, v any, follows map[string]int) int {
	docs := 0
	m, _ := v.(map[string]any)
	for k, fv := range m {
		switch k {
		case "and", "or":
			list, _ := fv.([]any)
			for _, c := range list {
				docs = min(docs+st.relationReads(input, c, follows), maxCost)
			}
		case "not":
			docs = min(docs+st.relationReads(input, fv, follows), maxCost)
		default:
			colls, ok := relationFilters[input][k]
			if !ok {
				continue
			}
			given, _ := fv.(map[string]any)
			for _, val := range given {
				if val != nil {
					docs = min(docs+st.whole(colls...), maxCost)
					follows[k]++
				}
			}
		}
	}
	return docs
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

// OperationCost computes the cost of a validated operation with its variables, and of its
// reads in st. It expands fragments where they are used, so it must only see documents
// whose expanded size is already bounded.
func OperationCost(op *ast.OperationDefinition, vars map[string]any, st Holdings) Cost {
	w := &costWalk{vars: vars, st: st, computed: map[string]bool{}}
	total, chain := w.selection(op.SelectionSet, "", 1, Read{})
	return Cost{Total: total, Multipliers: chain, Reads: w.reads, Heaviest: w.heaviest}
}

// costWalk is one computation of a cost: it sums the reads as it goes.
type costWalk struct {
	vars     map[string]any
	st       Holdings
	reads    int
	heaviest Read
	computed map[string]bool // the reports, series and flows read already (memo.go)
}

// read adds r to the reads.
func (w *costWalk) read(r Read) {
	w.reads = min(w.reads+r.Docs, maxCost)
	if r.Docs > w.heaviest.Docs {
		w.heaviest = r
	}
}

// selection is the cost of set at path below parents objects (the items of list, when it
// is a list's), and its most expensive chain of lists.
func (w *costWalk) selection(set ast.SelectionSet, path string, parents int, list Read) (int, []Multiplier) {
	vars := w.vars
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
			m, isList := multiplier(s, vars, p)
			below, items := parents, Read{}
			if isList {
				below = mulCapped(parents, m.Size)
				if r, ok := w.st.reads(s, p, parents, m.Size); ok && m.Arg != "ids" && s.Name != "search" {
					w.read(r)
					items = r
				}
			}
			for _, r := range w.st.scans(s, p, vars, list) {
				if r.once != "" && w.computed[r.once] {
					continue // an alias of the same report reads nothing more
				}
				w.computed[r.once] = true
				w.read(r)
			}
			child, ch := w.selection(s.SelectionSet, p, below, items)
			c := 1 + child
			if isList {
				c = 1 + mulCapped(m.Size, child)
				ch = append([]Multiplier{m}, ch...)
			}
			add(c, ch)
		case *ast.InlineFragment:
			add(w.selection(s.SelectionSet, path, parents, list))
		case *ast.FragmentSpread:
			if s.Definition != nil {
				add(w.selection(s.Definition.SelectionSet, path, parents, list))
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

// ReadAdvice names the field that may read the most, what it reads, and what to do.
func (c Cost) ReadAdvice() string {
	h := c.Heaviest
	all := ""
	if c.Reads >= 2*h.Docs {
		all = fmt.Sprintf(" (all its fields together may read %d)", c.Reads)
	}
	switch {
	case h.Scan != "":
		return fmt.Sprintf("%s may read up to %d documents, whatever its page: %s%s; ask for fewer such fields in one query, or split it into several", h.Path, h.Docs, h.Scan, all)
	case h.Whole:
		return fmt.Sprintf("%s may read up to %d documents (all the %s of its parents, which only the store's size bounds: such a list is read whole here, whatever its first)%s; filter it, or ask for it on fewer parents or in a query of its own", h.Path, h.Docs, h.Coll, all)
	}
	return fmt.Sprintf("%s may read up to %d documents (its page and one more for each parent)%s; lower its first or last, or the page sizes of the lists above it", h.Path, h.Docs, all)
}
