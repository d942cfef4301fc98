package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
)

func TestParseDSN(t *testing.T) {
	pg := "postgres://abri:secret@db.example:5432/abri?sslmode=disable"
	tests := []struct {
		name    string
		dsn     string
		dialect db.Dialect
		target  string
		wantErr string // a fragment of the error; empty means success
	}{
		{name: "postgres", dsn: pg, dialect: db.Postgres, target: pg},
		{name: "postgresql", dsn: "postgresql://h/abri", dialect: db.Postgres, target: "postgresql://h/abri"},
		{name: "postgres trimmed", dsn: "  postgres://h/abri\n", dialect: db.Postgres, target: "postgres://h/abri"},
		{name: "sqlite absolute", dsn: "sqlite:///var/lib/abri/abri.db", dialect: db.SQLite, target: "/var/lib/abri/abri.db"},
		{name: "sqlite relative", dsn: "sqlite:abri.db", dialect: db.SQLite, target: "abri.db"},
		{name: "sqlite with query", dsn: "sqlite:abri.db?mode=rwc", dialect: db.SQLite, target: "abri.db?mode=rwc"},
		{name: "file", dsn: "file:/data/abri.db", dialect: db.SQLite, target: "/data/abri.db"},
		{name: "bare path", dsn: "./abri-data/abri.db", dialect: db.SQLite, target: "./abri-data/abri.db"},
		{name: "bare name", dsn: "abri.db", dialect: db.SQLite, target: "abri.db"},
		{name: "empty", dsn: "", wantErr: "empty database DSN"},
		{name: "blank", dsn: "   ", wantErr: "empty database DSN"},
		{name: "postgres bad port", dsn: "postgres://abri:secret@host:port/abri", wantErr: "malformed PostgreSQL DSN"},
		{name: "postgres bad escape", dsn: "postgres://abri:sec%zzret@host/abri", wantErr: "malformed PostgreSQL DSN"},
		{name: "postgres no host", dsn: "postgres:///abri", wantErr: "no host"},
		{name: "sqlite no path", dsn: "sqlite:", wantErr: "no file path"},
		{name: "sqlite only slashes", dsn: "sqlite://", wantErr: "no file path"},
		{name: "file no path", dsn: "file:", wantErr: "no file path"},
		{name: "file only options", dsn: "file:?mode=memory", wantErr: "no file path"},
		{name: "sqlite only options", dsn: "sqlite:?cache=shared", wantErr: "no file path"},
		{name: "file with slashes", dsn: "file:///data/abri.db", dialect: db.SQLite, target: "/data/abri.db"},
		{name: "unknown scheme", dsn: "mysql://root@localhost/abri", wantErr: `unsupported database DSN scheme "mysql"`},
		{name: "http scheme", dsn: "http://example.org/db", wantErr: "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, target, err := db.ParseDSN(tt.dsn)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseDSN(%q) = %v, %q; want an error containing %q", tt.dsn, d, target, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDSN(%q) error %q; want it to contain %q", tt.dsn, err, tt.wantErr)
				}
				// The error goes to a terminal and to logs: never the password.
				if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "sec%zzret") {
					t.Fatalf("ParseDSN(%q) error %q leaks the password", tt.dsn, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDSN(%q): %v", tt.dsn, err)
			}
			if d != tt.dialect || target != tt.target {
				t.Fatalf("ParseDSN(%q) = %v, %q; want %v, %q", tt.dsn, d, target, tt.dialect, tt.target)
			}
		})
	}
}

func TestDialectString(t *testing.T) {
	if db.SQLite.String() != "sqlite" || db.Postgres.String() != "postgres" {
		t.Fatalf("dialect names: %q, %q", db.SQLite, db.Postgres)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	if _, err := db.Open(context.Background(), "mysql://x/y"); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("Open(mysql://…) = %v; want an unsupported-scheme error", err)
	}
}

