package auth

// The keys file: JSON entries of name, role, creation time and the SHA-256 of the key,
// written atomically with mode 0600.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

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
