package server_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// TestCursorsBoundToList: a cursor works only on the list (field and parent object) and
// the order it came from, only on a server with the key that signed it, and not at all
// once edited. Every refusal is BAD_USER_INPUT on the cursor's argument.
func TestCursorsBoundToList(t *testing.T) {
	s, _ := storetest.Open(t, seed.Flanders())
	secret := []byte("a cursor secret of at least 32 bytes")
	handler := func(secret []byte) *api {
		return &api{h: server.NewServer(server.Deps{
			Store: s, Ping: s.Ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			NewID: mongostore.NewID, CursorSecret: secret,
		})}
	}
	a := handler(secret)

	// cursor runs query and returns the string at path in its data.
	cursor := func(t *testing.T, query string, vars map[string]any, path ...string) string {
		t.Helper()
		var data any
		a.query(t, query, vars, &data)
		for _, p := range path {
			m, ok := data.(map[string]any)
			if !ok {
				t.Fatalf("no %s in %v", p, data)
			}
			data = m[p]
		}
		c, ok := data.(string)
		if !ok || c == "" {
			t.Fatalf("no cursor at %v: %v", path, data)
		}
		return c
	}
	// refused runs query and wants BAD_USER_INPUT on field, with a message containing msg.
	refused := func(t *testing.T, a *api, query string, vars map[string]any, field, msg string) {
		t.Helper()
		_, r := a.post(t, query, vars)
		if len(r.Errors) == 0 {
			t.Fatalf("accepted; data %s", r.Data)
		}
		for _, e := range r.Errors {
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != field || !strings.Contains(e.Message, msg) {
				t.Errorf("error = %+v; want BAD_USER_INPUT on %q saying %q", e, field, msg)
			}
		}
	}
	ok := func(t *testing.T, a *api, query string, vars map[string]any) {
		t.Helper()
		var data any
		a.query(t, query, vars, &data)
	}

	const (
		projects = `query($c: String) { projects(first: 1, after: $c) { pageInfo { endCursor } } }`
		donors   = `query($c: String) { donors(first: 1, after: $c) { totalCount } }`
	)
	fromProjects := cursor(t, projects, nil, "projects", "pageInfo", "endCursor")

	t.Run("OtherList", func(t *testing.T) {
		refused(t, a, donors, map[string]any{"c": fromProjects}, "after", "another list")
		refused(t, a, `query($c: String) { donors(last: 1, before: $c) { totalCount } }`, map[string]any{"c": fromProjects}, "before", "another list")
		refused(t, a, `query($c: String) { country(code: "MW") { projects(first: 1, after: $c) { totalCount } } }`, map[string]any{"c": fromProjects}, "after", "another list")
		rows := cursor(t, `{ fundingReport(groupBy: [YEAR]) { rows(first: 1) { pageInfo { endCursor } } } }`, nil, "fundingReport", "rows", "pageInfo", "endCursor")
		refused(t, a, projects, map[string]any{"c": rows}, "after", "another list")
		// The same list under an alias is the same list.
		ok(t, a, `query($c: String) { p: projects(first: 1, after: $c) { totalCount } }`, map[string]any{"c": fromProjects})
	})

	t.Run("OtherParent", func(t *testing.T) {
		var got struct {
			Donors struct {
				Nodes []struct {
					ID         string
					TrustFunds struct{ PageInfo struct{ EndCursor *string } }
				}
			}
		}
		a.query(t, `{ donors { nodes { id trustFunds(first: 1) { pageInfo { endCursor } } } } }`, nil, &got)
		donors := got.Donors.Nodes
		if len(donors) < 2 || donors[0].TrustFunds.PageInfo.EndCursor == nil {
			t.Fatalf("want two donors, the first with a trust fund: %+v", donors)
		}
		q := `query($id: ID!, $c: String) { donor(id: $id) { trustFunds(first: 1, after: $c) { totalCount } } }`
		c := *donors[0].TrustFunds.PageInfo.EndCursor
		ok(t, a, q, map[string]any{"id": donors[0].ID, "c": c})
		refused(t, a, q, map[string]any{"id": donors[1].ID, "c": c}, "after", "another list")
		// Another list of the same donor.
		refused(t, a, `query($id: ID!, $c: String) { donor(id: $id) { allocations(first: 1, after: $c) { totalCount } } }`,
			map[string]any{"id": donors[0].ID, "c": c}, "after", "another list")
	})

	t.Run("OtherOrder", func(t *testing.T) {
		q := `query($o: [ProjectOrder!], $c: String) { projects(orderBy: $o, first: 1, after: $c) { pageInfo { endCursor } } }`
		byStart := []map[string]string{{"field": "STARTS_ON", "direction": "DESC"}}
		c := cursor(t, q, map[string]any{"o": byStart}, "projects", "pageInfo", "endCursor")
		ok(t, a, q, map[string]any{"o": byStart, "c": c})
		refused(t, a, q, map[string]any{"o": []map[string]string{{"field": "STARTS_ON", "direction": "ASC"}}, "c": c}, "after", "different orderBy")
		refused(t, a, q, map[string]any{"o": []map[string]string{{"field": "TITLE"}}, "c": c}, "after", "different orderBy")
		refused(t, a, q, map[string]any{"c": c}, "after", "different orderBy")
	})

	t.Run("Edited", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(fromProjects)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			edited := append([]byte(nil), raw...)
			edited[i] ^= 0x01
			refused(t, a, projects, map[string]any{"c": base64.RawURLEncoding.EncodeToString(edited)}, "after", "not a cursor this server made")
		}
		// Re-signing an edited payload with the old unkeyed checksum does not help either.
		payload := raw[16:]
		var d map[string]any
		if err := json.Unmarshal(payload, &d); err != nil {
			t.Fatalf("cursor payload is not JSON: %v", err)
		}
		refused(t, a, projects, map[string]any{"c": base64.RawURLEncoding.EncodeToString(payload)}, "after", "not a cursor this server made")
		refused(t, a, projects, map[string]any{"c": "bm90IGEgY3Vyc29y"}, "after", "not a cursor this server made")
	})

	t.Run("Key", func(t *testing.T) {
		// Another instance with the same secret takes the cursor; one with another
		// secret, or with none (a random key), refuses it.
		ok(t, handler(secret), projects, map[string]any{"c": fromProjects})
		refused(t, handler([]byte("another secret of at least 32 bytes")), projects, map[string]any{"c": fromProjects}, "after", "not a cursor this server made")
		refused(t, handler(nil), projects, map[string]any{"c": fromProjects}, "after", "not a cursor this server made")
	})
}
