package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coopgraph/coopgraph/internal/loader"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/server"
)

// config is the command line and environment, merged: a flag wins over its variable.
type config struct {
	addr        string
	dataDir     string
	mongoURI    string
	dbName      string
	corsOrigins []string
	keysFile    string
	authReads   bool
	// cursorSecret signs paging cursors (serve only; empty: a random key per process).
	cursorSecret []byte
	// storeTimeout is how long a request waits for an unreachable store before it is
	// answered 503 (the driver's server selection and connect timeouts).
	storeTimeout time.Duration
	// load and maxCost: deadlines, shedding, rate limit and query cost (serve only).
	load     server.Load
	maxCost  int
	maxReads int
	// nestedReads is the plan of nested pages (mongostore.NestedReadsModes; serve only).
	nestedReads string
	// batchWait is how long a batch loader waits for more keys (serve only).
	batchWait time.Duration
	// shutdownTimeout is how long a stopping server waits for requests in flight.
	shutdownTimeout time.Duration
	// manifestFile is --operations-manifest, and operations the allow-list read from it
	// (nil: any operation); introspection allows __schema and __type (serve only).
	manifestFile  string
	operations    *server.Manifest
	introspection bool

	// seed only
	synthetic   bool
	reset       bool
	donors      int
	projects    int
	allocations int
	randSeed    int64

	// import iati only
	dryRun bool
	report string   // --report: a file to write every warning and left-out transaction to, as JSON
	files  []string // files, directories, URLs, or - for standard input
}

// minCursorSecret is the shortest --cursor-secret accepted, in bytes.
const minCursorSecret = 32

// defaultCORSOrigins lets browser apps on this machine call the API.
const defaultCORSOrigins = "http://localhost,http://localhost:*,http://127.0.0.1,http://127.0.0.1:*"

// parseConfig reads the settings of cmd ("serve" or "seed") from args and the environment.
// Asked for help, it prints the command's usage to stdout and returns flag.ErrHelp.
func parseConfig(cmd string, args []string, getenv func(string) string, stdout io.Writer) (config, error) {
	var c config
	var errs []error
	var cursorSecret string
	fs := configFlags(cmd, getenv, &c, &cursorSecret, &errs)
	if err := parseArgsAllowing(fs, args, stdout, cmd == "import iati"); err != nil {
		return config{}, err
	}
	if err := errors.Join(errs...); err != nil {
		return config{}, err
	}
	if cmd == "import iati" {
		if c.files = fs.Args(); len(c.files) == 0 {
			return config{}, fmt.Errorf("name at least one IATI activity file, directory or URL, or - for standard input (see `%s --help`)", fs.Name())
		}
	}
	if cmd == "serve" {
		if cursorSecret != "" && len(cursorSecret) < minCursorSecret {
			return config{}, fmt.Errorf("--cursor-secret (env COOPGRAPH_CURSOR_SECRET) must be at least %d bytes, got %d", minCursorSecret, len(cursorSecret))
		}
		c.cursorSecret = []byte(cursorSecret)
		if c.manifestFile != "" {
			m, err := server.LoadManifest(c.manifestFile)
			if err != nil {
				return config{}, fmt.Errorf("--operations-manifest (env COOPGRAPH_OPERATIONS_MANIFEST) %s: %v", c.manifestFile, err)
			}
			c.operations = m
		}
	}
	c.mongoURI = getenv("MONGODB_URI")
	return c, nil
}

