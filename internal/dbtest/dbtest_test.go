package dbtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
)

func TestEachRunsBothDatabases(t *testing.T) {
	var seen []db.Dialect
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seen = append(seen, d.Dialect)
		// Migrated and empty.
		v, err := d.Version(context.Background())
		if err != nil || v == 0 {
			t.Fatalf("Version = %d, %v; want a migrated database", v, err)
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM organisations").Scan(&n); err != nil || n != 0 {
			t.Fatalf("organisations: %d, %v; want an empty database", n, err)
		}
		if _, err := d.Exec(context.Background(), "INSERT INTO organisations (slug, name, created_at) VALUES ('x', 'X', 0)"); err != nil {
			t.Fatal(err)
		}
	})
	if len(seen) == 0 || seen[0] != db.SQLite {
		t.Fatalf("ran on %v; want sqlite first", seen)
	}
	if os.Getenv(dbtest.EnvPostgres) != "" && (len(seen) != 2 || seen[1] != db.Postgres) {
		t.Fatalf("ran on %v; want sqlite and postgres", seen)
	}
}

// TestPostgresSchemasAreSeparate: two tests at once never see each other's rows.
func TestPostgresSchemasAreSeparate(t *testing.T) {
	a, b := dbtest.Postgres(t), dbtest.Postgres(t)
	ctx := context.Background()
	if _, err := a.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('x', 'X', 0)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT COUNT(*) FROM organisations").Scan(&n); err != nil || n != 0 {
		t.Fatalf("second schema sees %d organisations (%v); want 0", n, err)
	}
}

// TestPostgresHalfUnderCI runs this test binary again without a PostgreSQL
// server: locally the PostgreSQL half skips, under CI=true it fails.
func TestPostgresHalfUnderCI(t *testing.T) {
	if os.Getenv("ABRI_DBTEST_CHILD") == "1" {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {})
		return
	}
	run := func(ci string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresHalfUnderCI$", "-test.v")
		env := []string{"ABRI_DBTEST_CHILD=1", "CI=" + ci}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, dbtest.EnvPostgres+"=") && !strings.HasPrefix(kv, "CI=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("")
	if err != nil || !strings.Contains(out, "--- SKIP: TestPostgresHalfUnderCI/postgres") {
		t.Fatalf("locally without a server: %v\n%s\nwant the postgres half skipped", err, out)
	}
	out, err = run("true")
	if err == nil || !strings.Contains(out, "--- FAIL: TestPostgresHalfUnderCI/postgres") || !strings.Contains(out, "must run") {
		t.Fatalf("under CI without a server: %v\n%s\nwant the postgres half to fail", err, out)
	}
}
