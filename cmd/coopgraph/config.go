package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
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

	// seed only
	synthetic   bool
	donors      int
	projects    int
	allocations int
	randSeed    int64
}

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
	var origins string
	fs := flag.NewFlagSet("coopgraph "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("COOPGRAPH_ADDR", ":8080"), "listen address (env COOPGRAPH_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", env("COOPGRAPH_DATA_DIR", "./data"), "directory of the embedded store's files, used when MONGODB_URI is unset (env COOPGRAPH_DATA_DIR)")
	fs.StringVar(&c.dbName, "db", env("COOPGRAPH_DB", "coopgraph"), "database name (env COOPGRAPH_DB)")
	fs.StringVar(&origins, "cors-origins", env("COOPGRAPH_CORS_ORIGINS", defaultCORSOrigins), "comma-separated browser origins allowed to call the API; * for any (env COOPGRAPH_CORS_ORIGINS)")
	if cmd == "serve" {
		fs.StringVar(&c.keysFile, "api-keys-file", env("COOPGRAPH_API_KEYS_FILE", ""), "file of API key hashes (create keys with `coopgraph keys add`); without it, nobody may change data (env COOPGRAPH_API_KEYS_FILE)")
		fs.BoolVar(&c.authReads, "require-auth-for-reads", env("COOPGRAPH_REQUIRE_AUTH_FOR_READS", "") == "true", "require a valid API key for reads too (env COOPGRAPH_REQUIRE_AUTH_FOR_READS=true)")
	}
	if cmd == "seed" {
		fs.BoolVar(&c.synthetic, "synthetic", false, "replace all data with a deterministic synthetic dataset instead of the demo data")
		fs.IntVar(&c.donors, "donors", 30, "synthetic: number of donors")
		fs.IntVar(&c.projects, "projects", 2000, "synthetic: number of projects")
		fs.IntVar(&c.allocations, "allocations", 10000, "synthetic: number of allocations")
		fs.Int64Var(&c.randSeed, "rand-seed", 1, "synthetic: random seed; the same seed gives the same data")
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
	c.mongoURI = getenv("MONGODB_URI")
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.corsOrigins = append(c.corsOrigins, o)
		}
	}
	return c, nil
}