// configFlags sets c to the defaults and defines the flags of cmd ("serve" or "seed") over
// it; a value in the environment that does not parse is appended to errs.
func configFlags(cmd string, getenv func(string) string, c *config, cursorSecret *string, errs *[]error) *flag.FlagSet {
	*c = config{
		addr: ":8080", dataDir: "./data", dbName: "coopgraph", storeTimeout: 2 * time.Second,
		load: server.DefaultLoad, maxCost: server.DefaultLimits.Cost, maxReads: server.DefaultLimits.Reads, batchWait: loader.DefaultWait, shutdownTimeout: 15 * time.Second,
		donors: 30, projects: 2000, allocations: 10000, randSeed: 1, nestedReads: mongostore.NestedAuto,
	}
	c.corsOrigins, _ = parseList(defaultCORSOrigins)
	fs := flag.NewFlagSet("coopgraph "+cmd, flag.ContinueOnError)
	fs.Usage = func() { commandUsage(fs, cmd) }
	if cmd == "serve" {
		envVar(fs, errs, getenv, &c.addr, "addr", "COOPGRAPH_ADDR", parseString,
			"`address` to listen on, host:port")
	}
	envVar(fs, errs, getenv, &c.dataDir, "data-dir", "COOPGRAPH_DATA_DIR", parseString,
		"`directory` of the embedded store's files (created 0700), used when MONGODB_URI is unset")
	envVar(fs, errs, getenv, &c.dbName, "db", "COOPGRAPH_DB", parseDBName,
		"database `name`")
	envVar(fs, errs, getenv, &c.storeTimeout, "store-timeout", "COOPGRAPH_STORE_TIMEOUT", parsePositive(time.ParseDuration),
		"how long a request waits for an unreachable store before it is answered 503 Service Unavailable, a Go `duration` such as 2s or 500ms")
	if cmd == "serve" {
		envVar(fs, errs, getenv, &c.corsOrigins, "cors-origins", "COOPGRAPH_CORS_ORIGINS", parseList,
			"comma-separated browser `origins` allowed to call the API; * for any")
		envVar(fs, errs, getenv, &c.keysFile, "api-keys-file", "COOPGRAPH_API_KEYS_FILE", parseString,
			"`file` of API key hashes (made by coopgraph keys add; re-read within a second when it changes); without it, nobody may change data")
		envVar(fs, errs, getenv, cursorSecret, "cursor-secret", "COOPGRAPH_CURSOR_SECRET", parseString,
			"`secret` (at least 32 bytes) that signs paging cursors, the same on every instance; without it, a random one per process, so cursors stop working on a restart. Prefer the environment variable: command lines are visible to other users")
		envVar(fs, errs, getenv, &c.load.RequestTimeout, "request-timeout", "COOPGRAPH_REQUEST_TIMEOUT", parsePositive(time.ParseDuration),
			"each request's deadline: past it, its store work stops and it is answered TIMEOUT, a Go `duration`")
		envVar(fs, errs, getenv, &c.load.MaxInFlight, "max-in-flight", "COOPGRAPH_MAX_IN_FLIGHT", parsePositive(strconv.Atoi),
			"the most operations run at once, the ceiling of the limits that adapt to latency; more wait in a queue for a slot")
		envVar(fs, errs, getenv, &c.load.RateLimit, "rate-limit", "COOPGRAPH_RATE_LIMIT", parseNonNegative(parseFloat),
			"requests per second allowed to each API key (or IP address without a key), on average; 0 for no limit; more are answered 429 with Retry-After")
		envVar(fs, errs, getenv, &c.load.RateBurst, "rate-burst", "COOPGRAPH_RATE_BURST", parsePositive(strconv.Atoi),
			"requests each API key or IP address may send at once, above --rate-limit")
		envVar(fs, errs, getenv, &c.maxCost, "max-cost", "COOPGRAPH_MAX_COST", parsePositive(strconv.Atoi),
			"the most a query may cost (a field costs 1; a list multiplies what it selects by its page size; the documents it may make the store read are added)")
		envVar(fs, errs, getenv, &c.maxReads, "max-reads", "COOPGRAPH_MAX_READS", parsePositive(strconv.Atoi),
			"the most documents a query may make the store read (pages, and the whole collections that reports, counts, searches and relation filters scan); raise it for large collections on MongoDB")
		envVar(fs, errs, getenv, &c.nestedReads, "nested-reads", "COOPGRAPH_NESTED_READS", parseNestedReads,
			"how nested lists are read: auto (from what the store says of itself at start), batched (all children of a level's parents in one find, paged in the API: the embedded store's plan), per-parent (a page per parent, one aggregate per level with $unionWith: MongoDB 4.4 and later) or per-parent-find (a page per parent, one find each)")
		envVar(fs, errs, getenv, &c.batchWait, "batch-wait", "COOPGRAPH_BATCH_WAIT", parsePositive(time.ParseDuration),
			"how long a nested field's batch waits for another key before it is read (and at most 50 times that after its first key), a Go `duration`")
		envVar(fs, errs, getenv, &c.authReads, "require-auth-for-reads", "COOPGRAPH_REQUIRE_AUTH_FOR_READS", strconv.ParseBool,
			"require a valid API key for reads too")
		envVar(fs, errs, getenv, &c.shutdownTimeout, "shutdown-timeout", "COOPGRAPH_SHUTDOWN_TIMEOUT", parsePositive(time.ParseDuration),
			"on SIGINT or SIGTERM, how long requests in flight may finish before they are cut off, a Go `duration`")
		envVar(fs, errs, getenv, &c.manifestFile, "operations-manifest", "COOPGRAPH_OPERATIONS_MANIFEST", parseString,
			"allow-list mode: run only the operations of this persisted-operation manifest `file` (Apollo's or Relay's), sent by id or as their exact text")
		c.introspection = true
		envVar(fs, errs, getenv, &c.introspection, "introspection", "COOPGRAPH_INTROSPECTION", strconv.ParseBool,
			"answer introspection (__schema, __type), which the playground needs; --introspection=false refuses it")
	}
	if cmd == "seed" {
		envVar(fs, errs, getenv, &c.reset, "reset", "COOPGRAPH_RESET", strconv.ParseBool,
			"remove all data (imports, edits, a synthetic dataset) and load the demo data afresh")
		envVar(fs, errs, getenv, &c.synthetic, "synthetic", "COOPGRAPH_SYNTHETIC", strconv.ParseBool,
			"replace all data with a deterministic synthetic dataset instead of loading the demo data")
		envVar(fs, errs, getenv, &c.donors, "donors", "COOPGRAPH_DONORS", parsePositive(strconv.Atoi),
			"synthetic: number of donors")
		envVar(fs, errs, getenv, &c.projects, "projects", "COOPGRAPH_PROJECTS", parsePositive(strconv.Atoi),
			"synthetic: number of projects")
		envVar(fs, errs, getenv, &c.allocations, "allocations", "COOPGRAPH_ALLOCATIONS", parsePositive(strconv.Atoi),
			"synthetic: number of allocations")
		envVar(fs, errs, getenv, &c.randSeed, "rand-seed", "COOPGRAPH_RAND_SEED", parseInt64,
			"synthetic: random seed; the same seed gives the same data")
	}
	if cmd == "import iati" {
		envVar(fs, errs, getenv, &c.dryRun, "dry-run", "COOPGRAPH_DRY_RUN", strconv.ParseBool,
			"read and check the files and print what the import would do, without writing anything")
		envVar(fs, errs, getenv, &c.report, "report", "COOPGRAPH_IMPORT_REPORT", parseString,
			"write every warning and every left-out transaction of each file to this `file`, as JSON")
	}
	return fs
}

