package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"abri/internal/db"
)

// Restored says what Restore did.
type Restored struct {
	Report
	// Kept is where the database that was in place now is ("" when there
	// was none): abri.db.before-restore-<UTC time>.
	Kept string
}

// Restore checks the backup file and puts a copy of it in place of the
// data directory's database. It refuses while anything holds the data
// directory's lock (a running server). The database that was there is kept
// beside it as abri.db.before-restore-<time>; the backup file itself is not
// changed.
func Restore(ctx context.Context, file, dataDir string, now time.Time) (Restored, error) {
	if err := regularFile(file); err != nil {
		return Restored{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Restored{}, fmt.Errorf("data directory %s: %w", dataDir, unwrapPath(err))
	}
	lock, err := Lock(dataDir)
	if err != nil {
		return Restored{}, err
	}
	defer lock.Release()

	live := filepath.Join(dataDir, DBFile)
	tmp, err := tempBeside(live, ".restore-")
	if err != nil {
		return Restored{}, err
	}
	defer removeDB(tmp)
	if err := copyFile(file, tmp); err != nil {
		return Restored{}, err
	}
	rep, err := Check(ctx, tmp)
	if err != nil {
		return Restored{}, fmt.Errorf("%s is not a sound abri backup: %w", file, err)
	}
	// Check closed the copy after a checkpoint; what is left of its write-ahead
	// log is empty and must not follow it.
	if err := dropEmptyWAL(tmp); err != nil {
		return Restored{}, err
	}
	if err := syncFile(tmp); err != nil {
		return Restored{}, err
	}

	out := Restored{Report: rep}
	if _, err := os.Lstat(live); err == nil {
		out.Kept = live + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		for i := 2; absent(out.Kept) != nil; i++ { // two restores in one second
			out.Kept = live + ".before-restore-" + now.UTC().Format("20060102T150405Z") + "-" + strconv.Itoa(i)
		}
		if err := keep(ctx, live, out.Kept); err != nil {
			return Restored{}, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Restored{}, fmt.Errorf("%s: %w", live, unwrapPath(err))
	}
	if err := os.Rename(tmp, live); err != nil {
		return Restored{}, fmt.Errorf("put the backup in place: %w", unwrapPath(err))
	}
	return out, syncDir(dataDir)
}

// keep sets the database at live aside as kept. A database whose log can be
// folded into it is hard-linked, so that live names a whole database at
// every moment until the restored one replaces it. One whose log cannot (it
// may be damaged: that may be why it is being restored) is moved with its
// log, which then stays beside it under the new name.
func keep(ctx context.Context, live, kept string) error {
	if hasWAL(live) {
		if d, err := db.Open(ctx, live); err == nil {
			d.Close() // checkpoints the log into the file
		}
	}
	if !hasWAL(live) {
		os.Remove(live + "-shm")
		os.Remove(live + "-wal")
		if err := os.Link(live, kept); err == nil {
			return nil
		}
	}
	for _, suffix := range []string{"-wal", "-shm", ""} {
		err := os.Rename(live+suffix, kept+suffix)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keep the current database as %s: %w", kept, unwrapPath(err))
		}
	}
	return nil
}

// hasWAL tells whether a SQLite file has a write-ahead log with something in it.
func hasWAL(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return err == nil && fi.Size() > 0
}

func dropEmptyWAL(path string) error {
	if hasWAL(path) {
		return fmt.Errorf("the checked copy %s still has a write-ahead log", path)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("%s: %w", from, unwrapPath(err))
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %w", to, unwrapPath(err))
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return dst.Close()
}
