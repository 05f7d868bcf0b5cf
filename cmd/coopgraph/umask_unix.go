//go:build unix

package main

import "syscall"

// privateFiles makes the files and directories this process creates readable by its user
// only (0600 and 0700): SQLite creates the embedded store's files with 0644 less the umask.
func privateFiles() { syscall.Umask(0o077) }
