package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/coopgraph/coopgraph/graph"
)

// runSchema prints the SDL the server serves, or with --check FILE, fails if FILE
// describes a different schema (compared after formatting both the same way).
func runSchema(args []string, getenv func(string) string, stdout io.Writer) error {
	var check string
	var errs []error
	fs := schemaFlags(getenv, &check, &errs)
	if err := parseArgs(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	served := sdl(graph.NewExecutableSchema(graph.Config{}).Schema())
	if check == "" {
		_, err := stdout.Write(served)
		return err
	}
	src, err := os.ReadFile(check)
	if err != nil {
		return err
	}
	committed, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: check, Input: string(src)})
	if gqlErr != nil {
		return fmt.Errorf("%s: %v", check, gqlErr)
	}
	if !bytes.Equal(sdl(committed), served) {
		return fmt.Errorf("%s differs from the schema the server serves: run `go generate ./graph` and commit", check)
	}
	fmt.Fprintf(stdout, "%s matches the served schema\n", check)
	return nil
}

// schemaFlags defines the flags of "schema" over file.
func schemaFlags(getenv func(string) string, file *string, errs *[]error) *flag.FlagSet {
	fs := flag.NewFlagSet("coopgraph schema", flag.ContinueOnError)
	fs.Usage = func() { commandUsage(fs, "schema") }
	envVar(fs, errs, getenv, file, "check", "COOPGRAPH_SCHEMA_CHECK", parseString,
		"compare the served schema with this SDL `file` and fail if they differ")
	return fs
}

func sdl(s *ast.Schema) []byte {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(s)
	return b.Bytes()
}
