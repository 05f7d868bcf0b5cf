//go:build noembed

package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestNoEmbedNeedsMongoURI: a build without the embedded store (-tags noembed) refuses to
// start without MONGODB_URI, saying so, and its help says so too. CI runs it with
// `go test -tags noembed -run NoEmbed ./cmd/coopgraph`.
func TestNoEmbedNeedsMongoURI(t *testing.T) {
	for _, args := range [][]string{{"--addr", "127.0.0.1:0"}, {"seed"}} {
		err := run(context.Background(), args, noEnv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "set MONGODB_URI") {
			t.Errorf("%q without MONGODB_URI: %v, want an error asking for MONGODB_URI", args, err)
		}
	}
	if help := runHelp(t, "--help"); !strings.Contains(help, "MONGODB_URI is required") {
		t.Errorf("the help does not say MONGODB_URI is required:\n%s", help)
	}
}