// parseArgs parses args into fs and refuses arguments that are not flags. Asked for help
// (-h, --help), it prints fs's usage to stdout and returns flag.ErrHelp; an error is
// returned, naming the command's --help, and nothing is printed.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	return parseArgsAllowing(fs, args, stdout, false)
}

// parseArgsAllowing is parseArgs that, if positional, leaves arguments after the flags
// in fs.Args() (import's files).
func parseArgsAllowing(fs *flag.FlagSet, args []string, stdout io.Writer, positional bool) error {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 && !positional {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if positional {
		// Flags may come anywhere among the files (the flag package stops at the first
		// file): parse again after each one, until none is left or "--" ends the flags.
		var files []string
		for err == nil && fs.NArg() > 0 {
			rest := fs.Args()
			if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
				files = append(files, rest...)
				break
			}
			files = append(files, rest[0])
			args = rest[1:]
			err = fs.Parse(args)
		}
		if err == nil {
			_ = fs.Parse(append([]string{"--"}, files...)) // fs.Args() are the files
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		_, _ = stdout.Write(out.Bytes())
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (see `%s --help`)", err, fs.Name())
	}
	return nil
}

// envVar defines a flag --name whose default is the environment variable env if it is set,
// else the value *p already holds. The flag's usage ends "(default X; env ENV)", where X
// is *p's value before the environment is read, so no value from the environment (a
// secret) is ever shown. A value that does not parse stops the start with a message
// naming the setting.
func envVar[T any](fs *flag.FlagSet, errs *[]error, getenv func(string) string, p *T, name, env string, parse func(string) (T, error), usage string) {
	def := shown(*p)
	if v := getenv(env); v != "" {
		x, err := parse(v)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s=%q (--%s): %v", env, v, name, err))
		} else {
			*p = x
		}
	}
	fs.Var(&setting[T]{p: p, parse: parse}, name, fmt.Sprintf("%s (default %s; env %s)", usage, def, env))
}

