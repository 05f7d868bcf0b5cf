// Package auth holds coopgraph's API keys: roles, the keys file (which stores only
// SHA-256 hashes of keys), and the HTTP middleware that records who is calling.
// It depends on the standard library only.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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

// GenerateKey returns a new random key: 32 bytes from crypto/rand, base64url without
// padding, prefixed "cgk_".
func GenerateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// fileEntry is one key in the keys file: its hash, never the key.
type fileEntry struct {
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"hash"` // "sha256:<64 hex>"
	CreatedAt time.Time `json:"createdAt"`
}

type keysFile struct {
	Keys []fileEntry `json:"keys"`
}

func hashKey(key string) [sha256.Size]byte { return sha256.Sum256([]byte(key)) }

// readFile reads and checks the keys file at path.
func readFile(path string) (keysFile, error) {
	var f keysFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("read keys file: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("keys file %s is not valid JSON: %w", path, err)
	}
	seen := map[string]bool{}
	for i, e := range f.Keys {
		switch {
		case e.Name == "":
			return f, fmt.Errorf("keys file %s: entry %d has no name", path, i+1)
		case seen[e.Name]:
			return f, fmt.Errorf("keys file %s: name %q appears twice", path, e.Name)
		case rank[e.Role] == 0:
			return f, fmt.Errorf("keys file %s: key %q has invalid role %q", path, e.Name, e.Role)
		}
		if _, err := parseHash(e.Hash); err != nil {
			return f, fmt.Errorf("keys file %s: key %q: %w", path, e.Name, err)
		}
		seen[e.Name] = true
	}
	return f, nil
}

func parseHash(s string) ([sha256.Size]byte, error) {
	var h [sha256.Size]byte
	hexPart, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hexPart) != hex.EncodedLen(sha256.Size) {
		return h, errors.New(`malformed hash: want "sha256:" and 64 hex digits`)
	}
	if _, err := hex.Decode(h[:], []byte(hexPart)); err != nil {
		return h, errors.New(`malformed hash: want "sha256:" and 64 hex digits`)
	}
	return h, nil
}

// AddKey adds a key named name with role to the keys file at path, creating the file if
// it does not exist, and returns the new key: the only time it exists in clear. It refuses
// an empty name, a name already in the file, and an invalid role. The file is replaced
// atomically and has mode 0600.
func AddKey(path, name string, role Role, now time.Time) (string, error) {
	if name = strings.TrimSpace(name); name == "" {
		return "", errors.New("key name is required")
	}
	if rank[role] == 0 {
		return "", invalidRole(string(role))
	}
	f, err := readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	for _, e := range f.Keys {
		if e.Name == name {
			return "", fmt.Errorf("a key named %q already exists in %s", name, path)
		}
	}
	key, err := GenerateKey()
	if err != nil {
		return "", err
	}
	h := hashKey(key)
	f.Keys = append(f.Keys, fileEntry{Name: name, Role: role, Hash: "sha256:" + hex.EncodeToString(h[:]), CreatedAt: now.UTC()})
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", err
	}
	if err := writeAtomic(path, append(b, '\n')); err != nil {
		return "", fmt.Errorf("write keys file: %w", err)
	}
	return key, nil
}

// writeAtomic writes b to a temporary file beside path (os.CreateTemp makes it 0600), then
// renames it over path, so readers see the old file or the new one, never half of one.
func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// KeyInfo describes a key in the keys file: who holds it, its role, when it was made.
// It never holds the key nor its hash.
type KeyInfo struct {
	Name      string
	Role      Role
	CreatedAt time.Time
}

// ListKeys returns the keys of the keys file at path, in the file's order.
func ListKeys(path string) ([]KeyInfo, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]KeyInfo, len(f.Keys))
	for i, e := range f.Keys {
		out[i] = KeyInfo{Name: e.Name, Role: e.Role, CreatedAt: e.CreatedAt}
	}
	return out, nil
}

// RevokeKey removes the key named name from the keys file at path. The file is replaced
// atomically and has mode 0600; a running server's Keyring picks the change up (Watch).
func RevokeKey(path, name string) error {
	f, err := readFile(path)
	if err != nil {
		return err
	}
	kept := f.Keys[:0]
	for _, e := range f.Keys {
		if e.Name != name {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(f.Keys) {
		return fmt.Errorf("no key named %q in %s", name, path)
	}
	f.Keys = kept
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write keys file: %w", err)
	}
	return nil
}

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
