package main

import (
	"bytes"
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
func runSchema(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coopgraph schema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.String("check", "", "compare the served schema with this SDL file and fail if they differ")
	if err := fs.Parse(args); err != nil {
		return err
	}
	served := sdl(graph.NewExecutableSchema(graph.Config{}).Schema())
	if *check == "" {
		_, err := stdout.Write(served)
		return err
	}
	src, err := os.ReadFile(*check)
	if err != nil {
		return err
	}
	committed, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: *check, Input: string(src)})
	if gqlErr != nil {
		return fmt.Errorf("%s: %v", *check, gqlErr)
	}
	if !bytes.Equal(sdl(committed), served) {
		return fmt.Errorf("%s differs from the schema the server serves: run `go generate ./graph` and commit", *check)
	}
	fmt.Fprintf(stdout, "%s matches the served schema\n", *check)
	return nil
}

func sdl(s *ast.Schema) []byte {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(s)
	return b.Bytes()
}
