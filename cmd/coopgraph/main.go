// Command coopgraph serves the coopgraph GraphQL API.
//
//	coopgraph [serve] [--addr :8080] [--data-dir ./data] [--cors-origins ...]
//	coopgraph seed [--synthetic --donors N --projects N --allocations N --rand-seed S]
//	coopgraph import iati [--dry-run] [--report F] FILE|DIR|URL|-...
//	coopgraph keys add --name N --role VIEWER|EDITOR|ADMIN --api-keys-file F
//	coopgraph keys list --api-keys-file F
//	coopgraph keys revoke --name N --api-keys-file F
//	coopgraph schema [--check schema.graphqls]
//	coopgraph help [command]
//
// With MONGODB_URI set it uses that MongoDB; without, it starts an embedded FerretDB
// (SQLite files in the data directory) and loads the Flanders–ILO demo data. Every flag
// has an environment variable; `coopgraph --help` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coopgraph:", err)
		os.Exit(1)
	}
}

// run runs one coopgraph command; it returns when the command is done or ctx is cancelled.
// Asked for help (--help, -h, help), it prints it to stdout and returns nil.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	privateFiles()
	if len(args) > 0 && isHelp(args[0]) {
		if args[0] == "help" && len(args) > 1 { // help CMD… is CMD… --help
			return run(ctx, append(slices.Clone(args[1:]), "--help"), getenv, stdout, stderr)
		}
		return printHelp(stdout)
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "keys":
		return runKeys(ctx, args, getenv, stdout, stderr)
	case "schema":
		return runSchema(args, getenv, stdout)
	case "serve", "seed":
	case "import":
		switch {
		case len(args) > 0 && args[0] == "iati":
			args = args[1:]
		case len(args) > 0 && isHelp(args[0]): // import --help: import iati's, the only kind
		default:
			return fmt.Errorf("import what? `coopgraph import iati FILE...` imports IATI activity files (see `coopgraph import iati --help`)")
		}
		cmd = "import iati"
	default:
		return fmt.Errorf("unknown command %q; see `coopgraph --help`", cmd)
	}
	cfg, err := parseConfig(cmd, args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	switch cmd {
	case "seed":
		return runSeed(ctx, cfg, stdout, stderr)
	case "import iati":
		return runImport(ctx, cfg, stdout, stderr)
	default:
		return runServe(ctx, cfg, stdout, stderr)
	}
}
