// Package auth holds coopgraph's API keys: roles, the keys file (which stores only
// SHA-256 hashes of keys), and the HTTP middleware that records who is calling.
// It depends on the standard library only.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// Role is what an API key may do. Roles are ordered: VIEWER < EDITOR < ADMIN.
type Role string

// The roles, from least to most privileged.
const (
	Viewer Role = "VIEWER"
	Editor Role = "EDITOR"
	Admin  Role = "ADMIN"
)

var rank = map[Role]int{Viewer: 1, Editor: 2, Admin: 3}

// ParseRole returns the role named s (case-insensitive), or an error listing the valid roles.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	if rank[r] == 0 {
		return "", invalidRole(s)
	}
	return r, nil
}

func invalidRole(s string) error {
	return fmt.Errorf("invalid role %q: want VIEWER, EDITOR or ADMIN", s)
}

// Allows reports whether r is at least required. An empty or unknown role allows nothing.
func (r Role) Allows(required Role) bool {
	return rank[r] > 0 && rank[required] > 0 && rank[r] >= rank[required]
}

// Identity is the caller an API key stands for.
type Identity struct {
	Name string
	Role Role
}

// keyPrefix marks coopgraph keys, so they are recognisable in a leaked file or log.
const keyPrefix = "cgk_"

// Keyring is the set of valid keys, as hashes, loaded from a keys file. Watch keeps it
// in step with the file; it is safe for concurrent use.
type Keyring struct {
	path string
	set  atomic.Pointer[keySet]
	// seen is the file last read (whether or not it was valid), so Reload reads it again
	// only once it has changed. Only Reload uses it.
	seen os.FileInfo
}

// keySet is one version of the keys file's keys.
type keySet struct {
	hashes [][sha256.Size]byte
	ids    []Identity
}

// Load reads the keys file at path. It returns an error if the file cannot be read, is not
// valid JSON, or has an entry without a name, with a repeated name, an invalid role or a
// malformed hash.
func Load(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	set, err := loadSet(path)
	if err != nil {
		return nil, err
	}
	kr := &Keyring{path: path, seen: fi}
	kr.set.Store(set)
	return kr, nil
}

func loadSet(path string) (*keySet, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	set := &keySet{}
	for _, e := range f.Keys {
		h, _ := parseHash(e.Hash) // checked by readFile
		set.hashes = append(set.hashes, h)
		set.ids = append(set.ids, Identity{Name: e.Name, Role: e.Role})
	}
	return set, nil
}

// Reload reads the keys file again if it changed (another file, size or modification
// time) since it was last read. A file that cannot be read or is invalid leaves the keys
// as they were and is reported as an error, once per change. It reports whether the keys
// were replaced. Reload is not safe for concurrent use with itself; Watch calls it.
func (kr *Keyring) Reload() (bool, error) {
	fi, err := os.Stat(kr.path)
	if err != nil {
		if kr.seen == nil {
			return false, nil // already reported
		}
		kr.seen = nil
		return false, fmt.Errorf("read keys file: %w", err)
	}
	if kr.seen != nil && os.SameFile(fi, kr.seen) && fi.Size() == kr.seen.Size() && fi.ModTime().Equal(kr.seen.ModTime()) {
		return false, nil
	}
	kr.seen = fi
	set, err := loadSet(kr.path)
	if err != nil {
		return false, err
	}
	kr.set.Store(set)
	return true, nil
}

// Watch calls Reload every interval until ctx is done, logging each reload and each
// invalid file (whose keys are then not used: the previous ones stay valid).
func (kr *Keyring) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := kr.Reload()
		switch {
		case err != nil:
			log.Error("keys file not reloaded, the previous keys stay valid", "file", kr.path, "keys", kr.Len(), "err", err)
		case changed:
			log.Info("keys file reloaded", "file", kr.path, "keys", kr.Len())
		}
	}
}

// Len returns the number of keys in kr.
func (kr *Keyring) Len() int {
	if kr == nil {
		return 0
	}
	return len(kr.set.Load().hashes)
}

// Lookup returns the identity of key, if key is valid. It compares the key's hash with
// every stored hash in constant time, so timing reveals neither which entry matched nor
// how many there are.
func (kr *Keyring) Lookup(key string) (Identity, bool) {
	if kr == nil || key == "" {
		return Identity{}, false
	}
	set := kr.set.Load()
	h := hashKey(key)
	found := -1
	for i := range set.hashes {
		eq := subtle.ConstantTimeCompare(h[:], set.hashes[i][:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return Identity{}, false
	}
	return set.ids[found], true
}

// State is what the middleware concluded about a request's credentials.
type State int

// The states of a request.
const (
	Anonymous     State = iota // no key was sent
	Authenticated              // a valid key was sent
	Invalid                    // a key was sent but is not valid, or Authorization is not a Bearer token
)

func (s State) String() string {
	switch s {
	case Anonymous:
		return "anonymous"
	case Authenticated:
		return "authenticated"
	case Invalid:
		return "invalid"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

type ctxKey struct{}

type caller struct {
	id    Identity
	state State
}

// WithIdentity returns a copy of ctx in which the caller is id, authenticated.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, caller{id: id, state: Authenticated})
}

// From returns the caller recorded in ctx by Middleware or WithIdentity. The identity is
// zero unless the state is Authenticated; a ctx without a caller is Anonymous.
func From(ctx context.Context) (Identity, State) {
	c, _ := ctx.Value(ctxKey{}).(caller)
	return c.id, c.state
}

// Middleware records the caller of each request in its context, for From. The key is read
// from "Authorization: Bearer <key>" or, without an Authorization header, "X-Api-Key: <key>".
// A nil kr has no keys: every key sent is Invalid. The key itself is not kept.
func Middleware(kr *Keyring, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := caller{state: Anonymous}
		key := r.Header.Get("X-Api-Key")
		sent := key != ""
		if authz := r.Header.Get("Authorization"); authz != "" {
			scheme, token, _ := strings.Cut(authz, " ")
			key, sent = strings.TrimSpace(token), true
			if !strings.EqualFold(scheme, "Bearer") {
				key = ""
			}
		}
		if sent {
			c.state = Invalid
			if id, ok := kr.Lookup(key); ok {
				c = caller{id: id, state: Authenticated}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
	})
}
