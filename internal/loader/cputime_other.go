//go:build !unix

package loader

import "time"

// processCPU falls back to wall time where getrusage does not exist.
func processCPU() time.Duration { return monotonic() }
