//go:build unix

package loader

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used. It does not advance while the
// operating system has the process descheduled, which wall time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return monotonic()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
