package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestServeSettings reads the load and store settings from flags and environment, and
// stops on a value that does not parse, naming the setting.
func TestServeSettings(t *testing.T) {
	env := map[string]string{"COOPGRAPH_MAX_IN_FLIGHT": "8", "COOPGRAPH_RATE_LIMIT": "2.5"}
	c, err := parseConfig("serve", []string{"--request-timeout", "3s", "--rate-burst", "4", "--store-timeout", "500ms"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.load.RequestTimeout != 3*time.Second || c.load.MaxInFlight != 8 || c.load.RateLimit != 2.5 || c.load.RateBurst != 4 || c.maxCost != 250_000 || c.storeTimeout != 500*time.Millisecond {
		t.Errorf("load = %+v, maxCost = %d", c.load, c.maxCost)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--request-timeout", "0s"}, nil, "request-timeout"},
		{[]string{"--max-in-flight", "many"}, nil, "max-in-flight"},
		{[]string{"--rate-limit", "-1"}, nil, "rate-limit"},
		{nil, map[string]string{"COOPGRAPH_MAX_COST": "lots"}, "COOPGRAPH_MAX_COST"},
		{nil, map[string]string{"COOPGRAPH_REQUEST_TIMEOUT": "10"}, "COOPGRAPH_REQUEST_TIMEOUT"},
		{[]string{"--store-timeout", "soon"}, nil, "store-timeout"},
		{[]string{"--store-timeout", "0s"}, nil, "store-timeout"},
		{nil, map[string]string{"COOPGRAPH_STORE_TIMEOUT": "2"}, "COOPGRAPH_STORE_TIMEOUT"},
	} {
		_, err := parseConfig("serve", tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want one naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}
