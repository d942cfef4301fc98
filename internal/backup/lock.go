package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LockFile is the file in a data directory that a running server holds
// locked, so that a restore (or a second server) can tell it is there.
const LockFile = "abri.lock"

// ErrLocked is returned when another process holds the data directory.
var ErrLocked = errors.New("another abri process (a running server?) is using the data directory: stop it first")

// DirLock is a held data-directory lock. The operating system releases it
// when the process ends, however it ends, so a killed server leaves no stale
// lock behind.
type DirLock struct {
	f *os.File
}

// Lock takes the data directory's lock without waiting, or returns an error
// wrapping ErrLocked when another process (or another Lock in this process)
// holds it. The directory must exist.
func Lock(dir string) (*DirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, unwrapPath(err))
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The process id is for people looking at the directory; the lock is
	// what counts.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{f: f}, nil
}

// Release lets the lock go. The file stays: removing it would let two
// processes hold locks on two different files of the same name.
func (l *DirLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