func TestOpenUnwritable(t *testing.T) {
	ctx := context.Background()
	t.Run("directory cannot be made", func(t *testing.T) {
		// A regular file where the data directory should be: no one, not
		// even root, can make a directory inside it.
		file := filepath.Join(t.TempDir(), "not-a-dir")
		if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := db.Open(ctx, filepath.Join(file, "abri.db"))
		if err == nil {
			t.Fatal("Open under a regular file succeeded")
		}
		if !strings.Contains(err.Error(), "create database directory") || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("error %q does not say what went wrong", err)
		}
	})
	t.Run("database path is a directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "abri.db")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := db.Open(ctx, dir)
		if err == nil {
			t.Fatal("Open on a directory succeeded")
		}
		if !strings.Contains(err.Error(), "sqlite") || !strings.Contains(err.Error(), dir) {
			t.Fatalf("error %q does not name the database file", err)
		}
	})
	t.Run("directory refuses new files", func(t *testing.T) {
		// procfs takes no new files, whoever asks (root included).
		if runtime.GOOS != "linux" {
			t.Skip("needs /proc")
		}
		path := "/proc/abri-test.db"
		_, err := db.Open(ctx, path)
		if err == nil {
			t.Fatal("Open in /proc succeeded")
		}
		if !strings.Contains(err.Error(), "sqlite") || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %q does not name the database file", err)
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		_, err := db.Open(ctx, filepath.Join(dir, "abri.db"))
		if err == nil {
			t.Fatal("Open in a read-only directory succeeded")
		}
		if !strings.Contains(err.Error(), "sqlite") || !strings.Contains(err.Error(), dir) {
			t.Fatalf("error %q does not name the database", err)
		}
	})
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "abri.db")
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Dialect != db.SQLite || d.Path != path {
		t.Fatalf("Open: dialect %v path %q; want sqlite %q", d.Dialect, d.Path, path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ms, err := db.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) < 2 {
			t.Fatalf("only %d migrations embedded", len(ms))
		}
		for i, m := range ms {
			if m.Version != i+1 || !strings.HasSuffix(m.Name, ".sql") || m.SQL == "" {
				t.Fatalf("migration %d: %+v", i, m.Name)
			}
		}
		// dbtest already migrated once.
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
		}
		v, err := d.Version(ctx)
		if err != nil || v != len(ms) {
			t.Fatalf("Version = %d, %v; want %d", v, err, len(ms))
		}
		var rows int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&rows); err != nil || rows != len(ms) {
			t.Fatalf("schema_migrations has %d rows (%v); want %d", rows, err, len(ms))
		}
		var name string
		if err := d.QueryRow(ctx, "SELECT name FROM schema_migrations WHERE version = 1").Scan(&name); err != nil || name != ms[0].Name {
			t.Fatalf("version 1 recorded as %q (%v); want %q", name, err, ms[0].Name)
		}
	})
}

func TestMigrateFromEmpty(t *testing.T) {
	// The first run applies every migration and records when.
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d.Clock = clock.NewFixed(at)
	ctx := context.Background()
	ms, _ := db.Migrations()
	n, err := d.Migrate(ctx)
	if err != nil || n != len(ms) {
		t.Fatalf("Migrate = %d, %v; want %d", n, err, len(ms))
	}
	var applied int64
	if err := d.QueryRow(ctx, "SELECT applied_at FROM schema_migrations WHERE version = ?", len(ms)).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if !db.FromMicros(applied).Equal(at) {
		t.Fatalf("applied_at = %v; want %v", db.FromMicros(applied), at)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', 0)"); err != nil {
			t.Fatal(err)
		}
		n, err := d.Migrate(ctx)
		if err == nil || n != 0 || !strings.Contains(err.Error(), "newer than this abri") {
			t.Fatalf("Migrate on a newer database = %d, %v; want a refusal", n, err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	// Two servers starting at once on one PostgreSQL: the advisory lock lets
	// one migrate and the other find nothing to do.
	dsn := dbtest.PostgresDSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	applied := make([]int, 4)
	errs := make([]error, 4)
	for i := range applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			applied[i], errs[i] = d.Migrate(ctx)
		}()
	}
	wg.Wait()
	ms, _ := db.Migrations()
	total := 0
	for i := range applied {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != len(ms) {
		t.Fatalf("migrations applied %v in all; want %d once", applied, len(ms))
	}
}

func TestRebind(t *testing.T) {
	pg := &db.DB{Dialect: db.Postgres}
	lite := &db.DB{Dialect: db.SQLite}
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"INSERT INTO t VALUES (?,?,?)", "INSERT INTO t VALUES ($1,$2,$3)"},
		{"SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{"SELECT 'what? why?', ? FROM t", "SELECT 'what? why?', $1 FROM t"},
		{"SELECT 'it''s ?', ? FROM t", "SELECT 'it''s ?', $1 FROM t"},
		{"SELECT '', ?, '?'", "SELECT '', $1, '?'"},
		{"WHERE a=? OR b='x?y' OR c=?", "WHERE a=$1 OR b='x?y' OR c=$2"},
	}
	for _, tt := range tests {
		if got := pg.Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if got := pg.Rebind(tt.in); got != tt.want { // second time from the cache
			t.Errorf("cached Rebind(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if got := lite.Rebind(tt.in); got != tt.in {
			t.Errorf("SQLite Rebind(%q) = %q; want it unchanged", tt.in, got)
		}
	}
}

func TestRebindRunsOnBoth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var a, b, c string
		err := d.QueryRow(context.Background(), "SELECT ?, 'why?', ?", "x", "y").Scan(&a, &b, &c)
		if err != nil || a != "x" || b != "why?" || c != "y" {
			t.Fatalf("query with ? in a string = %q %q %q, %v", a, b, c, err)
		}
	})
}

