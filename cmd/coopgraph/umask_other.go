//go:build !unix

package main

// privateFiles does nothing where there is no umask; the embedded store's data
// directory is still created 0700.
func privateFiles() {}
