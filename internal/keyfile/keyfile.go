// Package keyfile keeps the secret keys abri holds in its data directory,
// outside the database: each a file of random bytes, mode 0600, made on
// first use. A backup of the database alone never carries them.
package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// LoadOrCreate reads the key at path, or makes one of n random bytes there
// when there is none. A key of another length is an error: it is not ours.
func LoadOrCreate(path string, n int) ([]byte, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, n)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	if len(key) != n {
		return nil, fmt.Errorf("key %s: %d bytes, want %d", path, len(key), n)
	}
	return key, nil
}