// TestSQLitePragmas checks that every pooled connection, not only the first,
// has foreign keys on, WAL, durable commits and a busy timeout.
func TestSQLitePragmas(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	const n = 6
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := d.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	// Hold them all at once so that each is a distinct connection.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var fk, sync, busy int
			var mode string
			for _, p := range []struct {
				q   string
				dst any
			}{
				{"PRAGMA foreign_keys", &fk},
				{"PRAGMA journal_mode", &mode},
				{"PRAGMA synchronous", &sync},
				{"PRAGMA busy_timeout", &busy},
			} {
				if err := c.QueryRowContext(ctx, p.q).Scan(p.dst); err != nil {
					errs <- err
					return
				}
			}
			if fk != 1 || mode != "wal" || sync != 2 || busy < 5000 {
				errs <- fmt.Errorf("connection %d: foreign_keys=%d journal_mode=%s synchronous=%d busy_timeout=%d",
					i, fk, mode, sync, busy)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := d.Stats(); st.OpenConnections < n {
		t.Fatalf("only %d connections open; the test did not reach the pool", st.OpenConnections)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.Exec(ctx, "INSERT INTO bases (org_id, name, created_at) VALUES (?, ?, ?)", 4242, "Nowhere", 1)
		if err == nil {
			t.Fatal("a base of a missing organisation was stored")
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM bases").Scan(&n); err != nil || n != 0 {
			t.Fatalf("bases: %d, %v; want none", n, err)
		}
	})
}

func TestUniqueAndNoRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := "INSERT INTO organisations (slug, name, created_at) VALUES (?, ?, ?)"
		if _, err := d.Exec(ctx, ins, "calais", "Calais", 1); err != nil {
			t.Fatal(err)
		}
		_, err := d.Exec(ctx, ins, "calais", "Other", 1)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate slug: %v; want a unique violation", err)
		}
		if db.IsUniqueViolation(nil) || db.IsUniqueViolation(errors.New("boom")) {
			t.Fatal("IsUniqueViolation is true for an unrelated error")
		}
		var id int64
		err = d.QueryRow(ctx, "SELECT id FROM organisations WHERE slug = ?", "dunkirk").Scan(&id)
		if !db.IsNoRows(err) {
			t.Fatalf("missing row: %v; want no rows", err)
		}
		if db.IsNoRows(nil) || db.IsNoRows(errors.New("boom")) {
			t.Fatal("IsNoRows is true for an unrelated error")
		}
	})
}

func TestInTxCommitsWithFixedNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 5, 4, 3, 2, 1, 123456000, time.UTC)
		d.Clock = clock.NewFixed(at)
		var ids []int64
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if tx.Dialect() != d.Dialect {
				t.Errorf("tx dialect %v; want %v", tx.Dialect(), d.Dialect)
			}
			if !tx.Now.Equal(at) {
				t.Errorf("tx.Now = %v; want %v", tx.Now, at)
			}
			for _, slug := range []string{"one", "two"} {
				id, err := tx.InsertID(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES (?, ?, ?)", slug, slug, db.Micros(tx.Now))
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			// A SELECT … FOR UPDATE is valid on both.
			var slug string
			return tx.QueryRow(ctx, "SELECT slug FROM organisations WHERE id = ?"+tx.ForUpdate(), ids[0]).Scan(&slug)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0] == 0 || ids[1] <= ids[0] {
			t.Fatalf("InsertID gave %v", ids)
		}
		var created int64
		if err := d.QueryRow(ctx, "SELECT created_at FROM organisations WHERE id = ?", ids[1]).Scan(&created); err != nil {
			t.Fatal(err)
		}
		if got := db.FromMicros(created); !got.Equal(at) {
			t.Fatalf("stored time %v; want %v", got, at)
		}
	})
}

func orgCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM organisations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInTxRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('a', 'A', 1)"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v; want the function's error", err)
		}
		if n := orgCount(t, d); n != 0 {
			t.Fatalf("%d organisations after a failed transaction; want 0", n)
		}
		// The connection is clean afterwards: the next transaction commits.
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('a', 'A', 1)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := orgCount(t, d); n != 1 {
			t.Fatalf("%d organisations; want 1", n)
		}
	})
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Fatalf("recovered %v; want the panic to pass through", p)
				}
			}()
			d.InTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('a', 'A', 1)"); err != nil {
					t.Fatal(err)
				}
				panic("boom")
			})
		}()
		if n := orgCount(t, d); n != 0 {
			t.Fatalf("%d organisations after a panic; want 0", n)
		}
		// The write lock (SQLite) and the connection were given back.
		done := make(chan error, 1)
		go func() {
			done <- d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('b', 'B', 1)")
				return err
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a write after the panic is stuck: the transaction was not rolled back")
		}
	})
}

func TestWritersQueue(t *testing.T) {
	// Concurrent write transactions on SQLite wait for each other (IMMEDIATE
	// plus busy_timeout) instead of failing with "database is locked".
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('c', 'C', 0)"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 5; j++ {
					errs <- d.InTx(ctx, func(tx *db.Tx) error {
						var n int64
						if err := tx.QueryRow(ctx, "SELECT created_at FROM organisations WHERE slug = 'c'"+tx.ForUpdate()).Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, "UPDATE organisations SET created_at = ? WHERE slug = 'c'", n+1)
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		if err := d.QueryRow(ctx, "SELECT created_at FROM organisations WHERE slug = 'c'").Scan(&n); err != nil || n != 40 {
			t.Fatalf("counter = %d, %v; want 40 (lost updates)", n, err)
		}
	})
}

func TestMicros(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	times := []time.Time{
		time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC),
		time.Date(2026, 7, 1, 8, 15, 59, 999999000, paris),
		time.Date(1969, 12, 31, 23, 59, 59, 1000, time.UTC),
		time.Date(2100, 1, 1, 0, 0, 0, 1000, time.UTC),
	}
	for _, at := range times {
		got := db.FromMicros(db.Micros(at))
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("round trip of %v gave %v", at, got)
		}
	}
	if db.Micros(time.Time{}) != 0 || !db.FromMicros(0).IsZero() {
		t.Error("the zero time must map to 0 and back")
	}
	// Sub-microsecond digits are dropped, not rounded into another value.
	at := time.Date(2026, 1, 1, 0, 0, 0, 1999, time.UTC)
	if db.Micros(at) != db.Micros(at.Truncate(time.Microsecond)) {
		t.Error("Micros does not truncate to the microsecond")
	}
	// Order is kept.
	if db.Micros(times[0]) <= db.Micros(times[1]) {
		t.Error("Micros does not keep order")
	}

	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i, at := range times {
			if _, err := d.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES (?, 'x', ?)", fmt.Sprint("t", i), db.Micros(at)); err != nil {
				t.Fatal(err)
			}
			var us int64
			if err := d.QueryRow(ctx, "SELECT created_at FROM organisations WHERE slug = ?", fmt.Sprint("t", i)).Scan(&us); err != nil {
				t.Fatal(err)
			}
			if got := db.FromMicros(us); !got.Equal(at) {
				t.Errorf("%v stored and read back as %v", at, got)
			}
		}
	})
}

func TestPingAndClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	// Close checkpoints the WAL: the database file alone holds the data.
	path := filepath.Join(t.TempDir(), "abri.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("WAL still holds %d bytes after Close", fi.Size())
	}
}
