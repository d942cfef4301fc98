package backup_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/backup"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"

	_ "modernc.org/sqlite"
)

var ctx = context.Background()

// openData opens (and migrates) the database of a data directory.
func openData(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(ctx, filepath.Join(dir, backup.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// seed makes an organisation with n sites and returns its system actor.
func seed(t *testing.T, d *db.DB, slug string, n int) access.Actor {
	t.Helper()
	o, b, err := account.New(d).CreateOrganisation(ctx, slug, "Group "+slug, "Warehouse")
	if err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(o.ID, b.ID)
	for i := 0; i < n; i++ {
		if _, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: fmt.Sprintf("Site %d", i), Kind: place.SiteLiving}); err != nil {
			t.Fatal(err)
		}
	}
	return sys
}

func siteCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM sites").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func verified(t *testing.T, d *db.DB) ledger.Report {
	t.Helper()
	rep, err := ledger.Verify(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Broken != nil {
		t.Fatalf("ledger broken: %s", rep.Broken)
	}
	return rep
}

// files lists the names in a directory.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestTakeCopiesAndChecks(t *testing.T) {
	d := openData(t, t.TempDir())
	defer d.Close()
	seed(t, d, "first", 5)
	seed(t, d, "second", 2)
	want := verified(t, d)

	out := t.TempDir()
	dest := filepath.Join(out, "abri-2026-11-26.db")
	rep, err := backup.Take(ctx, d.Path, dest)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != want.Entries || rep.Chains != 2 || rep.SchemaVersion == 0 || rep.Bytes == 0 {
		t.Errorf("report %+v; the live ledger has %d entries in %d chains", rep, want.Entries, want.Chains)
	}
	if got := files(t, out); len(got) != 1 || got[0] != "abri-2026-11-26.db" {
		t.Errorf("the backup directory holds %q, want only the backup", got)
	}
	fi, _ := os.Stat(dest)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600: it holds personal data", fi.Mode().Perm())
	}
	c, err := db.Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := siteCount(t, c); n != 7 {
		t.Errorf("the backup has %d sites, want 7", n)
	}
}

