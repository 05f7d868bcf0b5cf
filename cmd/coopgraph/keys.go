package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
)

// keysUsage is the synopsis of the keys command.
const keysUsage = "usage: coopgraph keys add|list|revoke [flags]; see `coopgraph keys --help`"

// keysCommands are the subcommands of keys, in the order the help lists them.
var keysCommands = []string{"add", "list", "revoke"}

// keysArgs are the flags of the keys subcommands.
type keysArgs struct {
	file, name, role string
}

// keysFlags defines the flags of "keys sub" over a. The keys file has no default: it is
// the setting the server reads (--api-keys-file, COOPGRAPH_API_KEYS_FILE), so that a key
// is always added to, or revoked from, the file a server uses.
func keysFlags(sub string, getenv func(string) string, a *keysArgs, errs *[]error) *flag.FlagSet {
	fs := flag.NewFlagSet("coopgraph keys "+sub, flag.ContinueOnError)
	fs.Usage = func() { commandUsage(fs, "keys "+sub) }
	switch sub {
	case "add":
		envVar(fs, errs, getenv, &a.name, "name", "COOPGRAPH_KEY_NAME", parseString,
			"`name` of the key's holder, unique in the keys file (required)")
	case "revoke":
		envVar(fs, errs, getenv, &a.name, "name", "COOPGRAPH_KEY_NAME", parseString,
			"`name` of the key to revoke, as keys list shows it (required)")
	}
	if sub == "add" {
		envVar(fs, errs, getenv, &a.role, "role", "COOPGRAPH_KEY_ROLE", parseString,
			"`role` of the key: VIEWER, EDITOR or ADMIN (required)")
	}
	envVar(fs, errs, getenv, &a.file, "api-keys-file", "COOPGRAPH_API_KEYS_FILE", parseString,
		"keys `file`, the one the server reads; it holds only hashes of keys (required)")
	return fs
}

// runKeys runs "coopgraph keys add|list|revoke".
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: missing subcommand; " + keysUsage)
	}
	sub := args[0]
	if isHelp(sub) {
		for i, s := range keysCommands {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fs := keysFlags(s, getenv, &keysArgs{}, new([]error))
			fs.SetOutput(stdout)
			fs.Usage()
		}
		return nil
	}
	if !slices.Contains(keysCommands, sub) {
		return fmt.Errorf("keys: unknown subcommand %q; %s", sub, keysUsage)
	}
	var a keysArgs
	var errs []error
	fs := keysFlags(sub, getenv, &a, &errs)
	if err := parseArgs(fs, args[1:], stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if a.file == "" {
		return fmt.Errorf("keys %s: name the keys file with --api-keys-file or COOPGRAPH_API_KEYS_FILE (the file the server reads)", sub)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	switch sub {
	case "add":
		return keysAdd(a, stdout)
	case "list":
		return keysList(a, stdout)
	default:
		return keysRevoke(a, stdout)
	}
}

// keysAdd creates a key, stores its hash and prints the key, once.
func keysAdd(a keysArgs, stdout io.Writer) error {
	if a.name == "" {
		return errors.New("keys add: --name is required; usage: coopgraph keys add --name N --role VIEWER|EDITOR|ADMIN --api-keys-file F")
	}
	if a.role == "" {
		return errors.New("keys add: --role is required: VIEWER, EDITOR or ADMIN")
	}
	r, err := auth.ParseRole(a.role)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	key, err := auth.AddKey(a.file, a.name, r, time.Now())
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\nStore this key now: coopgraph keeps only its hash, in %s.\nSend it as: Authorization: Bearer <key>\n", key, absPath(a.file))
	return err
}

// keysList prints the keys' names, roles and creation times, never a key or a hash.
func keysList(a keysArgs, stdout io.Writer) error {
	keys, err := auth.ListKeys(a.file)
	if err != nil {
		return fmt.Errorf("keys list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Name, k.Role, k.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// keysRevoke removes a key from the keys file.
func keysRevoke(a keysArgs, stdout io.Writer) error {
	if a.name == "" {
		return errors.New("keys revoke: --name is required; usage: coopgraph keys revoke --name N --api-keys-file F")
	}
	if err := auth.RevokeKey(a.file, a.name); err != nil {
		return fmt.Errorf("keys revoke: %w", err)
	}
	_, err := fmt.Fprintf(stdout, "Revoked the key %q in %s; a server reading that file refuses it within seconds.\n", a.name, absPath(a.file))
	return err
}

// absPath is path made absolute, if it can be.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}