// setting is the flag.Value of a flag made by envVar.
type setting[T any] struct {
	p     *T
	parse func(string) (T, error)
}

// String is empty, so that nothing prints a setting's value (it may be a secret).
func (s *setting[T]) String() string { return "" }

func (s *setting[T]) Set(v string) error {
	x, err := s.parse(v)
	if err == nil {
		*s.p = x
	}
	return err
}

// IsBoolFlag lets a boolean setting be given as --name alone.
func (s *setting[T]) IsBoolFlag() bool {
	_, ok := any(s.p).(*bool)
	return ok
}

// argName names the value a flag takes, in the help.
func (s *setting[T]) argName() string {
	switch any(s.p).(type) {
	case *bool:
		return ""
	case *int, *int64:
		return "int"
	case *float64:
		return "number"
	case *time.Duration:
		return "duration"
	case *[]string:
		return "list"
	}
	return "string"
}

// shown is a default value as the help shows it.
func shown(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "none"
		}
	case []string:
		return strings.Join(v, ",")
	}
	return fmt.Sprint(v)
}

func parseString(s string) (string, error) { return s, nil }

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// parseList splits a comma-separated list, dropping empty entries.
func parseList(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out, nil
}

// parseNestedReads accepts one of mongostore.NestedReadsModes.
func parseNestedReads(s string) (string, error) {
	if !slices.Contains(mongostore.NestedReadsModes, s) {
		return "", fmt.Errorf("must be one of %s", strings.Join(mongostore.NestedReadsModes, ", "))
	}
	return s, nil
}

// parseDBName accepts a name MongoDB accepts for a database.
func parseDBName(s string) (string, error) {
	if s == "" || len(s) > 63 || strings.ContainsAny(s, "/\\. \"$*<>:|?\x00") {
		return "", errors.New(`must be 1 to 63 characters, none of /\. "$*<>:|?`)
	}
	return s, nil
}

// parsePositive and parseNonNegative refuse numbers and durations out of range.
func parsePositive[T int | float64 | time.Duration](parse func(string) (T, error)) func(string) (T, error) {
	return func(s string) (T, error) {
		x, err := parse(s)
		if err == nil && cmp.Compare(x, 0) <= 0 {
			err = fmt.Errorf("must be more than 0")
		}
		return x, err
	}
}

func parseNonNegative[T int | float64 | time.Duration](parse func(string) (T, error)) func(string) (T, error) {
	return func(s string) (T, error) {
		x, err := parse(s)
		if err == nil && x < 0 {
			err = fmt.Errorf("must not be negative")
		}
		return x, err
	}
}
