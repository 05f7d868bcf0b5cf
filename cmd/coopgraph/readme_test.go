package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/examples"
)

// readmeSkips are the README commands that cannot run in a test, by their start, and why.
var readmeSkips = []struct{ prefix, why string }{
	{"go test ./...", "the test suite itself: it would run this test again"},
	{"MONGODB_URI=", "needs a MongoDB deployment"},
}

// readmeRewrites turn the README's commands into commands against the test's server.
// (The cgk_… placeholder becomes the last API key a command printed.)
func readmeRewrites(serverURL string) *strings.Replacer {
	return strings.NewReplacer(
		"go run ./cmd/coopgraph", "coopgraph", // the binary built for the test, first on PATH
		"http://localhost:8080", serverURL,
	)
}

var (
	readmeShBlock     = regexp.MustCompile("(?s)```sh\n(.*?)```")
	readmeKey         = regexp.MustCompile(`cgk_[A-Za-z0-9_-]+`)
	readmeBuildOutput = regexp.MustCompile(` -o \S+`)
	readmeAssign      = regexp.MustCompile(`^(export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*\s*(#.*)?$`)
)

// TestReadmeCommands runs every command of the README's sh blocks, in order, as a reader
// would: against the binary built from this tree, started on a free port
// (COOPGRAPH_ADDR) with a fresh data directory (COOPGRAPH_DATA_DIR), in an empty working
// directory. A command that starts the server (coopgraph, or coopgraph serve) is run in the
// background, replacing the server started before; go commands run in the repository
// root (a go build without -o writes into the temp directory). Every command must exit 0
// and print no GraphQL errors; the CSV export must print rows, and the key made by `keys
// add` must create the curl command's project. Then the playground's mutation tab, run
// with the same key on the same server, must work too.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin, work := filepath.Join(tmp, "bin"), filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "coopgraph"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := readmeFreeAddr(t)
	serverURL := "http://" + addr
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"COOPGRAPH_ADDR=" + addr, "COOPGRAPH_DATA_DIR=" + filepath.Join(tmp, "data")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "COOPGRAPH_") && !strings.HasPrefix(kv, "MONGODB_URI=") {
			env = append(env, kv)
		}
	}
	srv := &readmeServer{url: serverURL}
	t.Cleanup(func() { srv.stop(t) })

	rewrite := readmeRewrites(serverURL)
	var assignments []string // shell variables set by earlier commands (KEY=…)
	key := ""
	checked := map[string]bool{}
	for _, block := range readmeShBlock.FindAllStringSubmatch(string(readme), -1) {
	commands:
		for _, cmd := range shellCommands(block[1]) {
			for _, s := range readmeSkips {
				if strings.HasPrefix(cmd, s.prefix) {
					t.Logf("skipped (%s): %s", s.why, cmd)
					continue commands
				}
			}
			cmd = rewrite.Replace(cmd)
			if key != "" {
				cmd = strings.ReplaceAll(cmd, "cgk_…", key)
			}
			if readmeAssign.MatchString(cmd) {
				assignments = append(assignments, cmd)
				continue
			}
			if isServeCommand(cmd) {
				srv.start(t, strings.Join(append(assignments, "exec "+cmd), "\n"), work, env)
				continue
			}
			dir := work
			if strings.HasPrefix(cmd, "go ") {
				dir = repo
				if strings.HasPrefix(cmd, "go build ") { // its output goes to the temp directory
					cmd = readmeBuildOutput.ReplaceAllString(cmd, "")
					cmd = "go build -o " + tmp + "/ " + strings.TrimPrefix(cmd, "go build ")
				}
			}
			out := readmeRun(t, strings.Join(append(assignments, cmd), "\n"), dir, env)
			t.Logf("ran: %s", cmd)
			if strings.Contains(out, `"errors":`) {
				t.Errorf("%s\nanswered errors: %s", cmd, out)
			}
			if k := readmeKey.FindString(out); k != "" && strings.Contains(cmd, "keys add") {
				key = k
			}
			if strings.Contains(cmd, "funding-report.csv") {
				checked["CSV"] = true
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if len(lines) < 2 || !strings.HasPrefix(lines[0], "country_code,") {
					t.Errorf("%s\nprinted no CSV rows: %.300s", cmd, out)
				}
			}
			if strings.Contains(cmd, "createProject") {
				checked["curl mutation"] = true
				var r struct {
					Data struct {
						CreateProject struct{ Project struct{ ID, Code string } }
					}
				}
				if err := json.Unmarshal([]byte(out), &r); err != nil || r.Data.CreateProject.Project.ID == "" {
					t.Errorf("%s\ncreated no project: %s", cmd, out)
				}
				runPlaygroundMutation(t, serverURL, key)
			}
		}
	}
	for _, c := range []string{"CSV", "curl mutation"} {
		if !checked[c] {
			t.Errorf("the README has no %s command any more", c)
		}
	}
	if key == "" || srv.cmd == nil {
		t.Fatal("no key was made, or no server is running, after the README's commands")
	}
}

