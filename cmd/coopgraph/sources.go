package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// source is one thing to import: a file, a URL (an IATI registry entry is one) or
// standard input.
type source struct {
	name string // as the user named it (a directory's files by their path)
	open func(ctx context.Context) (io.ReadCloser, int64, error)
}

// sources turns import's arguments into what to read, in order: a file; each .xml or
// .xml.gz file of a directory, by name; an http(s) URL; - for standard input. Files and
// directories are checked here, before anything is written; a URL when its turn comes.
func sources(args []string, stdin io.Reader) ([]source, error) {
	var out []source
	for _, arg := range args {
		switch {
		case arg == "-":
			out = append(out, source{"standard input", func(context.Context) (io.ReadCloser, int64, error) {
				return io.NopCloser(stdin), 0, nil
			}})
		case strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://"):
			out = append(out, source{arg, func(ctx context.Context) (io.ReadCloser, int64, error) { return fetch(ctx, arg) }})
		default:
			st, err := os.Stat(arg)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				out = append(out, fileSource(arg))
				continue
			}
			entries, err := os.ReadDir(arg)
			if err != nil {
				return nil, err
			}
			n := len(out)
			for _, e := range entries {
				if name := strings.ToLower(e.Name()); e.Type().IsRegular() && (strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".xml.gz")) {
					out = append(out, fileSource(filepath.Join(arg, e.Name())))
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("%s: a directory without .xml or .xml.gz files", arg)
			}
			slices.SortFunc(out[n:], func(a, b source) int { return strings.Compare(a.name, b.name) })
		}
	}
	return out, nil
}

func fileSource(path string) source {
	return source{path, func(context.Context) (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		return f, size, nil
	}}
}

// fetch GETs url, following redirects; anything but 200 is an error naming the status.
func fetch(ctx context.Context, url string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", "coopgraph-import")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, max(resp.ContentLength, 0), nil
}

// gunzipped reads r, decompressed if it starts like a gzip stream (whatever its name).
func gunzipped(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}
