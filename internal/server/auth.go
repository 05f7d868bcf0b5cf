package server

import (
	"net/http"

	"github.com/coopgraph/coopgraph/internal/auth"
)

// requireKey answers 401 to requests with an invalid key, and to any request without a
// valid key when reads need one too. (A mutation sent without a key gets a response of
// nothing but UNAUTHENTICATED errors, which the transport makes a 401.)
func requireKey(forReads bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, state := auth.From(r.Context())
		switch {
		case r.Method == http.MethodOptions:
		case state == auth.Invalid:
			unauthenticated(w, r, "the API key is not valid")
			return
		case forReads && state != auth.Authenticated:
			unauthenticated(w, r, "this server needs an API key for every request: send it as `Authorization: Bearer <key>`")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="coopgraph"`)
	refuse(w, r, http.StatusUnauthorized, "", "UNAUTHENTICATED", msg)
}
