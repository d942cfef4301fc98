// Package dbtest runs a storage test on both databases. SQLite always runs, on
// a fresh file. PostgreSQL runs when ABRI_TEST_POSTGRES names a server: each
// test gets its own schema, dropped afterwards. Without it the PostgreSQL half
// skips locally and fails under CI=true, so CI can never pass on SQLite alone.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"abri/internal/db"
)

// EnvPostgres names the PostgreSQL server for tests.
const EnvPostgres = "ABRI_TEST_POSTGRES"

// Each runs fn once per database, as subtests "sqlite" and "postgres", on a
// migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated database in a fresh temporary file.
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), filepath.Join(tb.TempDir(), "abri.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	migrate(tb, d)
	return d
}

// PostgresDSN returns a DSN for a new, empty schema on the test server, and
// drops the schema when the test ends. It skips (or fails under CI) when no
// server is configured.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set: under CI=true the PostgreSQL tests must run", EnvPostgres)
		}
		tb.Skipf("%s not set: skipping the PostgreSQL half (set it to a postgres:// DSN to run it)", EnvPostgres)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema (is PostgreSQL at %s running?): %v", EnvPostgres, err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated database in a fresh schema on the test server.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), PostgresDSN(tb))
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	migrate(tb, d)
	return d
}

func migrate(tb testing.TB, d *db.DB) {
	tb.Helper()
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", d.Dialect, err)
	}
}

// Open opens another handle on the database a DSN names (as a second server
// on the same database would), closed when the test ends; it does not
// migrate.
func Open(tb testing.TB, dsn string) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
