// Command baseline is what scripts/bench/run measures coopgraph against: minimal
// hand-written mongo-driver and encoding/json code that answers three GraphQL requests,
// and only those, with the same JSON as coopgraph on the same data (main_test.go checks
// it):
//
//   - the trivial query, `{ country(code: "MW") { name } }`
//   - the Malawi walk, internal/examples/01-country-to-donors.graphql
//   - the five-level query, internal/examples/02-five-levels.graphql
//
// It sends the store the commands coopgraph sends (one read per level: an equality on
// _id for one id, else $in sorted by _id, cut per parent in Go), so that the two differ
// only in the API's own work. A request is recognised by its exact query text, like a
// persisted query; any other is answered 400.
//
//	MONGODB_URI=mongodb://127.0.0.1:27017/ go run ./scripts/bench/baseline -addr 127.0.0.1:8090
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/coopgraph/coopgraph/internal/examples"
	"github.com/coopgraph/coopgraph/internal/funding"
)

// TrivialQuery is the trivial query's text.
const TrivialQuery = `{ country(code: "MW") { name } }`

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	dbName := flag.String("db", "coopgraph", "database name")
	flag.Parse()
	client, err := mongo.Connect(options.Client().ApplyURI(cmp.Or(os.Getenv("MONGODB_URI"), "mongodb://127.0.0.1:27017/")))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(*addr, Handler(client.Database(*dbName))))
}

