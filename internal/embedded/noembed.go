//go:build noembed

package embedded

import "io"

// Available reports whether this build has the embedded store.
const Available = false

// StartAt returns ErrNotBuilt: this build has no embedded store.
func StartAt(dataDir, addr string, stderr io.Writer) (*Store, error) {
	return nil, ErrNotBuilt
}
