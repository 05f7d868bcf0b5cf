package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// mustAddKey adds a key to the keys file at path and returns it.
func mustAddKey(tb testing.TB, path, name string, role auth.Role) string {
	tb.Helper()
	key, err := auth.AddKey(path, name, role, now)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func mustLoad(tb testing.TB, path string) *auth.Keyring {
	tb.Helper()
	kr, err := auth.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return kr
}

func TestAddKeyAndLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	alice := mustAddKey(t, path, "alice", auth.Editor)
	bob := mustAddKey(t, path, "bob", auth.Admin)
	if !strings.HasPrefix(alice, "cgk_") || len(alice) != len("cgk_")+43 {
		t.Errorf("key %q: want cgk_ and 43 base64url characters", alice)
	}
	kr := mustLoad(t, path)
	if kr.Len() != 2 {
		t.Fatalf("Len() = %d, want 2", kr.Len())
	}

	t.Run("Valid", func(t *testing.T) {
		for key, want := range map[string]auth.Identity{
			alice: {Name: "alice", Role: auth.Editor},
			bob:   {Name: "bob", Role: auth.Admin},
		} {
			if id, ok := kr.Lookup(key); !ok || id != want {
				t.Errorf("Lookup = %+v, %v; want %+v, true", id, ok, want)
			}
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		oneOff := []byte(alice)
		if oneOff[10] == 'A' {
			oneOff[10] = 'B'
		} else {
			oneOff[10] = 'A'
		}
		for name, key := range map[string]string{
			"Wrong":        "cgk_" + strings.Repeat("x", 43),
			"Empty":        "",
			"OneCharOff":   string(oneOff),
			"Truncated":    alice[:len(alice)-1],
			"HashPrefixed": "sha256:" + alice,
		} {
			if id, ok := kr.Lookup(key); ok {
				t.Errorf("%s: Lookup accepted it as %+v", name, id)
			}
		}
	})

	t.Run("NilKeyring", func(t *testing.T) {
		var none *auth.Keyring
		if _, ok := none.Lookup(alice); ok || none.Len() != 0 {
			t.Error("a nil keyring accepted a key")
		}
	})

	t.Run("FileHoldsOnlyHashes", func(t *testing.T) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("file mode = %v, want 0600", mode)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{alice, bob, strings.TrimPrefix(alice, "cgk_"), strings.TrimPrefix(bob, "cgk_")} {
			if strings.Contains(string(b), key) {
				t.Errorf("keys file contains a key in clear:\n%s", b)
			}
		}
		if strings.Count(string(b), `"sha256:`) != 2 || !strings.Contains(string(b), `"createdAt": "2025-03-01T12:00:00Z"`) {
			t.Errorf("keys file lacks the expected hashes and dates:\n%s", b)
		}
		if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
			t.Errorf("temporary files left behind: %v", entries)
		}
	})
}

func TestAddKeyRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	mustAddKey(t, path, "alice", auth.Viewer)
	before, _ := os.ReadFile(path)
	for name, tc := range map[string]struct {
		name string
		role auth.Role
		want string
	}{
		"ErrDuplicateName": {"alice", auth.Admin, "already exists"},
		"ErrNameRequired":  {"  ", auth.Admin, "name is required"},
		"ErrInvalidRole":   {"carol", "ROOT", "invalid role"},
		"ErrEmptyRole":     {"carol", "", "invalid role"},
	} {
		t.Run(name, func(t *testing.T) {
			key, err := auth.AddKey(path, tc.name, tc.role, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) || key != "" {
				t.Errorf("AddKey = %q, %v; want an error containing %q", key, err, tc.want)
			}
		})
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a refused AddKey changed the file:\n%s", after)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	const hash = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	for name, content := range map[string]string{
		"NotJSON":       `{"keys": [`,
		"Empty":         ``,
		"BadRole":       `{"keys": [{"name": "a", "role": "ROOT", "hash": "` + hash + `"}]}`,
		"NoName":        `{"keys": [{"role": "VIEWER", "hash": "` + hash + `"}]}`,
		"DuplicateName": `{"keys": [{"name": "a", "role": "VIEWER", "hash": "` + hash + `"}, {"name": "a", "role": "ADMIN", "hash": "` + hash + `"}]}`,
		"NoPrefix":      `{"keys": [{"name": "a", "role": "VIEWER", "hash": "` + strings.TrimPrefix(hash, "sha256:") + `"}]}`,
		"ShortHash":     `{"keys": [{"name": "a", "role": "VIEWER", "hash": "sha256:2cf24d"}]}`,
		"LongHash":      `{"keys": [{"name": "a", "role": "VIEWER", "hash": "` + hash + `00"}]}`,
		"NotHex":        `{"keys": [{"name": "a", "role": "VIEWER", "hash": "sha256:` + strings.Repeat("zz", 32) + `"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := auth.Load(path); err == nil {
				t.Error("Load accepted it")
			}
			if _, err := auth.AddKey(path, "new", auth.Viewer, now); err == nil {
				t.Error("AddKey appended to it")
			}
		})
	}
	t.Run("Missing", func(t *testing.T) {
		if _, err := auth.Load(filepath.Join(dir, "missing.json")); err == nil {
			t.Error("Load of a missing file succeeded")
		}
	})
	t.Run("Valid", func(t *testing.T) {
		path := filepath.Join(dir, "valid.json")
		if err := os.WriteFile(path, []byte(`{"keys": [{"name": "a", "role": "VIEWER", "hash": "`+hash+`", "createdAt": "2025-01-01T00:00:00Z"}]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if id, ok := mustLoad(t, path).Lookup("hello"); !ok || id != (auth.Identity{Name: "a", Role: auth.Viewer}) {
			t.Errorf("Lookup(hello) = %+v, %v", id, ok)
		}
	})
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]auth.Role{"VIEWER": auth.Viewer, "editor": auth.Editor, " Admin ": auth.Admin} {
		if r, err := auth.ParseRole(in); err != nil || r != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, r, err, want)
		}
	}
	for _, in := range []string{"", "ROOT", "VIEWERS"} {
		if _, err := auth.ParseRole(in); err == nil || !strings.Contains(err.Error(), "VIEWER, EDITOR or ADMIN") {
			t.Errorf("ParseRole(%q) error = %v; want one listing the roles", in, err)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	for _, tc := range []struct {
		have, need auth.Role
		want       bool
	}{
		{auth.Viewer, auth.Viewer, true},
		{auth.Viewer, auth.Editor, false},
		{auth.Viewer, auth.Admin, false},
		{auth.Editor, auth.Viewer, true},
		{auth.Editor, auth.Editor, true},
		{auth.Editor, auth.Admin, false},
		{auth.Admin, auth.Viewer, true},
		{auth.Admin, auth.Editor, true},
		{auth.Admin, auth.Admin, true},
		{"", auth.Viewer, false},
		{"ROOT", auth.Viewer, false},
		{"viewer", auth.Viewer, false},
		{auth.Admin, "", false},
		{auth.Admin, "ROOT", false},
	} {
		if got := tc.have.Allows(tc.need); got != tc.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tc.have, tc.need, got, tc.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	key := mustAddKey(t, path, "alice", auth.Editor)
	kr := mustLoad(t, path)
	alice := auth.Identity{Name: "alice", Role: auth.Editor}

	for _, tc := range []struct {
		name   string
		kr     *auth.Keyring
		header map[string]string
		want   auth.State
		wantID auth.Identity
	}{
		{"NoHeader", kr, nil, auth.Anonymous, auth.Identity{}},
		{"BearerValid", kr, map[string]string{"Authorization": "Bearer " + key}, auth.Authenticated, alice},
		{"BearerLowercaseScheme", kr, map[string]string{"Authorization": "bearer " + key}, auth.Authenticated, alice},
		{"XApiKeyValid", kr, map[string]string{"X-Api-Key": key}, auth.Authenticated, alice},
		{"BearerWrongKey", kr, map[string]string{"Authorization": "Bearer cgk_wrong"}, auth.Invalid, auth.Identity{}},
		{"XApiKeyWrongKey", kr, map[string]string{"X-Api-Key": "cgk_wrong"}, auth.Invalid, auth.Identity{}},
		{"BearerEmpty", kr, map[string]string{"Authorization": "Bearer"}, auth.Invalid, auth.Identity{}},
		{"Basic", kr, map[string]string{"Authorization": "Basic xyz"}, auth.Invalid, auth.Identity{}},
		{"BasicWithValidXApiKey", kr, map[string]string{"Authorization": "Basic xyz", "X-Api-Key": key}, auth.Invalid, auth.Identity{}},
		{"NilKeyringWithKey", nil, map[string]string{"Authorization": "Bearer " + key}, auth.Invalid, auth.Identity{}},
		{"NilKeyringNoKey", nil, nil, auth.Anonymous, auth.Identity{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotID auth.Identity
			var got auth.State = -1
			h := auth.Middleware(tc.kr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotID, got = auth.From(r.Context())
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got != tc.want || gotID != tc.wantID {
				t.Errorf("From = %+v, %v; want %+v, %v", gotID, got, tc.wantID, tc.want)
			}
		})
	}
}

func TestFromAndWithIdentity(t *testing.T) {
	if id, s := auth.From(context.Background()); s != auth.Anonymous || id != (auth.Identity{}) {
		t.Errorf("From(empty context) = %+v, %v; want anonymous", id, s)
	}
	want := auth.Identity{Name: "ops", Role: auth.Admin}
	if id, s := auth.From(auth.WithIdentity(context.Background(), want)); s != auth.Authenticated || id != want {
		t.Errorf("From(WithIdentity) = %+v, %v; want %+v, authenticated", id, s, want)
	}
}

// TestListAndRevoke lists names, roles and dates (never hashes) and removes one key,
// keeping the file 0600.
func TestListAndRevoke(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	mustAddKey(t, path, "alice", auth.Editor)
	mustAddKey(t, path, "bob", auth.Admin)
	list, err := auth.ListKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []auth.KeyInfo{{Name: "alice", Role: auth.Editor, CreatedAt: now}, {Name: "bob", Role: auth.Admin, CreatedAt: now}}
	if len(list) != 2 || list[0] != want[0] || list[1] != want[1] {
		t.Errorf("ListKeys = %+v, want %+v", list, want)
	}
	if err := auth.RevokeKey(path, "alice"); err != nil {
		t.Fatal(err)
	}
	if list, _ := auth.ListKeys(path); len(list) != 1 || list[0].Name != "bob" {
		t.Errorf("after revoking alice: %+v", list)
	}
	if err := auth.RevokeKey(path, "alice"); err == nil || !strings.Contains(err.Error(), `no key named "alice"`) {
		t.Errorf("second revoke: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file after revoke: %v %v, want mode 0600", fi, err)
	}
	if _, err := auth.ListKeys(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ListKeys of a missing file succeeded")
	}
}

// TestKeyringReload: a changed file replaces the keys; an invalid or missing one keeps the
// previous keys and is reported once.
func TestKeyringReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	alice := mustAddKey(t, path, "alice", auth.Editor)
	kr := mustLoad(t, path)
	if changed, err := kr.Reload(); changed || err != nil {
		t.Errorf("Reload of an unchanged file = %v, %v", changed, err)
	}
	bob := mustAddKey(t, path, "bob", auth.Viewer)
	if changed, err := kr.Reload(); !changed || err != nil {
		t.Fatalf("Reload after an add = %v, %v", changed, err)
	}
	if _, ok := kr.Lookup(bob); !ok {
		t.Error("the added key is not valid after Reload")
	}
	if err := auth.RevokeKey(path, "bob"); err != nil {
		t.Fatal(err)
	}
	if changed, err := kr.Reload(); !changed || err != nil {
		t.Fatalf("Reload after a revoke = %v, %v", changed, err)
	}
	if _, ok := kr.Lookup(bob); ok {
		t.Error("the revoked key is still valid after Reload")
	}

	for _, tc := range []struct {
		name    string
		breakIt func() error
	}{
		{"Invalid", func() error { return os.WriteFile(path, []byte(`{"keys": [`), 0o600) }},
		{"Missing", func() error { return os.Remove(path) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.breakIt(); err != nil {
				t.Fatal(err)
			}
			if changed, err := kr.Reload(); changed || err == nil {
				t.Errorf("Reload = %v, %v; want an error", changed, err)
			}
			if changed, err := kr.Reload(); changed || err != nil {
				t.Errorf("second Reload = %v, %v; want it reported once", changed, err)
			}
			if id, ok := kr.Lookup(alice); !ok || id.Name != "alice" {
				t.Error("the previous keys were dropped")
			}
		})
	}
	mustAddKey(t, path, "carol", auth.Admin) // a new file without alice
	if changed, err := kr.Reload(); !changed || err != nil {
		t.Fatalf("Reload of a repaired file = %v, %v", changed, err)
	}
	if _, ok := kr.Lookup(alice); ok || kr.Len() != 1 {
		t.Errorf("after the repair: alice valid %v, %d keys; want only carol", ok, kr.Len())
	}
}
