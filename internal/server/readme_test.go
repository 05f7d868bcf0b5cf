package server_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

var mutation = regexp.MustCompile(`(?m)^mutation\b`)

// TestReadmeQueries runs every graphql block of the README against the demo data.
func TestReadmeQueries(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("README has %d graphql examples, want at least 3", len(blocks))
	}
	a := newAPI(t, seed.Flanders())
	for _, b := range blocks {
		if mutation.MatchString(b[1]) {
			continue // run, with a key, by TestExamples
		}
		var data map[string]any
		a.query(t, b[1], nil, &data)
		for field, v := range data {
			if v == nil {
				t.Errorf("README query %.60q: %s is null", b[1], field)
			}
		}
	}
}
