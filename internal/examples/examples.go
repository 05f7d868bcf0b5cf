// Package examples holds the example operations of coopgraph, in one place: the
// playground opens them as tabs, the README shows them, and a test runs each against the
// demo data. Each file is one operation; its first line, a comment, is its title, and an
// optional `# headers: {...}` line gives the headers it needs.
package examples

import (
	"embed"
	"encoding/json"
	"path"
	"strings"
)

//go:embed *.graphql
var files embed.FS

// Example is one example operation.
type Example struct {
	Name    string `json:"name"`    // the file name without .graphql, e.g. "01-country-to-donors"
	Title   string `json:"title"`   // the first comment line
	Query   string `json:"query"`   // the whole file
	Headers string `json:"headers"` // a JSON object, or ""
}

// All returns the examples in file-name order.
func All() []Example {
	entries, _ := files.ReadDir(".")
	out := make([]Example, 0, len(entries))
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		text := string(b)
		ex := Example{Name: strings.TrimSuffix(e.Name(), path.Ext(e.Name())), Query: text}
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "#") {
				break
			}
			c := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			if h, ok := strings.CutPrefix(c, "headers:"); ok {
				ex.Headers = strings.TrimSpace(h)
			} else if ex.Title == "" {
				ex.Title = c
			}
		}
		out = append(out, ex)
	}
	return out
}

// JSON is All as JSON, as the playground reads it.
func JSON() []byte {
	b, _ := json.Marshal(All())
	return b
}
