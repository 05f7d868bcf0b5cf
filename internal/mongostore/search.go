package mongostore

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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
	want := func(t string) bool { return len(types) == 0 || slices.Contains(types, t) }
	n := normalize(text)
	prefix := regexp.MustCompile("^" + regexp.QuoteMeta(n))
	contains := bson.D{{Key: "$regex", Value: regexp.QuoteMeta(n)}}
	code := bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(text) + "$"}, {Key: "$options", Value: "i"}}
	opts := func() *options.FindOptionsBuilder {
		// Enough candidates to rank: exact codes and prefixes are few.
		return options.Find().SetLimit(int64(limit) * 5).SetSort(bson.D{{Key: "_id", Value: 1}})
	}
	rank := func(exact bool, norm string) int {
		switch {
		case exact:
			return 0
		case prefix.MatchString(norm):
			return 1
		}
		return 2
	}
	var hits []hit
	add := func(exact bool, norm, name, id string, v any) {
		hits = append(hits, hit{rank(exact, norm), name, id, v})
	}
	if want("DONOR") {
		filter := bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "nameNorm", Value: contains}}, bson.D{{Key: "shortNameNorm", Value: contains}}}}}
		ds, err := find(ctx, s.db.Collection(donorsColl), filter, opts(), (*donorDoc).domain)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			norm := normalize(d.Name)
			if prefix.MatchString(normalize(d.ShortName)) {
				norm = normalize(d.ShortName)
			}
			add(strings.EqualFold(d.ShortName, text), norm, d.Name, d.ID, d)
		}
	}
	if want("AGREEMENT") {
		as, err := find(ctx, s.db.Collection(agreementsColl), bson.D{{Key: "titleNorm", Value: contains}}, opts(), (*agreementDoc).domain)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			add(false, normalize(a.Title), a.Title, a.ID, a)
		}
	}
	if want("TRUST_FUND") {
		ts, err := find(ctx, s.db.Collection(trustFundsColl), bson.D{{Key: "nameNorm", Value: contains}}, opts(), (*trustFundDoc).domain)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			add(false, normalize(t.Name), t.Name, t.ID, t)
		}
	}
	if want("PROJECT") {
		filter := bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "titleNorm", Value: contains}}, bson.D{{Key: "code", Value: code}}}}}
		ps, err := find(ctx, s.db.Collection(projectsColl), filter, opts(), (*projectDoc).domain)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			add(strings.EqualFold(p.Code, text), normalize(p.Title), p.Title, p.ID, p)
		}
	}
	if want("COUNTRY") {
		filter := bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "nameNorm", Value: contains}}, bson.D{{Key: "_id", Value: code}}, bson.D{{Key: "iso3", Value: code}}}}}
		cs, err := find(ctx, s.db.Collection(countriesColl), filter, opts(), (*countryDoc).domain)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			add(strings.EqualFold(c.Code, text) || strings.EqualFold(c.ISO3, text), normalize(c.Name), c.Name, c.Code, c)
		}
	}
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
	return out, nil
}
