package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/examples"
)

// TestExamples runs every example operation against the demo data, with an EDITOR key where
// it asks for one, and checks the README shows it as written.
func TestExamples(t *testing.T) {
	all := examples.All()
	if len(all) < 5 {
		t.Fatalf("%d examples, want at least 5", len(all))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := newMutAPI(t, false)
	placeholder := regexp.MustCompile(`<your EDITOR key[^>]*>`)
	for _, ex := range all {
		t.Run(ex.Name, func(t *testing.T) {
			if ex.Title == "" {
				t.Error("no title comment")
			}
			if !strings.Contains(string(readme), ex.Query) {
				t.Error("the README does not show this example as written")
			}
			key := ""
			if ex.Headers != "" {
				var h map[string]string
				if err := json.Unmarshal([]byte(ex.Headers), &h); err != nil {
					t.Fatalf("headers %q: %v", ex.Headers, err)
				}
				if !placeholder.MatchString(h["Authorization"]) {
					t.Fatalf("headers %q do not ask for an EDITOR key", ex.Headers)
				}
				key = m.editor
			}
			status, r := postKey(t, m.h, key, ex.Query, nil)
			if status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("HTTP %d, errors %+v", status, r.Errors)
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil || len(data) == 0 {
				t.Fatalf("no data: %s", r.Data)
			}
			for field, v := range data {
				if v == nil {
					t.Errorf("%s is null", field)
				}
			}
		})
	}
	var parsed []examples.Example
	if err := json.Unmarshal(examples.JSON(), &parsed); err != nil || len(parsed) != len(all) || parsed[0].Name != "01-country-to-donors" {
		t.Errorf("examples.JSON() = %d examples, %v", len(parsed), err)
	}
}
