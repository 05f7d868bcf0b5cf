package mongostore

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// hit is one search result with its rank: 0 an exact code, 1 a name that starts with the
// text, 2 a name that contains it.
type hit struct {
	rank int
	name string
	id   string
	v    any
}

// Search finds donors, agreements, trust funds, projects and countries whose name, title
// or code matches text, ignoring case and accents; exact code matches first, then names
// starting with the text, then names containing it, each by name. types limits the kinds
// (DONOR, AGREEMENT, TRUST_FUND, PROJECT, COUNTRY); none means all. Each kind costs at
// most one read.
func (s *Store) Search(ctx context.Context, text string, types []string, limit int) ([]any, error) {
	n := normalize(text)
	m := matcher{text: text, prefix: regexp.MustCompile("^" + regexp.QuoteMeta(n))}
	contains := bson.D{{Key: "$regex", Value: regexp.QuoteMeta(n)}}
	code := bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(text) + "$"}, {Key: "$options", Value: "i"}}
	either := func(ds ...bson.D) bson.D {
		or := bson.A{}
		for _, d := range ds {
			or = append(or, d)
		}
		return bson.D{{Key: "$or", Value: or}}
	}
	field := func(path string, cond bson.D) bson.D { return bson.D{{Key: path, Value: cond}} }
	kinds := []struct {
		name string
		find func() ([]hit, error)
	}{
		{"DONOR", func() ([]hit, error) {
			return searchIn(ctx, s, &donors, either(field("nameNorm", contains), field("shortNameNorm", contains)), limit, m.donor)
		}},
		{"AGREEMENT", func() ([]hit, error) {
			return searchIn(ctx, s, &agreements, field("titleNorm", contains), limit, func(a *funding.Agreement) hit {
				return m.hit(false, a.Title, a.Title, a.ID, a)
			})
		}},
		{"TRUST_FUND", func() ([]hit, error) {
			return searchIn(ctx, s, &trustFunds, field("nameNorm", contains), limit, func(t *funding.TrustFund) hit {
				return m.hit(false, t.Name, t.Name, t.ID, t)
			})
		}},
		{"PROJECT", func() ([]hit, error) {
			return searchIn(ctx, s, &projects, either(field("titleNorm", contains), field("code", code)), limit, func(p *funding.Project) hit {
				return m.hit(strings.EqualFold(p.Code, text), p.Title, p.Title, p.ID, p)
			})
		}},
		{"COUNTRY", func() ([]hit, error) {
			filter := either(field("nameNorm", contains), field("_id", code), field("iso3", code))
			return searchIn(ctx, s, &countries, filter, limit, func(c *funding.Country) hit {
				return m.hit(strings.EqualFold(c.Code, text) || strings.EqualFold(c.ISO3, text), c.Name, c.Name, c.Code, c)
			})
		}},
	}
	var hits []hit
	for _, k := range kinds {
		if len(types) > 0 && !slices.Contains(types, k.name) {
			continue
		}
		got, err := k.find()
		if err != nil {
			return nil, err
		}
		hits = append(hits, got...)
	}
	return best(hits, limit), nil
}

// searchIn reads the candidates of one entity that filter selects and ranks each.
func searchIn[D, T, F any, O ~string](ctx context.Context, s *Store, e *entity[D, T, F, O], filter bson.D, limit int, rank func(*T) hit) ([]hit, error) {
	// Enough candidates to rank: exact codes and prefixes are few.
	opts := options.Find().SetLimit(int64(limit) * 5).SetSort(bson.D{{Key: "_id", Value: 1}})
	xs, err := e.findWhere(ctx, s, filter, opts)
	if err != nil {
		return nil, err
	}
	return mapAll(xs, rank), nil
}

// matcher ranks names against the searched text.
type matcher struct {
	text   string
	prefix *regexp.Regexp // the normalised text at the start
}

// hit is the hit of v, listed as name: rank 0 if exact, 1 if matched (normalised) starts
// with the text, else 2.
func (m matcher) hit(exact bool, matched, name, id string, v any) hit {
	switch {
	case exact:
		return hit{0, name, id, v}
	case m.prefix.MatchString(normalize(matched)):
		return hit{1, name, id, v}
	}
	return hit{2, name, id, v}
}

// donor ranks a donor by its short name if that starts with the text, else by its name.
func (m matcher) donor(d *funding.Donor) hit {
	name := d.Name
	if m.prefix.MatchString(normalize(d.ShortName)) {
		name = d.ShortName
	}
	return m.hit(strings.EqualFold(d.ShortName, m.text), name, d.Name, d.ID, d)
}

// best returns the values of the first limit hits by rank, name and id.
func best(hits []hit, limit int) []any {
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]any, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.v)
	}
	return out
}
