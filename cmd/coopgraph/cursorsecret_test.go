package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestCursorSecret reads --cursor-secret and COOPGRAPH_CURSOR_SECRET (the flag wins), refuses
// a short one without echoing it, and never prints it in the help.
func TestCursorSecret(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	env := func(v string) func(string) string {
		return func(name string) string {
			if name == "COOPGRAPH_CURSOR_SECRET" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", ""},
		{nil, secret, secret},
		{[]string{"--cursor-secret", secret + "!"}, secret, secret + "!"},
	} {
		cfg, err := parseConfig("serve", c.args, env(c.env), io.Discard)
		if err != nil || string(cfg.cursorSecret) != c.want {
			t.Errorf("%q with env %q: secret %q, %v; want %q", c.args, c.env, cfg.cursorSecret, err, c.want)
		}
	}
	if _, err := parseConfig("serve", nil, env("short-secret"), io.Discard); err == nil || !strings.Contains(err.Error(), "--cursor-secret") || strings.Contains(err.Error(), "short-secret") {
		t.Errorf("short secret: error %v; want one naming --cursor-secret without the secret", err)
	}
	var help bytes.Buffer
	if _, err := parseConfig("serve", []string{"-h"}, env(secret), &help); err == nil || !strings.Contains(help.String(), "cursor-secret") || strings.Contains(help.String(), secret) {
		t.Errorf("help (error %v) shows the secret or lacks the flag:\n%s", err, help.String())
	}
	if cfg, err := parseConfig("seed", nil, env(secret), io.Discard); err != nil || cfg.cursorSecret != nil {
		t.Errorf("seed: secret %q, %v; want none", cfg.cursorSecret, err)
	}
}
