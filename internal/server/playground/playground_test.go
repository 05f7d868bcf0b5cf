package playground_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/server/playground"
)

const exampleJSON = `[{"name":"01-country-to-donors","title":"From a country to its donors","query":"# From a country to its donors\n{ country(code: \"ZA\") { name } }\n"},` +
	`{"name":"05-create-project","title":"Create a project","query":"mutation { __typename }","headers":"{\"Authorization\": \"Bearer <your EDITOR key>\"}"}]`

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPage(t *testing.T) {
	h := playground.Handler([]byte(exampleJSON))
	rec := get(t, h, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`src="/playground/graphiql.js"`,
		`href="/playground/graphiql.css"`,
		`content="/graphql"`,
		`content="/playground/examples.json"`,
		"<title>coopgraph — GraphQL playground</title>",
		`<div id="graphiql">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET / does not contain %s", want)
		}
	}
	// No inline script: every <script> loads a file, so the CSP needs no exception.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, "src=") {
			t.Errorf("inline script in the page: %s", tag)
		}
	}
	if strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Error("the page has an inline event handler")
	}
	hdr := rec.Header()
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": playground.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-cache",
	} {
		if got := hdr.Get(name); got != want {
			t.Errorf("GET / %s = %q, want %q", name, got, want)
		}
	}
	csp := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "connect-src 'self'", "img-src 'self' data:", "font-src 'self' data:", "style-src 'self' 'unsafe-inline'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-eval", "script-src", "http:", "https:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP %q has %q", csp, bad)
		}
	}
}

func TestAssets(t *testing.T) {
	h := playground.Handler([]byte(exampleJSON))
	for _, c := range []struct {
		path, contentType string
		minSize           int
	}{
		{"/playground/graphiql.js", "text/javascript; charset=utf-8", 500_000},
		{"/playground/graphiql.css", "text/css; charset=utf-8", 50_000},
		{"/playground/LICENSES.txt", "text/plain; charset=utf-8", 10_000},
		{"/playground/VERSIONS.txt", "text/plain; charset=utf-8", 100},
	} {
		rec := get(t, h, c.path)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", c.path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != c.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.contentType)
		}
		if rec.Body.Len() < c.minSize {
			t.Errorf("GET %s: %d bytes, want at least %d", c.path, rec.Body.Len(), c.minSize)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Cache-Control") == "" {
			t.Errorf("GET %s: headers %v", c.path, rec.Header())
		}

		// Revalidation: the ETag gets a 304.
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", c.path)
		} else if again := get(t, h, c.path, "If-None-Match", etag); again.Code != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", c.path, again.Code)
		}

		// Gzip for clients that accept it, the same bytes once decompressed.
		zrec := get(t, h, c.path, "Accept-Encoding", "br, gzip")
		if zrec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s with Accept-Encoding gzip: Content-Encoding %q", c.path, zrec.Header().Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(zrec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, rec.Body.Bytes()) {
			t.Errorf("GET %s gzipped: does not decompress to the file (%v)", c.path, err)
		}
		if zrec.Header().Get("ETag") == etag {
			t.Errorf("GET %s: the gzipped and plain bodies share an ETag", c.path)
		}
		if rec := get(t, h, c.path, "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s with gzip;q=0: gzipped", c.path)
		}
	}
}

func TestExamples(t *testing.T) {
	rec := get(t, playground.Handler([]byte(exampleJSON)), "/playground/examples.json")
	if rec.Code != http.StatusOK || rec.Body.String() != exampleJSON {
		t.Errorf("examples.json: %d %q", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("examples.json: Content-Type %q", got)
	}
	rec = get(t, playground.Handler(nil), "/playground/examples.json")
	if rec.Code != http.StatusOK || rec.Body.String() != "[]" {
		t.Errorf("examples.json with no examples: %d %q", rec.Code, rec.Body)
	}
	// The handler keeps its own copy.
	b := []byte(exampleJSON)
	h := playground.Handler(b)
	b[0] = 'X'
	if rec := get(t, h, "/playground/examples.json"); rec.Body.String() != exampleJSON {
		t.Error("changing the caller's slice changed examples.json")
	}
}

func TestNotFound(t *testing.T) {
	h := playground.Handler([]byte(exampleJSON))
	for _, path := range []string{
		"/playground/", "/playground", "/playground/index.html", "/playground/nope.js",
		"/playground/graphiql.js.map", "/playground/dist/graphiql.js", "/index.html", "/favicon.ico",
		"/playground/../playground.go", "/dist/index.html",
	} {
		if rec := get(t, h, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /: %d, want 405", method, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/playground/graphiql.js", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD graphiql.js: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// knownURLs are the only URLs the served files may contain. None is fetched: XML
// namespace names, links that a person may click (and that leave the playground), and
// text in descriptions and error messages. A new one after an upgrade must be looked at
// and, if it is never loaded, added here with the reason.
var knownURLs = map[string]string{
	"http://www.w3.org/2000/svg":                                "SVG namespace name",
	"http://www.w3.org/1999/xlink":                              "XLink namespace name",
	"http://www.w3.org/XML/1998/namespace":                      "XML namespace name",
	"http://www.w3.org/1998/Math/MathML":                        "MathML namespace name",
	"https://react.dev/errors/":                                 "text of React's minified error messages",
	"https://yarnpkg.com/en/docs/selective-version-resolutions": "text of graphql-js's duplicate-module error",
	"https://en.wikipedia.org/wiki/IEEE_floating_point":         "description of the Float scalar",
	"https://commonmark.org/":                                   "description of @deprecated(reason:)",
	"https://codemirror.net/5/doc/manual.html#keymaps":          "link in GraphiQL's short-keys dialog",
	"https://github.com/graphql/graphiql":                       "link of GraphiQL's default logo (replaced by ours)",
	"https://www.onegraph.com":                                  "explorer attribution link (showAttribution is off)",
	"https://github.com/OneGraph/graphiql-explorer":             "explorer attribution link (showAttribution is off)",
	"http://":         "markdown-it's link normaliser (prefix for schemaless links)",
	"http://${t.url}": "markdown-it's link normaliser (template string)",
}

// blockedHosts are hosts that a CDN-loaded IDE would fetch from.
var blockedHosts = []string{"//unpkg.com", "//cdn.", "jsdelivr", "fonts.googleapis", "fonts.gstatic", "esm.sh", "cdnjs", "skypack"}

// TestNoOtherHost: the served files load nothing from another host.
func TestNoOtherHost(t *testing.T) {
	urlRE := regexp.MustCompile("https?://[^\\s\"'`)<>\\\\]*")
	for _, name := range []string{"index.html", "graphiql.js", "graphiql.css"} {
		b, err := os.ReadFile(filepath.Join("dist", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, host := range blockedHosts {
			if strings.Contains(text, host) {
				t.Errorf("dist/%s refers to %s", name, host)
			}
		}
		for _, u := range urlRE.FindAllString(text, -1) {
			if _, ok := knownURLs[u]; !ok {
				t.Errorf("dist/%s has an unknown URL %q: check that it is never fetched, then add it to knownURLs", name, u)
			}
		}
		// Stylesheets: every url() is inlined data, and nothing is @imported.
		if strings.HasSuffix(name, ".css") {
			if strings.Contains(text, "@import") {
				t.Errorf("dist/%s has an @import", name)
			}
			for _, m := range regexp.MustCompile(`url\(\s*['"]?([^'")]{0,16})`).FindAllStringSubmatch(text, -1) {
				if !strings.HasPrefix(m[1], "data:") {
					t.Errorf("dist/%s loads url(%s…)", name, m[1])
				}
			}
		}
	}
	if b, _ := os.ReadFile("dist/index.html"); regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Match(b) {
		t.Error("dist/index.html loads from another host")
	}
}

// TestLicenses: LICENSES.txt has a licence for every package in VERSIONS.txt, graphiql's
// (MIT) and React's among them.
func TestLicenses(t *testing.T) {
	lic, err := os.ReadFile("dist/LICENSES.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(lic)
	for _, want := range []string{"graphiql@", "@graphiql/plugin-explorer@", "react@", "react-dom@", "graphql@", "MIT License", "Meta Platforms, Inc. and affiliates", "GraphQL Contributors"} {
		if !strings.Contains(text, want) {
			t.Errorf("LICENSES.txt does not mention %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^graphiql@4\.[0-9.]+ \(MIT\)$`).MatchString(text) {
		t.Error("LICENSES.txt has no MIT section for graphiql@4")
	}
	ver, err := os.Open("dist/VERSIONS.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer ver.Close()
	n := 0
	for sc := bufio.NewScanner(ver); sc.Scan(); {
		pkg, license, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.Contains(pkg, "@") || strings.HasPrefix(pkg, "bundler:") || strings.Contains(sc.Text(), "(") {
			continue
		}
		n++
		if !strings.Contains(text, "\n"+pkg+" ("+license+")\n") {
			t.Errorf("LICENSES.txt has no section for %s (%s)", pkg, license)
		}
	}
	if n < 10 {
		t.Errorf("VERSIONS.txt lists %d packages", n)
	}
}
