package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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
	load    server.Load
	maxCost int

	// seed only
	synthetic   bool
	donors      int
	projects    int
	allocations int
	randSeed    int64
}

// minCursorSecret is the shortest --cursor-secret accepted, in bytes.
const minCursorSecret = 32

// defaultCORSOrigins lets browser apps on this machine call the API.
const defaultCORSOrigins = "http://localhost,http://localhost:*,http://127.0.0.1,http://127.0.0.1:*"

func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	var errs []error
	var origins, cursorSecret string
	fs := flag.NewFlagSet("coopgraph "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("COOPGRAPH_ADDR", ":8080"), "listen address (env COOPGRAPH_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", env("COOPGRAPH_DATA_DIR", "./data"), "directory of the embedded store's files, used when MONGODB_URI is unset (env COOPGRAPH_DATA_DIR)")
	fs.StringVar(&c.dbName, "db", env("COOPGRAPH_DB", "coopgraph"), "database name (env COOPGRAPH_DB)")
	storeTimeout := env("COOPGRAPH_STORE_TIMEOUT", "2s")
	fs.StringVar(&storeTimeout, "store-timeout", storeTimeout, "how long a request waits for an unreachable store before it is answered 503 Service Unavailable, a Go duration such as 2s or 500ms (env COOPGRAPH_STORE_TIMEOUT)")
	fs.StringVar(&origins, "cors-origins", env("COOPGRAPH_CORS_ORIGINS", defaultCORSOrigins), "comma-separated browser origins allowed to call the API; * for any (env COOPGRAPH_CORS_ORIGINS)")
	if cmd == "serve" {
		fs.StringVar(&c.keysFile, "api-keys-file", env("COOPGRAPH_API_KEYS_FILE", ""), "file of API key hashes (create keys with `coopgraph keys add`); without it, nobody may change data (env COOPGRAPH_API_KEYS_FILE)")
		// No default shown: the help must never print the secret.
		fs.StringVar(&cursorSecret, "cursor-secret", "", "secret (at least 32 bytes) that signs paging cursors, the same on every instance; without it, a random one per process, so cursors stop working on a restart. Prefer the environment variable: command lines are visible to other users (env COOPGRAPH_CURSOR_SECRET)")
		c.load, c.maxCost = server.DefaultLoad, server.DefaultLimits.Cost
		envVar(fs, &errs, getenv, &c.load.RequestTimeout, "request-timeout", "COOPGRAPH_REQUEST_TIMEOUT", parsePositive(time.ParseDuration),
			"each request's deadline: past it, its store work stops and it is answered TIMEOUT, a Go duration")
		envVar(fs, &errs, getenv, &c.load.MaxInFlight, "max-in-flight", "COOPGRAPH_MAX_IN_FLIGHT", parsePositive(strconv.Atoi),
			"requests served at once; more are answered 503 with Retry-After straight away")
		envVar(fs, &errs, getenv, &c.load.RateLimit, "rate-limit", "COOPGRAPH_RATE_LIMIT", parseNonNegative(parseFloat),
			"requests per second allowed to each API key (or IP address without a key), on average; 0 for no limit; more are answered 429 with Retry-After")
		envVar(fs, &errs, getenv, &c.load.RateBurst, "rate-burst", "COOPGRAPH_RATE_BURST", parsePositive(strconv.Atoi),
			"requests each API key or IP address may send at once, above --rate-limit")
		envVar(fs, &errs, getenv, &c.maxCost, "max-cost", "COOPGRAPH_MAX_COST", parsePositive(strconv.Atoi),
			"the most a query may cost (a field costs 1; a list multiplies what it selects by its page size)")
		fs.BoolVar(&c.authReads, "require-auth-for-reads", env("COOPGRAPH_REQUIRE_AUTH_FOR_READS", "") == "true", "require a valid API key for reads too (env COOPGRAPH_REQUIRE_AUTH_FOR_READS=true)")
	}
	if cmd == "seed" {
		fs.BoolVar(&c.synthetic, "synthetic", false, "replace all data with a deterministic synthetic dataset instead of the demo data")
		fs.IntVar(&c.donors, "donors", 30, "synthetic: number of donors")
		fs.IntVar(&c.projects, "projects", 2000, "synthetic: number of projects")
		fs.IntVar(&c.allocations, "allocations", 10000, "synthetic: number of allocations")
		fs.Int64Var(&c.randSeed, "rand-seed", 1, "synthetic: random seed; the same seed gives the same data")
	}
	if err := errors.Join(errs...); err != nil {
		return config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"donors", c.donors}, {"projects", c.projects}, {"allocations", c.allocations}} {
		if n.v < 1 && c.synthetic {
			return config{}, fmt.Errorf("--%s must be at least 1, got %s", n.name, strconv.Itoa(n.v))
		}
	}
	d, err := time.ParseDuration(storeTimeout)
	if err != nil || d <= 0 {
		return config{}, fmt.Errorf("--store-timeout (env COOPGRAPH_STORE_TIMEOUT) must be a positive duration such as 2s or 500ms, got %q", storeTimeout)
	}
	c.storeTimeout = d
	if cmd == "serve" {
		if cursorSecret == "" {
			cursorSecret = getenv("COOPGRAPH_CURSOR_SECRET")
		}
		if cursorSecret != "" && len(cursorSecret) < minCursorSecret {
			return config{}, fmt.Errorf("--cursor-secret (env COOPGRAPH_CURSOR_SECRET) must be at least %d bytes, got %d", minCursorSecret, len(cursorSecret))
		}
		c.cursorSecret = []byte(cursorSecret)
	}
	c.mongoURI = getenv("MONGODB_URI")
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.corsOrigins = append(c.corsOrigins, o)
		}
	}
	return c, nil
}

// envVar defines a flag --name whose default is the environment variable env if it is set,
// else the value *p already holds. A value that does not parse stops the start with a
// message naming the setting.
func envVar[T any](fs *flag.FlagSet, errs *[]error, getenv func(string) string, p *T, name, env string, parse func(string) (T, error), usage string) {
	if v := getenv(env); v != "" {
		x, err := parse(v)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s=%q: %v", env, v, err))
		} else {
			*p = x
		}
	}
	fs.Func(name, fmt.Sprintf("%s (default %v; env %s)", usage, *p, env), func(s string) error {
		x, err := parse(s)
		if err == nil {
			*p = x
		}
		return err
	})
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

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
