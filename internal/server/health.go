package server

import (
	"context"
	"net/http"
	"time"
)

// ReadyPingTimeout bounds the store read of /readyz.
const ReadyPingTimeout = time.Second

// live answers /healthz: 200 "ok" whenever the process serves HTTP. It does not touch the
// store, so an orchestrator restarts the server only when the server itself is stuck,
// never because the store is away (a restart would not bring it back).
func live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// ready answers /readyz: 200 "ready" while the store serves a read within
// ReadyPingTimeout, and 503 otherwise (the store is away, or every connection to it is
// taken), so that a load balancer sends traffic elsewhere until it can serve again.
func ready(ping func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyPingTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: the data store is unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	}
}