func TestTakeNeverOverwrites(t *testing.T) {
	d := openData(t, t.TempDir())
	defer d.Close()
	seed(t, d, "first", 1)
	out := t.TempDir()
	dest := filepath.Join(out, "precious.db")
	os.WriteFile(dest, []byte("last week's backup"), 0o600)
	_, err := backup.Take(ctx, d.Path, dest)
	if !errors.Is(err, backup.ErrExists) {
		t.Fatalf("backup onto an existing file: %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "last week's backup" {
		t.Errorf("the existing file changed: %q", b)
	}
	if got := files(t, out); len(got) != 1 {
		t.Errorf("left behind: %q", got)
	}
	// Not even onto the live database itself.
	if _, err := backup.Take(ctx, d.Path, d.Path); !errors.Is(err, backup.ErrExists) {
		t.Errorf("backup onto the live database: %v, want ErrExists", err)
	}
	// A directory that is not there is a clear error, and so is a database
	// that is not there (opening it would make an empty one).
	if _, err := backup.Take(ctx, d.Path, filepath.Join(out, "no", "such", "dir.db")); err == nil {
		t.Error("backup into a missing directory succeeded")
	}
	missing := filepath.Join(t.TempDir(), "abri.db")
	if _, err := backup.Take(ctx, missing, filepath.Join(out, "new.db")); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("backup of a missing database: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("backup of a missing database created it")
	}
}

// backupFile makes a checked backup of a small database and returns its path.
func backupFile(t *testing.T, slug string, sites int) string {
	t.Helper()
	d := openData(t, t.TempDir())
	defer d.Close()
	seed(t, d, slug, sites)
	dest := filepath.Join(t.TempDir(), slug+".db")
	if _, err := backup.Take(ctx, d.Path, dest); err != nil {
		t.Fatal(err)
	}
	return dest
}

// alter changes a copy of a backup with raw SQL, behind abri's back.
func alter(t *testing.T, from string, stmts ...string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "altered.db")
	os.WriteFile(to, b, 0o600)
	s, err := sql.Open("sqlite", to)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range stmts {
		if _, err := s.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return to
}

func TestCheckRefusesWhatIsNotASoundBackup(t *testing.T) {
	good := backupFile(t, "good", 3)
	if _, err := backup.Check(ctx, alter(t, good)); err != nil {
		t.Fatalf("a good backup: %v", err)
	}
	whole, _ := os.ReadFile(good)
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "f.db")
		os.WriteFile(p, b, 0o600)
		return p
	}
	plain := filepath.Join(t.TempDir(), "plain.db")
	if s, err := sql.Open("sqlite", plain); err == nil {
		s.Exec("CREATE TABLE notes (x TEXT)")
		s.Close()
	}
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "nothing.db"), "no such file"},
		{"a directory", t.TempDir(), "not a file"},
		{"not a database", write([]byte(strings.Repeat("these are not the pages you are looking for\n", 200))), "not a database"},
		{"cut short", write(whole[:len(whole)/2]), ""},
		{"another program's database", plain, "not an abri database"},
		{"ledger changed", alter(t, good, `UPDATE ledger SET payload = '{"name":"Elsewhere"}' WHERE seq = 2`), "ledger broken"},
		{"ledger entry removed", alter(t, good, `DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger)`), "ledger broken"},
		{"newer schema", alter(t, good, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`), "newer than this abri"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := backup.Check(ctx, c.path)
			if err == nil {
				t.Fatal("passed the check")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	data := t.TempDir()
	d := openData(t, data)
	seed(t, d, "today", 1)
	d.Close()
	file := backupFile(t, "yesterday", 4)
	before, _ := os.ReadFile(file)

	now := time.Date(2026, 11, 26, 21, 30, 5, 0, time.UTC)
	res, err := backup.Restore(ctx, file, data, now)
	if err != nil {
		t.Fatal(err)
	}
	wantKept := filepath.Join(data, "abri.db.before-restore-20261126T213005Z")
	if res.Kept != wantKept || res.Entries == 0 || res.Chains != 1 {
		t.Errorf("restore said %+v, want the old database kept as %s", res, wantKept)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("restore changed the backup file")
	}
	for _, name := range files(t, data) {
		if strings.HasPrefix(name, ".") {
			t.Errorf("restore left %s behind", name)
		}
	}
	d = openData(t, data)
	defer d.Close()
	if n := siteCount(t, d); n != 4 {
		t.Errorf("after restore %d sites, want the backup's 4", n)
	}
	if rep := verified(t, d); rep.Entries != res.Entries {
		t.Errorf("verify after restore: %d entries, restore said %d", rep.Entries, res.Entries)
	}
	// New writes go on from the restored ledger.
	o, err := account.New(d).OrganisationBySlug(ctx, "yesterday")
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := account.New(d).Bases(ctx, access.SystemActor(o.ID, 0))
	if _, err := place.New(d).CreateSite(ctx, access.SystemActor(o.ID, bs[0].ID), place.SiteInput{Name: "After", Kind: place.SiteLiving}); err != nil {
		t.Fatal(err)
	}
	verified(t, d)

	k, err := db.Open(ctx, wantKept)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if n := siteCount(t, k); n != 1 {
		t.Errorf("the kept database has %d sites, want the 1 it had", n)
	}

	// Into an empty data directory nothing is kept.
	empty := filepath.Join(t.TempDir(), "new")
	res, err = backup.Restore(ctx, file, empty, now)
	if err != nil || res.Kept != "" {
		t.Errorf("restore into a new directory: %+v %v", res, err)
	}
}

// TestRestoreKeepsTheLogOfAKilledServer restores over a database whose
// write-ahead log still holds commits, as a killed server leaves it: the kept
// database must hold them.
func TestRestoreKeepsTheLogOfAKilledServer(t *testing.T) {
	live := t.TempDir()
	d := openData(t, live)
	defer d.Close()
	seed(t, d, "killed", 3)
	data := t.TempDir()
	// Copy the files while the database is open: the last commits are only
	// in the log.
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(live, backup.DBFile) + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the log is empty; the test needs commits in it")
		}
		os.WriteFile(filepath.Join(data, backup.DBFile)+suffix, b, 0o600)
	}
	res, err := backup.Restore(ctx, backupFile(t, "other", 1), data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := db.Open(ctx, res.Kept)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if n := siteCount(t, k); n != 3 {
		t.Errorf("the kept database has %d sites, want 3", n)
	}
	verified(t, k)
}

func TestRestoreRefuses(t *testing.T) {
	data := t.TempDir()
	d := openData(t, data)
	seed(t, d, "live", 2)
	d.Close()
	live, _ := os.ReadFile(filepath.Join(data, backup.DBFile))
	good := backupFile(t, "good", 1)
	unchanged := func(t *testing.T) {
		t.Helper()
		if b, _ := os.ReadFile(filepath.Join(data, backup.DBFile)); !bytes.Equal(b, live) {
			t.Error("the live database changed")
		}
		for _, name := range files(t, data) {
			if name != backup.DBFile && name != backup.LockFile {
				t.Errorf("left behind: %s", name)
			}
		}
	}

	t.Run("while a server holds the lock", func(t *testing.T) {
		l, err := backup.Lock(data)
		if err != nil {
			t.Fatal(err)
		}
		_, err = backup.Restore(ctx, good, data, time.Now())
		l.Release()
		if !errors.Is(err, backup.ErrLocked) || !strings.Contains(err.Error(), "stop it first") {
			t.Errorf("restore under a server: %v, want ErrLocked", err)
		}
		unchanged(t)
	})
	t.Run("a broken backup", func(t *testing.T) {
		bad := alter(t, good, `UPDATE ledger SET kind = 'site.deleted' WHERE seq = 1`)
		_, err := backup.Restore(ctx, bad, data, time.Now())
		if err == nil || !strings.Contains(err.Error(), "not a sound abri backup") {
			t.Errorf("restore of a broken backup: %v", err)
		}
		unchanged(t)
	})
	t.Run("a missing file", func(t *testing.T) {
		if _, err := backup.Restore(ctx, filepath.Join(t.TempDir(), "gone.db"), data, time.Now()); err == nil {
			t.Error("restore of a missing file succeeded")
		}
		unchanged(t)
	})
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	l, err := backup.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Lock(dir); !errors.Is(err, backup.ErrLocked) {
		t.Errorf("second lock: %v, want ErrLocked", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := backup.Lock(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
	if _, err := backup.Lock(filepath.Join(dir, "missing")); err == nil || errors.Is(err, backup.ErrLocked) {
		t.Errorf("lock in a missing directory: %v", err)
	}
}
