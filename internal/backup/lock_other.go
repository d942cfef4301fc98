//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package backup

import "os"

// Elsewhere the lock is only the file: a restore cannot tell whether a
// server is running, and the documentation says to stop it first.
func lockFile(f *os.File) error   { return nil }
func unlockFile(f *os.File) error { return nil }
