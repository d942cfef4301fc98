package keyfile

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.key")
	k, err := LoadOrCreate(path, 32)
	if err != nil || len(k) != 32 {
		t.Fatalf("create: %d bytes, %v", len(k), err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
	again, err := LoadOrCreate(path, 32)
	if err != nil || !bytes.Equal(again, k) {
		t.Fatalf("reload gave another key: %v", err)
	}
	if _, err := LoadOrCreate(path, 16); err == nil {
		t.Fatal("a key of another length was accepted")
	}
	if es, _ := os.ReadDir(filepath.Dir(path)); len(es) != 1 {
		t.Fatalf("left %d files, want the key alone", len(es))
	}
}

// Processes starting at once on a new data directory all get the one key.
func TestLoadOrCreateRace(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "a.key")
		keys := make([][]byte, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = LoadOrCreate(path, 32)
			}()
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("caller %d: %v, same key %v", i, errs[i], bytes.Equal(keys[i], keys[0]))
			}
		}
	}
}
