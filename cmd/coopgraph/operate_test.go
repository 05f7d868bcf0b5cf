package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// commandFlags are the flag sets of every command, as their help shows them.
func commandFlags() map[string]*flag.FlagSet {
	var c config
	var secret, check string
	var errs []error
	sets := map[string]*flag.FlagSet{
		"serve":       configFlags("serve", noEnv, &c, &secret, &errs),
		"seed":        configFlags("seed", noEnv, &c, &secret, &errs),
		"import iati": configFlags("import iati", noEnv, &c, &secret, &errs),
		"schema":      schemaFlags(noEnv, &check, &errs),
	}
	for _, sub := range keysCommands {
		sets["keys "+sub] = keysFlags(sub, noEnv, &keysArgs{}, &errs)
	}
	return sets
}

// envTwin is the environment variable a flag's usage names, or "".
func envTwin(f *flag.Flag) string {
	m := regexp.MustCompile(`\(default .+; env ([A-Z][A-Z0-9_]+)\)$`).FindStringSubmatch(f.Usage)
	if m == nil {
		return ""
	}
	return m[1]
}

// helpFlags are the flags a help text lists, in order.
func helpFlags(help string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z-]+)`).FindAllStringSubmatch(help, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestHelp: --help, -h and help, for coopgraph and each command, exit 0 and list exactly
// the command's flags, each with its environment variable and default.
func TestHelp(t *testing.T) {
	sets := commandFlags()
	for cmd, fs := range sets {
		var want []string
		fs.VisitAll(func(f *flag.Flag) {
			want = append(want, f.Name)
			if envTwin(f) == "" {
				t.Errorf("%s --%s has no env twin in its usage %q", cmd, f.Name, f.Usage)
			}
		})
		for _, args := range [][]string{
			append(strings.Fields(cmd), "--help"),
			append(strings.Fields(cmd), "-h"),
			append([]string{"help"}, strings.Fields(cmd)...),
		} {
			var out strings.Builder
			if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
				t.Errorf("%q: %v", args, err)
				continue
			}
			help := out.String()
			if got := helpFlags(help); !slices.Equal(got, want) {
				t.Errorf("%q lists the flags %v, want %v", args, got, want)
			}
			fs.VisitAll(func(f *flag.Flag) {
				if !regexp.MustCompile(`(?m)^  --` + f.Name + `\b[^\n]*\n(        .*\n)*        \(default [^\n]*; env ` + envTwin(f) + `\)$`).MatchString(help) {
					t.Errorf("%q: --%s is not shown with (default …; env %s):\n%s", args, f.Name, envTwin(f), help)
				}
			})
		}
	}
	if got := helpFlags(runHelp(t, "seed", "--help")); slices.Contains(got, "api-keys-file") || slices.Contains(got, "addr") {
		t.Errorf("seed --help lists server flags: %v", got)
	}

	var serveFlags []string
	sets["serve"].VisitAll(func(f *flag.Flag) { serveFlags = append(serveFlags, f.Name) })
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"-help"}} {
		help := runHelp(t, args...)
		for _, want := range []string{"GraphQL API", "coopgraph [serve]", "coopgraph seed", "coopgraph keys add", "coopgraph keys list", "coopgraph keys revoke", "coopgraph schema", "MONGODB_URI"} {
			if !strings.Contains(help, want) {
				t.Errorf("%q does not mention %q", args, want)
			}
		}
		if got := helpFlags(help); !slices.Equal(got, serveFlags) {
			t.Errorf("%q lists the flags %v, want serve's %v", args, got, serveFlags)
		}
	}
	if help := runHelp(t, "keys", "--help"); !slices.Equal(helpFlags(help), []string{"api-keys-file", "name", "role", "api-keys-file", "api-keys-file", "name"}) {
		t.Errorf("keys --help lists %v", helpFlags(help))
	}
}

func runHelp(t *testing.T, args ...string) string {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return out.String()
}

// TestEnvTwins sets each non-text flag's variable to a value that does not parse, so the
// start must stop naming that variable: the variable the help names is the one read.
func TestEnvTwins(t *testing.T) {
	for _, cmd := range []string{"serve", "seed", "import iati"} {
		commandFlags()[cmd].VisitAll(func(f *flag.Flag) {
			kind := f.Value.(interface{ argName() string }).argName()
			if kind == "string" || kind == "list" {
				return
			}
			env := envTwin(f)
			_, err := parseConfig(cmd, nil, func(k string) string {
				if k == env {
					return "not-a-value"
				}
				return ""
			}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), env) || !strings.Contains(err.Error(), "--"+f.Name) {
				t.Errorf("%s with %s=not-a-value: %v, want an error naming %s and --%s", cmd, env, err, env, f.Name)
			}
		})
	}
}

// TestBadSettingsNamed: a setting that cannot work stops the start with a message naming it.
func TestBadSettingsNamed(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", taken.Addr().String()}, nil, "--addr"},
		{[]string{"--addr", "127.0.0.1:0", "--api-keys-file", filepath.Join(dir, "missing.json")}, nil, "--api-keys-file"},
		{[]string{"--addr", "127.0.0.1:0"}, map[string]string{"MONGODB_URI": "postgres://db.example"}, "MONGODB_URI"},
		{[]string{"--addr", "127.0.0.1:0", "--store-timeout", "200ms"}, map[string]string{"MONGODB_URI": "mongodb://127.0.0.1:1/"}, "MONGODB_URI"},
		{[]string{"--db", "a.b"}, nil, "-db"},
		{nil, map[string]string{"COOPGRAPH_DB": "a/b"}, "COOPGRAPH_DB"},
		{nil, map[string]string{"COOPGRAPH_REQUIRE_AUTH_FOR_READS": "yes please"}, "COOPGRAPH_REQUIRE_AUTH_FOR_READS"},
		{[]string{"seed", "--data-dir", filepath.Join(dir, "file", "data")}, nil, "--data-dir"},
		{[]string{"seed", "--addr", ":0"}, nil, "-addr"},
		{[]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--nested-reads", "per-parent"}, nil, "--nested-reads"},
	} {
		if tc.want == "--data-dir" {
			_ = os.WriteFile(filepath.Join(dir, "file"), nil, 0o600) // a file where a directory should be
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := run(ctx, tc.args, func(k string) string { return tc.env[k] }, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %v: %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

// TestKeysListRevoke lists keys without their hashes, revokes one, and needs the keys file
// named, as the server does.
func TestKeysListRevoke(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	alice, _, err := runKeysAdd(t, keysEnv(nil), "--name", "alice", "--role", "EDITOR", "--api-keys-file", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runKeysAdd(t, keysEnv(map[string]string{"COOPGRAPH_API_KEYS_FILE": file}), "--name", "bob", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	list := func() string {
		var out strings.Builder
		if err := run(context.Background(), []string{"keys", "list", "--api-keys-file", file}, noEnv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	got := list()
	if !regexp.MustCompile(`(?m)^NAME +ROLE +CREATED\nalice +EDITOR +\d{4}-\d\d-\d\dT\S+Z\nbob +ADMIN +\d{4}-`).MatchString(got) {
		t.Errorf("keys list:\n%s", got)
	}
	if strings.Contains(got, "sha256") || strings.Contains(got, alice) {
		t.Errorf("keys list shows a hash or a key:\n%s", got)
	}

	var out strings.Builder
	if err := run(context.Background(), []string{"keys", "revoke", "--name", "alice", "--api-keys-file", file}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Revoked the key "alice"`) {
		t.Errorf("revoke printed %q", out.String())
	}
	if got := list(); strings.Contains(got, "alice") || !strings.Contains(got, "bob") {
		t.Errorf("after revoking alice:\n%s", got)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keys file after revoke: %v, %v; want mode 0600", fi, err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "revoke", "--name", "alice", "--api-keys-file", file}, `no key named "alice"`},
		{[]string{"keys", "revoke", "--api-keys-file", file}, "--name is required"},
		{[]string{"keys", "add", "--name", "carol", "--role", "VIEWER"}, "--api-keys-file"},
		{[]string{"keys", "list"}, "--api-keys-file"},
		{[]string{"keys", "list", "--api-keys-file", filepath.Join(t.TempDir(), "missing.json")}, "no such file"},
	} {
		if err := run(context.Background(), tc.args, noEnv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat("coopgraph-keys.json"); err == nil {
		t.Error("keys add without a file wrote ./coopgraph-keys.json")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve runs `coopgraph --addr 127.0.0.1:0 args…` with its log in logs, and returns its
// base URL and a function that stops it and returns run's result.
func serve(t *testing.T, logs io.Writer, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), noEnv, pw, logs)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no start-up line: %v (run: %v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	m := regexp.MustCompile(`playground at (http://[^ ]+)/ `).FindStringSubmatch(line)
	if m == nil {
		cancel()
		t.Fatalf("start-up line %q names no URL", line)
	}
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = fmt.Errorf("run did not return after shutdown")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return m[1], stop
}

// statusWithKey is the HTTP status of a small query sent with key.
func statusWithKey(t *testing.T, base, key string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond for up to 5 s.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestKeysWithoutRestart: a running server accepts a key added to its keys file and
// refuses a revoked one, without a restart; an invalid file keeps the previous keys. It
// also checks that the files the server creates are private (0600, directories 0700), and
// that a stop with nothing in flight logs its start and end.
func TestKeysWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	file, data := filepath.Join(dir, "keys.json"), filepath.Join(dir, "data")
	ci, _, err := runKeysAdd(t, keysEnv(nil), "--name", "ci", "--role", "VIEWER", "--api-keys-file", file)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	base, stop := serve(t, &logs, "--api-keys-file", file, "--data-dir", data)
	if got := statusWithKey(t, base, ci); got != http.StatusOK {
		t.Fatalf("a valid key: status %d", got)
	}

	ops, _, err := runKeysAdd(t, keysEnv(nil), "--name", "ops", "--role", "ADMIN", "--api-keys-file", file)
	if err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return statusWithKey(t, base, ops) == http.StatusOK }) {
		t.Error("a key added while the server runs is still refused after 5 s")
	}
	if err := run(context.Background(), []string{"keys", "revoke", "--name", "ci", "--api-keys-file", file}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return statusWithKey(t, base, ci) == http.StatusUnauthorized }) {
		t.Error("a revoked key is still accepted after 5 s")
	}

	if err := os.WriteFile(file, []byte(`{"keys": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return strings.Contains(logs.String(), "keys file not reloaded") }) {
		t.Errorf("an invalid keys file was not logged:\n%s", logs.String())
	}
	if got := statusWithKey(t, base, ops); got != http.StatusOK {
		t.Errorf("after an invalid keys file, a key of the previous file: status %d, want 200", got)
	}

	if err := stop(); err != nil {
		t.Errorf("run returned %v after a stop", err)
	}
	for _, want := range []string{"shutting down: waiting up to 15s for 0 requests in flight", "shut down: every request finished"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}

	var files int
	err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Errorf("data directory: %d files, %v", files, err)
	}
}

// TestShutdownCutsOff: stopping with a request that does not finish in --shutdown-timeout
// logs the start and end of the shutdown, cuts the request off and returns nil.
func TestShutdownCutsOff(t *testing.T) {
	var logs syncBuffer
	base, stop := serve(t, &logs, "--data-dir", t.TempDir(), "--shutdown-timeout", "300ms")

	// A request whose body never comes: once the server asks for it (100 Continue), the
	// request is in its handler, waiting.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("the server did not start reading the body: %q, %v", line, err)
	}

	start := time.Now()
	if err := stop(); err != nil {
		t.Errorf("run returned %v, want nil after cutting requests off", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 15*time.Second {
		t.Errorf("the stop took %v, want the shutdown timeout (300ms) and the store's close", d)
	}
	for _, want := range []string{"shutting down: waiting up to 300ms for 1 request in flight", "shut down after 300ms: cut off 1 request still in flight"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
