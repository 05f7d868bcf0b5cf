// Command coopgraph serves the coopgraph GraphQL API.
//
//	coopgraph [serve] [--addr :8080] [--data-dir ./data] [--cors-origins ...]
//	coopgraph seed [--synthetic --donors N --projects N --allocations N --rand-seed S]
//	coopgraph keys add --name N --role VIEWER|EDITOR|ADMIN [--api-keys-file F]
//	coopgraph schema [--check schema.graphqls]
//
// With MONGODB_URI set it uses that MongoDB; without, it starts an embedded FerretDB
// (SQLite files in the data directory) and loads the Flanders–ILO demo data.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
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
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "keys" {
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "schema" {
		return runSchema(args[1:], stdout, stderr)
	}
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "seed") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := parseConfig(cmd, args, getenv, stderr)
	if err != nil {
		return err
	}
	switch cmd {
	case "seed":
		return runSeed(ctx, cfg, stdout, stderr)
	default:
		return runServe(ctx, cfg, stdout, stderr)
	}
}
