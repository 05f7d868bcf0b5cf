package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/coopgraph/coopgraph/internal/embedded"
)

// commands are coopgraph's commands with one line each, for `coopgraph --help`.
var commands = []struct{ usage, summary string }{
	{"coopgraph [serve] [flags]", "serve the GraphQL API and its playground (the default command)"},
	{"coopgraph seed [flags]", "reload the demo data, start afresh with it (--reset), or load a synthetic dataset"},
	{"coopgraph import iati [flags] FILE...", "import IATI activity files, directories, URLs: projects, funders, transactions"},
	{"coopgraph keys add --name N --role R", "create an API key: print it once, keep only its hash in the keys file"},
	{"coopgraph keys list", "list the keys of the keys file: name, role, created"},
	{"coopgraph keys revoke --name N", "remove a key from the keys file; a running server refuses it within seconds"},
	{"coopgraph schema [--check FILE]", "print the GraphQL schema the server serves, or check FILE against it"},
	{"coopgraph help [command]", "this help, or a command's (as does --help after any command)"},
}

// about describes each command at the top of its --help.
var about = map[string]string{
	"serve": "usage: coopgraph [serve] [flags]\n\n" +
		"Serves the GraphQL API at /graphql, the playground at /, /healthz (alive) and /readyz " +
		"(the store answers). With MONGODB_URI set it uses that MongoDB; without, it starts the " +
		"embedded FerretDB with its files in --data-dir and loads the demo data into a store never " +
		"used (not into one an import or a seed has used, even if it is empty). " +
		"SIGINT or SIGTERM stops it: requests in flight may finish for --shutdown-timeout.",
	"seed": "usage: coopgraph seed [flags]\n\n" +
		"Reloads the Flanders–ILO demo data (nothing is duplicated); with --reset, removes all data " +
		"first (imports, edits, a synthetic dataset), so that the README's examples run as written; " +
		"with --synthetic, replaces all data with a deterministic synthetic dataset; in MONGODB_URI " +
		"or, without it, the embedded store in --data-dir.",
	"import iati": "usage: coopgraph import iati [flags] FILE|DIR|URL|-...\n\n" +
		"Imports IATI activity files (versions 2.01-2.03 and legacy 1.0x) into MONGODB_URI or, without " +
		"it, the embedded store in --data-dir: each activity becomes a project with one allocation per " +
		"transaction (see README, Load your own data). Reads files, the .xml and .xml.gz files of a " +
		"directory (by name), http(s) URLs (IATI registry entries) and - (standard input), gzip or " +
		"not, one after the other. Re-importing a file changes nothing; a newer last-updated-datetime " +
		"replaces an activity. Prints what was created, updated and unchanged, the warnings and the " +
		"transactions left out, and the file's totals per transaction type and currency next to what " +
		"is stored. Flags may come anywhere (-- ends them); a wrong flag or a missing file refuses the " +
		"command before anything is written. Progress goes to stderr when it is a terminal.",
	"keys add": "usage: coopgraph keys add --name N --role VIEWER|EDITOR|ADMIN --api-keys-file F\n\n" +
		"Creates an API key, prints it once and keeps only its SHA-256 hash in the keys file " +
		"(created 0600 if missing). Send it as Authorization: Bearer <key>. A running server " +
		"reading the file accepts it within seconds.",
	"keys list": "usage: coopgraph keys list --api-keys-file F\n\n" +
		"Lists the keys of the keys file: name, role and when each was created (never a key or a hash).",
	"keys revoke": "usage: coopgraph keys revoke --name N --api-keys-file F\n\n" +
		"Removes the key named N from the keys file. A running server reading the file refuses " +
		"it within seconds, without a restart.",
	"schema": "usage: coopgraph schema [--check FILE]\n\n" +
		"Prints the GraphQL schema (SDL) the server serves; with --check, fails if FILE describes " +
		"a different schema.",
}

// mongoURIHelp describes the one setting that is only in the environment.
const mongoURIHelp = "MONGODB_URI\n" +
	"MongoDB connection string (replica set, sharded cluster or Atlas); unset: the embedded " +
	"FerretDB with its files in --data-dir. Only in the environment: command lines are visible to other users."

// printHelp prints `coopgraph --help`: what coopgraph is, its commands, and serve's flags.
func printHelp(w io.Writer) error {
	var b strings.Builder
	b.WriteString("coopgraph: a GraphQL API over development-cooperation funding data (donors, agreements, trust funds, allocations, projects, countries).\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-38s %s\n", c.usage, c.summary)
	}
	b.WriteString("\nRun `coopgraph <command> --help` for a command's flags. Every flag has an environment variable,\nshown beside it; a flag wins over its variable.\n")
	if !embedded.Available {
		b.WriteString("\nThis build has no embedded store (-tags noembed): MONGODB_URI is required.\n")
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	var c config
	var secret string
	var errs []error
	fs := configFlags("serve", func(string) string { return "" }, &c, &secret, &errs)
	fs.SetOutput(w)
	fs.Usage()
	return nil
}

// commandUsage prints the help of cmd ("serve", "seed", "keys add", …): what it does,
// then each of fs's flags with its environment variable and default.
func commandUsage(fs *flag.FlagSet, cmd string) {
	w := fs.Output()
	fmt.Fprintf(w, "%s\n\nFlags (a flag wins over its environment variable):\n", wrap(about[cmd], "", 92))
	printFlags(w, fs)
	if cmd == "serve" || cmd == "seed" || cmd == "import iati" {
		fmt.Fprintf(w, "\nEnvironment only:\n  %s\n", wrap(mongoURIHelp, "        ", 92))
	}
}

// printFlags prints fs's flags as --name arg, then the usage, indented and wrapped, and
// the default and environment variable.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if s, ok := f.Value.(interface{ argName() string }); ok && arg == "value" {
			arg = s.argName()
		}
		if arg != "" {
			arg = " " + arg
		}
		// The default and the variable get a line of their own, so they are easy to find.
		tail := ""
		if i := strings.LastIndex(usage, " (default "); i >= 0 {
			usage, tail = usage[:i], usage[i+1:]
		}
		fmt.Fprintf(w, "  --%s%s\n        %s\n", f.Name, arg, wrap(usage, "        ", 92))
		if tail != "" {
			fmt.Fprintf(w, "        %s\n", tail)
		}
	})
}

// wrap breaks text's lines into lines of at most width characters (words allowing),
// indenting every line but the first.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("\n" + indent)
		}
		n := len(indent)
		for j, word := range strings.Fields(para) {
			if j > 0 && n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = len(indent)
			} else if j > 0 {
				b.WriteString(" ")
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
	}
	return b.String()
}
