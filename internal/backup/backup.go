// Package backup copies abri's SQLite database while the server keeps
// writing, checks a copy before anyone relies on it, and puts a backup back
// in place of a data directory's database. PostgreSQL has its own tools for
// this (pg_dump -Fc and pg_restore), which abri does not wrap.
package backup

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"abri/internal/db"
	"abri/internal/ledger"
)

// DBFile is the name of the SQLite database in a data directory.
const DBFile = "abri.db"

// ErrPostgres is returned for a PostgreSQL database: back it up with
// PostgreSQL's own tools.
var ErrPostgres = errors.New("abri backup and restore work on SQLite; for PostgreSQL use " +
	"pg_dump -Fc -f FILE DBNAME to back up and pg_restore --clean --if-exists -d DBNAME FILE to restore, " +
	"then abri verify --db DSN")

// ErrExists is returned when the backup file is already there: a backup
// never overwrites anything.
var ErrExists = errors.New("the file already exists; a backup never overwrites one, choose a new name")

// Report is what a check of a copy found.
type Report struct {
	SchemaVersion int
	Chains        int           // organisations with a ledger chain
	Entries       int64         // ledger entries, all checked
	Bytes         int64         // size of the file
	Heads         []ledger.Head // each chain's head in the copy
}

// Take copies the live SQLite database at path into a new file dest with
// VACUUM INTO, which reads one consistent snapshot while the server keeps
// writing, then checks the copy (see Check). It reads through a read-only
// connection of its own, so it never waits for the write lock of a busy
// server. The copy is written under a temporary name beside dest, made
// durable, and only then linked to dest, so dest never names a half-written
// or unchecked file.
func Take(ctx context.Context, path, dest string) (Report, error) {
	dest = filepath.Clean(dest)
	if err := absent(dest); err != nil {
		return Report{}, err
	}
	if err := regularFile(path); err != nil {
		return Report{}, fmt.Errorf("no database: %w", err)
	}
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return Report{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	tmp, err := tempBeside(dest, ".partial-")
	if err != nil {
		return Report{}, err
	}
	defer removeDB(tmp)
	// VACUUM INTO accepts an existing empty file, so the copy is born with
	// the private mode tempBeside gave it.
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return Report{}, fmt.Errorf("copy %s: %w", path, err)
	}
	rep, err := Check(ctx, tmp)
	if err != nil {
		return Report{}, fmt.Errorf("the copy failed its check, nothing was written to %s: %w", dest, err)
	}
	if err := syncFile(tmp); err != nil {
		return Report{}, err
	}
	if err := publish(tmp, dest); err != nil {
		return Report{}, err
	}
	return rep, syncDir(filepath.Dir(dest))
}

// Check opens the SQLite file at path and checks it: PRAGMA integrity_check
// and foreign_key_check must find nothing, it must be an abri database no
// newer than this program, and every ledger chain must verify.
//
// Opening it the way abri does switches the file to WAL mode and leaves it
// checkpointed, so Check is for copies: a backup being taken or restored.
func Check(ctx context.Context, path string) (Report, error) {
	if err := regularFile(path); err != nil {
		return Report{}, err
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		return Report{}, err
	}
	defer d.Close()
	if err := Integrity(ctx, d.SQL()); err != nil {
		return Report{}, err
	}
	var rep Report
	if rep.SchemaVersion, err = d.Version(ctx); err != nil {
		return Report{}, fmt.Errorf("not an abri database (no schema version): %w", err)
	}
	ms, err := db.Migrations()
	if err != nil {
		return Report{}, err
	}
	if rep.SchemaVersion > len(ms) {
		return Report{}, fmt.Errorf("the database is at schema version %d, newer than this abri (%d): use a newer abri", rep.SchemaVersion, len(ms))
	}
	lr, err := ledger.Verify(ctx, d)
	if err != nil {
		return Report{}, err
	}
	if lr.Broken != nil {
		return Report{}, fmt.Errorf("ledger broken at %s", lr.Broken)
	}
	rep.Chains, rep.Entries, rep.Heads = lr.Chains, lr.Entries, lr.Heads
	if fi, err := os.Stat(path); err == nil {
		rep.Bytes = fi.Size()
	}
	return rep, nil
}

// Integrity runs SQLite's PRAGMA integrity_check and foreign_key_check on
// an open database and reports the first problems they find.
func Integrity(ctx context.Context, q *sql.DB) error {
	rows, err := q.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" && len(problems) < 5 {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	rows, err = q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		return fmt.Errorf("foreign key check failed: a row of %s (rowid %d) points to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// absent returns ErrExists when something is at path.
func absent(path string) error {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return fmt.Errorf("%s: %w", path, ErrExists)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return fmt.Errorf("%s: %w", path, err)
	}
}

func regularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", path)
	}
	return nil
}

// tempBeside creates an empty private file with an unguessable name in
// the directory of path.
func tempBeside(path, infix string) (string, error) {
	b := make([]byte, 8)
	rand.Read(b)
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+infix+hex.EncodeToString(b))
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create a file beside %s: %w", path, unwrapPath(err))
	}
	return tmp, f.Close()
}

// publish gives the finished file tmp its final name dest without ever
// replacing a file there: a hard link fails when dest exists. Where hard
// links are not supported (some USB sticks), it checks and renames.
func publish(tmp, dest string) error {
	err := os.Link(tmp, dest)
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s: %w", dest, ErrExists)
	}
	if err := absent(dest); err != nil {
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("name the backup %s: %w", dest, unwrapPath(err))
	}
	return nil
}

// removeDB removes a SQLite file with its -wal and -shm companions.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// syncDir makes a new name in dir durable. Not every system can sync a
// directory; that is not an error.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	f.Sync()
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
