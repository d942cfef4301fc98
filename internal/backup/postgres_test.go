package backup_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestPostgresDumpAndRestore is the PostgreSQL procedure of docs/admin.md:
// pg_dump -Fc, then pg_restore into a new database and, with --clean
// --if-exists, over the database it came from. Both copies must verify and
// take new writes.
func TestPostgresDumpAndRestore(t *testing.T) {
	base := os.Getenv(dbtest.EnvPostgres)
	pgDump, errDump := exec.LookPath("pg_dump")
	pgRestore, errRestore := exec.LookPath("pg_restore")
	if base == "" || errDump != nil || errRestore != nil {
		msg := "needs " + dbtest.EnvPostgres + " and pg_dump and pg_restore on PATH (Debian: postgresql-client)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	src, dst := newDatabase(t, base), newDatabase(t, base)

	d, err := db.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sys := seed(t, d, "dumped", 5)
	seed(t, d, "neighbours", 2)
	want := verified(t, d)
	wantSites := siteCount(t, d)

	dump := filepath.Join(t.TempDir(), "abri.dump")
	run(t, pgDump, "-Fc", "-f", dump, "-d", src)

	// After the dump the source moves on; restoring over it goes back.
	if _, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: "After the dump", Kind: place.SiteLiving}); err != nil {
		t.Fatal(err)
	}

	run(t, pgRestore, "-d", dst, dump)
	run(t, pgRestore, "--clean", "--if-exists", "-d", src, dump)

	for name, dsn := range map[string]string{"new database": dst, "restored over the source": src} {
		t.Run(name, func(t *testing.T) {
			r, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if n, err := r.Migrate(ctx); err != nil || n != 0 {
				t.Errorf("migrate after restore: applied %d, %v; want nothing to do", n, err)
			}
			if got := verified(t, r); got.Entries != want.Entries || got.Chains != want.Chains {
				t.Errorf("restored ledger: %d entries in %d chains, dumped %d in %d", got.Entries, got.Chains, want.Entries, want.Chains)
			}
			if n := siteCount(t, r); n != wantSites {
				t.Errorf("restored %d sites, dumped %d", n, wantSites)
			}
			// The identity sequences came along: new rows get new ids.
			if _, err := place.New(r).CreateSite(ctx, sys, place.SiteInput{Name: "After the restore", Kind: place.SiteLiving}); err != nil {
				t.Fatalf("a write after restore: %v", err)
			}
			verified(t, r)
		})
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

// newDatabase creates an empty database on the test server and drops it
// when the test ends. pg_dump needs a database of its own: the schema per
// test that dbtest uses rides in a search_path parameter libpq does not take.
func newDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "abri_bk_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