// shellCommands splits a sh block into its commands: a line ends a command unless it ends
// with a backslash or inside quotes. Comments are kept (the shell drops them).
func shellCommands(block string) []string {
	var cmds []string
	var cur strings.Builder
	single, double := false, false
	for _, line := range strings.Split(block, "\n") {
		cur.WriteString(line)
	scan:
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case single:
				single = c != '\''
			case c == '\\':
				i++
			case double:
				double = c != '"'
			case c == '\'':
				single = true
			case c == '"':
				double = true
			case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
				break scan
			}
		}
		if single || double || strings.HasSuffix(line, "\\") {
			cur.WriteString("\n")
			continue
		}
		if s := strings.TrimSpace(cur.String()); s != "" {
			cmds = append(cmds, s)
		}
		cur.Reset()
	}
	return cmds
}

// isServeCommand reports whether cmd starts the server: coopgraph with no subcommand, or
// serve, and not asking for help.
func isServeCommand(cmd string) bool {
	f := strings.Fields(strings.SplitN(cmd, " #", 2)[0])
	if len(f) == 0 || f[0] != "coopgraph" {
		return false
	}
	for _, a := range f[1:] {
		if a == "-h" || a == "-help" || a == "--help" || a == "help" {
			return false
		}
	}
	return len(f) == 1 || f[1] == "serve" || strings.HasPrefix(f[1], "-")
}

// readmeRun runs script with bash and returns its standard output; it fails the test if
// the script fails or takes more than two minutes.
func readmeRun(t *testing.T, script, dir string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", script)
	c.Dir, c.Env = dir, env
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Errorf("%s\nfailed: %v\n%s%s", script, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func readmeFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// readmeServer is the server a README command started, run in the background.
type readmeServer struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	log    *os.File
}

// start stops the running server, if any, and runs cmd in the background until /readyz
// answers 200.
func (s *readmeServer) start(t *testing.T, cmd, dir string, env []string) {
	t.Helper()
	s.stop(t)
	log, err := os.CreateTemp(t.TempDir(), "server-*.log")
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("bash", "-c", cmd)
	c.Dir, c.Env, c.Stdout, c.Stderr = dir, env, log, log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd, s.log, s.exited = c, log, make(chan struct{})
	exited := s.exited
	go func() { _ = c.Wait(); close(exited) }()
	deadline := time.After(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("started: %s", cmd)
				return
			}
		}
		select {
		case <-exited:
			s.cmd = nil
			t.Fatalf("%s\nstopped before it was ready:\n%s", cmd, readmeLog(log.Name()))
		case <-deadline:
			t.Fatalf("%s\nnot ready after 60 s:\n%s", cmd, readmeLog(log.Name()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop stops the server with SIGTERM, as Ctrl-C would, and waits for it (SIGKILL after 20 s).
func (s *readmeServer) stop(t *testing.T) {
	if s.cmd == nil {
		return
	}
	c := s.cmd
	s.cmd = nil
	_ = c.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = c.Process.Kill()
		<-s.exited
		t.Errorf("the server did not stop within 20 s of SIGTERM:\n%s", readmeLog(s.log.Name()))
	}
	s.log.Close()
}

func readmeLog(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Sprint(err)
	}
	return string(b)
}

// runPlaygroundMutation runs the playground's mutation tab with key on the server at
// serverURL: after the README's curl mutation, both must create their project.
func runPlaygroundMutation(t *testing.T, serverURL, key string) {
	t.Helper()
	for _, ex := range examples.All() {
		if !strings.Contains(ex.Query, "\nmutation ") {
			continue
		}
		body, _ := json.Marshal(map[string]any{"query": ex.Query})
		req, _ := http.NewRequest(http.MethodPost, serverURL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ Errors []any }
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("the playground's %s after the README's commands: HTTP %d, %v %v", ex.Name, resp.StatusCode, err, r.Errors)
		}
	}
}
