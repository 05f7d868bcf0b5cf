package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/coopgraph/coopgraph/internal/auth"
)

// requireKey answers 401 to requests with an invalid key, and to any request without a
// valid key when reads need one too. Otherwise it runs next, and turns a response that is
// nothing but UNAUTHENTICATED errors (a mutation sent without a key) into a 401.
func requireKey(forReads bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, state := auth.From(r.Context())
		switch {
		case r.Method == http.MethodOptions:
		case state == auth.Invalid:
			unauthenticated(w, "the API key is not valid")
			return
		case forReads && state != auth.Authenticated:
			unauthenticated(w, "this server needs an API key for every request: send it as `Authorization: Bearer <key>`")
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		status := rec.status
		if status == http.StatusOK && onlyUnauthenticated(rec.body.Bytes()) {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="coopgraph"`)
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": "UNAUTHENTICATED"}}},
	})
}

// onlyUnauthenticated reports whether a GraphQL response has no data and only
// UNAUTHENTICATED errors.
func onlyUnauthenticated(body []byte) bool {
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &resp) != nil || len(resp.Errors) == 0 || (len(resp.Data) > 0 && string(resp.Data) != "null") {
		return false
	}
	for _, e := range resp.Errors {
		if e.Extensions.Code != "UNAUTHENTICATED" {
			return false
		}
	}
	return true
}

// recorder holds a response until it is known whether it is a 401.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
