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
	"path/filepath"
)

// LoadOrCreate reads the key at path, or makes one of n random bytes there
// when there is none. A key of another length is an error: it is not ours.
// Two processes starting at once on a new data directory (serve and a
// command) end up with the same key: the key is written whole to a file of
// its own and linked into place, and the one that loses the race reads the
// winner's.
func LoadOrCreate(path string, n int) ([]byte, error) {
	key, err := load(path, n)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, n)
	rand.Read(key)
	if err := Create(path, key); errors.Is(err, fs.ErrExist) {
		return load(path, n)
	} else if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return key, nil
}

func load(path string, n int) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	if len(key) != n {
		return nil, fmt.Errorf("key %s: %d bytes, want %d", path, len(key), n)
	}
	return key, nil
}

// Create writes key to a temporary file (mode 0600) beside path and links it
// to path, which fails with fs.ErrExist when path is already there: path
// never holds part of a key, so a process that loses a race to make it reads
// the winner's whole key rather than an empty or half-written file.
func Create(path string, key []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".key-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(key); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}
