package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/coopgraph/coopgraph/internal/seed"
)

// TestConcurrentTextFilters runs text filters (which normalise their text: case and
// accents) from many goroutines at once and checks every answer against the one the same
// filter gave alone. One transformer shared by all goroutines gave wrong answers
// ("belgiu" found nothing) and internal errors (slice bounds out of range); with -race it
// is reported at once.
func TestConcurrentTextFilters(t *testing.T) {
	a := newAPI(t, seed.Flanders())
	const q = `query($t: String!) { countries(first: 100, filter: {name: {contains: $t}}) { nodes { code } } }`
	codes := func(text string) ([]string, error) {
		status, r := a.post(t, q, map[string]any{"t": text})
		if status != 200 || len(r.Errors) > 0 {
			return nil, fmt.Errorf("%q: %d %v", text, status, r.Errors)
		}
		var out struct {
			Countries struct{ Nodes []struct{ Code string } }
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			return nil, err
		}
		var cs []string
		for _, n := range out.Countries.Nodes {
			cs = append(cs, n.Code)
		}
		return cs, nil
	}
	texts := []string{"belgiu", "CÔTE D", "mozamb", "São Tomé", "ÅLAND", "curaçao", "réunion", "türk"}
	alone := map[string][]string{}
	for _, text := range texts {
		cs, err := codes(text)
		if err != nil {
			t.Fatal(err)
		}
		alone[text] = cs
	}
	if !slices.Equal(alone["belgiu"], []string{"BE"}) || !slices.Equal(alone["mozamb"], []string{"MZ"}) {
		t.Fatalf("alone: belgiu %v, mozamb %v; want [BE], [MZ]", alone["belgiu"], alone["mozamb"])
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 12 {
				text := texts[(g+i)%len(texts)]
				cs, err := codes(text)
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.Equal(cs, alone[text]) {
					t.Errorf("%q at once with others: %v, alone %v", text, cs, alone[text])
				}
			}
		}()
	}
	wg.Wait()
}
