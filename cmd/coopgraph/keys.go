package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
)

// keysUsage is the synopsis of the keys command.
const keysUsage = "usage: coopgraph keys add --name N --role VIEWER|EDITOR|ADMIN [--api-keys-file F]"

// runKeys runs "coopgraph keys": for now only "keys add", which creates an API key, stores
// its hash in the keys file and prints the key, once.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: missing subcommand; " + keysUsage)
	}
	if args[0] != "add" {
		return fmt.Errorf("keys: unknown subcommand %q; %s", args[0], keysUsage)
	}
	file := getenv("COOPGRAPH_API_KEYS_FILE")
	if file == "" {
		file = "./coopgraph-keys.json"
	}
	var name, role string
	fs := flag.NewFlagSet("coopgraph keys add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&name, "name", "", "name of the key's holder, unique in the keys file (required)")
	fs.StringVar(&role, "role", "", "role of the key: VIEWER, EDITOR or ADMIN (required)")
	fs.StringVar(&file, "api-keys-file", file, "keys file, holding only hashes of keys (env COOPGRAPH_API_KEYS_FILE)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if name == "" {
		return errors.New("keys add: --name is required; " + keysUsage)
	}
	if role == "" {
		return errors.New("keys add: --role is required: VIEWER, EDITOR or ADMIN")
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := auth.AddKey(file, name, r, time.Now())
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	_, err = fmt.Fprintf(stdout, "%s\nStore this key now: coopgraph keeps only its hash, in %s.\nSend it as: Authorization: Bearer <key>\n", key, file)
	return err
}