// Handler answers the three queries from db at /graphql.
func Handler(db *mongo.Database) http.Handler {
	answers := map[string]func(context.Context, *mongo.Database) (any, error){TrivialQuery: trivial}
	for _, e := range examples.All() {
		switch e.Name {
		case "01-country-to-donors":
			answers[e.Query] = malawi
		case "02-five-levels":
			answers[e.Query] = fiveLevels
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query string `json:"query"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer, ok := answers[req.Query]
		if !ok {
			http.Error(w, "unknown query", http.StatusBadRequest)
			return
		}
		data, err := answer(r.Context(), db)
		w.Header().Set("Content-Type", "application/graphql-response+json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	})
	return mux
}

// The stored documents, only the fields the answers use.
type (
	countryDoc struct {
		Code   string `bson:"_id"`
		Name   string `bson:"name"`
		Region string `bson:"region"`
	}
	donorDoc struct {
		ID        string `bson:"_id"`
		Name      string `bson:"name"`
		ShortName string `bson:"shortName"`
	}
	trustFundDoc struct {
		ID       string `bson:"_id"`
		DonorID  string `bson:"donorId"`
		Name     string `bson:"name"`
		Currency string `bson:"currency"`
	}
	allocationDoc struct {
		ID          string `bson:"_id"`
		TrustFundID string `bson:"trustFundId"`
		ProjectID   string `bson:"projectId"`
		Year        int    `bson:"year"`
		Amount      struct {
			Units    int64  `bson:"units"`
			Currency string `bson:"currency"`
		} `bson:"amount"`
	}
	projectDoc struct {
		ID        string `bson:"_id"`
		Code      string `bson:"code"`
		Title     string `bson:"title"`
		Countries []struct {
			Code  string `bson:"code"`
			Share int    `bson:"share"`
		} `bson:"countries"`
	}
)

// The answers, field by field in the order the queries ask.
type (
	money struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}
	nodes[T any] struct {
		Nodes []T `json:"nodes"`
	}
)

func moneyOf(a *allocationDoc) money {
	return money{funding.FormatUnits(a.Amount.Units, funding.MinorDigits(a.Amount.Currency)), a.Amount.Currency}
}

func trivial(ctx context.Context, db *mongo.Database) (any, error) {
	type country struct {
		Name string `json:"name"`
	}
	cs, err := byID[countryDoc](ctx, db, "countries", []string{"MW"})
	if err != nil || len(cs) == 0 {
		return map[string]*country{"country": nil}, err
	}
	return map[string]*country{"country": {cs[0].Name}}, nil
}

func malawi(ctx context.Context, db *mongo.Database) (any, error) {
	type (
		donor struct {
			Name string `json:"name"`
		}
		trustFund struct {
			Name  string `json:"name"`
			Donor *donor `json:"donor"`
		}
		allocation struct {
			Year      int        `json:"year"`
			Amount    money      `json:"amount"`
			TrustFund *trustFund `json:"trustFund"`
		}
		project struct {
			Title       string            `json:"title"`
			Allocations nodes[allocation] `json:"allocations"`
		}
		country struct {
			Name     string         `json:"name"`
			Projects nodes[project] `json:"projects"`
		}
	)
	cs, err := byID[countryDoc](ctx, db, "countries", []string{"MW"})
	if err != nil || len(cs) == 0 {
		return map[string]*country{"country": nil}, err
	}
	projects, err := childrenOf[projectDoc](ctx, db, "projects", "countries.code", []string{"MW"}, 50,
		func(p *projectDoc) []string { return codes(p) })
	if err != nil {
		return nil, err
	}
	ps := projects["MW"]
	allocs, err := childrenOf[allocationDoc](ctx, db, "allocations", "projectId", ids(ps, func(p *projectDoc) string { return p.ID }), 50,
		func(a *allocationDoc) []string { return []string{a.ProjectID} })
	if err != nil {
		return nil, err
	}
	var all []*allocationDoc
	for _, p := range ps {
		all = append(all, allocs[p.ID]...)
	}
	tfs, err := byIDMap[trustFundDoc](ctx, db, "trustFunds", ids(all, func(a *allocationDoc) string { return a.TrustFundID }), func(t *trustFundDoc) string { return t.ID })
	if err != nil {
		return nil, err
	}
	var tfList []*trustFundDoc
	for _, t := range tfs {
		tfList = append(tfList, t)
	}
	donors, err := byIDMap[donorDoc](ctx, db, "donors", ids(tfList, func(t *trustFundDoc) string { return t.DonorID }), func(d *donorDoc) string { return d.ID })
	if err != nil {
		return nil, err
	}
	out := &country{Name: cs[0].Name, Projects: nodes[project]{Nodes: []project{}}}
	for _, p := range ps {
		pr := project{Title: p.Title, Allocations: nodes[allocation]{Nodes: []allocation{}}}
		for _, a := range allocs[p.ID] {
			var tf *trustFund
			if t := tfs[a.TrustFundID]; t != nil {
				tf = &trustFund{Name: t.Name}
				if d := donors[t.DonorID]; d != nil {
					tf.Donor = &donor{d.Name}
				}
			}
			pr.Allocations.Nodes = append(pr.Allocations.Nodes, allocation{a.Year, moneyOf(a), tf})
		}
		out.Projects.Nodes = append(out.Projects.Nodes, pr)
	}
	return map[string]*country{"country": out}, nil
}

func fiveLevels(ctx context.Context, db *mongo.Database) (any, error) {
	type (
		country struct {
			Name   string  `json:"name"`
			Region *string `json:"region"`
		}
		share struct {
			Share   float64  `json:"share"`
			Country *country `json:"country"`
		}
		project struct {
			Code      string  `json:"code"`
			Title     string  `json:"title"`
			Countries []share `json:"countries"`
		}
		allocation struct {
			Year    int      `json:"year"`
			Amount  money    `json:"amount"`
			Project *project `json:"project"`
		}
		trustFund struct {
			Name        string            `json:"name"`
			Currency    string            `json:"currency"`
			Allocations nodes[allocation] `json:"allocations"`
		}
		donor struct {
			ShortName  string           `json:"shortName"`
			TrustFunds nodes[trustFund] `json:"trustFunds"`
		}
	)
	donors, err := findAll[donorDoc](ctx, db, "donors", bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(6))
	if err != nil {
		return nil, err
	}
	donors = donors[:min(len(donors), 5)]
	tfs, err := childrenOf[trustFundDoc](ctx, db, "trustFunds", "donorId", ids(donors, func(d *donorDoc) string { return d.ID }), 50,
		func(t *trustFundDoc) []string { return []string{t.DonorID} })
	if err != nil {
		return nil, err
	}
	var tfList []*trustFundDoc
	for _, d := range donors {
		tfList = append(tfList, tfs[d.ID]...)
	}
	allocs, err := childrenOf[allocationDoc](ctx, db, "allocations", "trustFundId", ids(tfList, func(t *trustFundDoc) string { return t.ID }), 3,
		func(a *allocationDoc) []string { return []string{a.TrustFundID} })
	if err != nil {
		return nil, err
	}
	var all []*allocationDoc
	for _, t := range tfList {
		all = append(all, allocs[t.ID]...)
	}
	projects, err := byIDMap[projectDoc](ctx, db, "projects", ids(all, func(a *allocationDoc) string { return a.ProjectID }), func(p *projectDoc) string { return p.ID })
	if err != nil {
		return nil, err
	}
	var codeList []string
	for _, p := range projects {
		codeList = append(codeList, codes(p)...)
	}
	countries, err := byIDMap[countryDoc](ctx, db, "countries", unique(codeList), func(c *countryDoc) string { return c.Code })
	if err != nil {
		return nil, err
	}
	out := []donor{}
	for _, d := range donors {
		do := donor{ShortName: d.ShortName, TrustFunds: nodes[trustFund]{Nodes: []trustFund{}}}
		for _, t := range tfs[d.ID] {
			tf := trustFund{Name: t.Name, Currency: t.Currency, Allocations: nodes[allocation]{Nodes: []allocation{}}}
			for _, a := range allocs[t.ID] {
				var pr *project
				if p := projects[a.ProjectID]; p != nil {
					pr = &project{Code: p.Code, Title: p.Title, Countries: []share{}}
					for _, c := range p.Countries {
						var co *country
						if cd := countries[c.Code]; cd != nil {
							co = &country{Name: cd.Name}
							if cd.Region != "" {
								co.Region = &cd.Region
							}
						}
						pr.Countries = append(pr.Countries, share{float64(c.Share) / 100, co})
					}
				}
				tf.Allocations.Nodes = append(tf.Allocations.Nodes, allocation{a.Year, moneyOf(a), pr})
			}
			do.TrustFunds.Nodes = append(do.TrustFunds.Nodes, tf)
		}
		out = append(out, do)
	}
	return map[string]nodes[donor]{"donors": {Nodes: out}}, nil
}

// findAll decodes every document filter matches in coll.
func findAll[D any](ctx context.Context, db *mongo.Database, coll string, filter bson.D, opts *options.FindOptionsBuilder) ([]*D, error) {
	cur, err := db.Collection(coll).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", coll, err)
	}
	var out []*D
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("find %s: %w", coll, err)
	}
	return out, nil
}

// byID reads the documents of coll with the given ids: one id as an equality, more as
// $in sorted by _id.
func byID[D any](ctx context.Context, db *mongo.Database, coll string, ids []string) ([]*D, error) {
	switch len(ids) {
	case 0:
		return nil, nil
	case 1:
		return findAll[D](ctx, db, coll, bson.D{{Key: "_id", Value: ids[0]}}, options.Find())
	}
	return findAll[D](ctx, db, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// byIDMap is byID by id.
func byIDMap[D any](ctx context.Context, db *mongo.Database, coll string, ids []string, id func(*D) string) (map[string]*D, error) {
	ds, err := byID[D](ctx, db, coll, unique(ids))
	out := make(map[string]*D, len(ds))
	for _, d := range ds {
		out[id(d)] = d
	}
	return out, err
}

// childrenOf reads the documents of coll whose ref is one of parents, in _id order, and
// returns the first n of each parent (parentsOf says which parents a document has).
func childrenOf[D any](ctx context.Context, db *mongo.Database, coll, ref string, parents []string, n int, parentsOf func(*D) []string) (map[string][]*D, error) {
	out := map[string][]*D{}
	if len(parents) == 0 {
		return out, nil
	}
	ds, err := findAll[D](ctx, db, coll, bson.D{{Key: ref, Value: bson.D{{Key: "$in", Value: unique(parents)}}}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		for _, p := range parentsOf(d) {
			if len(out[p]) < n {
				out[p] = append(out[p], d)
			}
		}
	}
	return out, nil
}

func ids[D any](ds []*D, id func(*D) string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = id(d)
	}
	return out
}

func codes(p *projectDoc) []string {
	out := make([]string, len(p.Countries))
	for i, c := range p.Countries {
		out[i] = c.Code
	}
	return out
}

// unique returns ss without repeats, in first-seen order.
func unique(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
