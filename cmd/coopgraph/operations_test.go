package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOperationsSettings: by default any operation runs and introspection is on; the
// manifest is read at start (a bad one stops the start, naming the setting), and
// introspection can be switched off by flag or variable.
func TestOperationsSettings(t *testing.T) {
	c, err := parseConfig("serve", nil, noEnv, io.Discard)
	if err != nil || c.operations != nil || !c.introspection {
		t.Fatalf("defaults: operations %v, introspection %v, error %v", c.operations, c.introspection, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "persisted-queries.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"a1b2": "query Donors { donors { totalCount } }"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"x","body":"{ donors {"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = parseConfig("serve", []string{"--operations-manifest", good, "--introspection=false"}, noEnv, io.Discard)
	if err != nil || c.operations == nil || c.operations.Len() != 1 || c.introspection {
		t.Fatalf("with a manifest: %+v, error %v", c, err)
	}
	env := map[string]string{"COOPGRAPH_OPERATIONS_MANIFEST": good, "COOPGRAPH_INTROSPECTION": "false"}
	c, err = parseConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.operations == nil || c.introspection {
		t.Fatalf("from the environment: %+v, error %v", c, err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--operations-manifest", bad}, nil, "--operations-manifest (env COOPGRAPH_OPERATIONS_MANIFEST) " + bad + `: operation "x" is not GraphQL`},
		{[]string{"--operations-manifest", filepath.Join(dir, "missing.json")}, nil, "--operations-manifest"},
		{nil, map[string]string{"COOPGRAPH_OPERATIONS_MANIFEST": bad}, "COOPGRAPH_OPERATIONS_MANIFEST"},
		{[]string{"--introspection=maybe"}, nil, "introspection"},
		{nil, map[string]string{"COOPGRAPH_INTROSPECTION": "no way"}, "COOPGRAPH_INTROSPECTION"},
	} {
		_, err := parseConfig("serve", tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want one containing %q", tc.args, tc.env, err, tc.want)
		}
	}
}
