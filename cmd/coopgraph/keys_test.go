package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/auth"
)

// keysEnv returns a getenv that knows only vars.
func keysEnv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// runKeysAdd runs "keys add" with args and returns the printed key and the whole output.
func runKeysAdd(t *testing.T, getenv func(string) string, args ...string) (key, out string, err error) {
	t.Helper()
	var stdout strings.Builder
	err = runKeys(context.Background(), append([]string{"add"}, args...), getenv, &stdout, io.Discard)
	out = stdout.String()
	key, _, _ = strings.Cut(out, "\n")
	return key, out, err
}

func TestKeysAdd(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	key, out, err := runKeysAdd(t, keysEnv(nil), "--name", "alice", "--role", "editor", "--api-keys-file", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "cgk_") {
		t.Fatalf("first line %q is not a key; output:\n%s", key, out)
	}
	for _, want := range []string{"Store this key now: coopgraph keeps only its hash, in " + file + ".", "Authorization: Bearer <key>"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	kr, err := auth.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := kr.Lookup(key); !ok || id != (auth.Identity{Name: "alice", Role: auth.Editor}) {
		t.Errorf("Lookup(printed key) = %+v, %v; want alice, EDITOR", id, ok)
	}

	t.Run("ErrDuplicateName", func(t *testing.T) {
		_, _, err := runKeysAdd(t, keysEnv(nil), "--name", "alice", "--role", "VIEWER", "--api-keys-file", file)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second add of alice: err = %v, want already exists", err)
		}
	})
}

func TestKeysEnvFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "from-env.json")
	key, _, err := runKeysAdd(t, keysEnv(map[string]string{"COOPGRAPH_API_KEYS_FILE": file}), "--name", "ops", "--role", "ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := kr.Lookup(key); !ok || id.Role != auth.Admin {
		t.Errorf("Lookup = %+v, %v; want ops, ADMIN", id, ok)
	}

	// The flag wins over the variable.
	flagFile := filepath.Join(t.TempDir(), "from-flag.json")
	if _, _, err := runKeysAdd(t, keysEnv(map[string]string{"COOPGRAPH_API_KEYS_FILE": file}), "--name", "ci", "--role", "VIEWER", "--api-keys-file", flagFile); err != nil {
		t.Fatal(err)
	}
	if kr, err := auth.Load(flagFile); err != nil || kr.Len() != 1 {
		t.Errorf("--api-keys-file not used: %v", err)
	}
	if kr, _ := auth.Load(file); kr.Len() != 1 {
		t.Errorf("env file has %d keys, want 1", kr.Len())
	}
}

func TestKeysErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"ErrNoSubcommand":      {nil, "missing subcommand"},
		"ErrUnknownSubcommand": {[]string{"remove", "--name", "a"}, `unknown subcommand "remove"`},
		"ErrNameRequired":      {[]string{"add", "--role", "VIEWER", "--api-keys-file", file}, "--name is required"},
		"ErrRoleRequired":      {[]string{"add", "--name", "a", "--api-keys-file", file}, "--role is required"},
		"ErrInvalidRole":       {[]string{"add", "--name", "a", "--role", "ROOT", "--api-keys-file", file}, "VIEWER, EDITOR or ADMIN"},
		"ErrUnknownFlag":       {[]string{"add", "--nme", "a"}, "flag provided but not defined"},
		"ErrExtraArgument":     {[]string{"add", "--name", "a", "--role", "VIEWER", "--api-keys-file", file, "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout strings.Builder
			err := runKeys(context.Background(), tc.args, keysEnv(nil), &stdout, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("printed %q on error", stdout.String())
			}
		})
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("a failed keys add created the keys file")
	}
}
