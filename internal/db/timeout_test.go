package db_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
)

func TestWithStatementTimeout(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://abri@db/abri?sslmode=disable", "postgres://abri@db/abri?sslmode=disable&statement_timeout=1500"},
		{"postgres://abri@db/abri", "postgres://abri@db/abri?statement_timeout=1500"},
		// The DSN's own setting wins.
		{"postgres://abri@db/abri?statement_timeout=0", "postgres://abri@db/abri?statement_timeout=0"},
		// SQLite has no such thing.
		{"/var/lib/abri/abri.db", "/var/lib/abri/abri.db"},
		{"sqlite:/tmp/x.db", "sqlite:/tmp/x.db"},
	} {
		if got := db.WithStatementTimeout(tc.in, 1500*time.Millisecond); got != tc.want {
			t.Errorf("WithStatementTimeout(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := db.WithStatementTimeout("postgres://abri@db/abri", 0); got != "postgres://abri@db/abri" {
		t.Errorf("a zero timeout changed the DSN: %q", got)
	}
}

// TestStatementTimeoutCancelsLongStatements: on PostgreSQL a statement that
// runs past the timeout fails, on every pooled connection, and the database
// keeps answering; migrations are not held to it.
func TestStatementTimeoutCancelsLongStatements(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.WithStatementTimeout(dbtest.PostgresDSN(t), 300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate under a statement timeout: %v", err)
	}
	// Several connections at once, so more than one pooled connection is
	// tried.
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := d.Exec(ctx, "SELECT pg_sleep(2)")
			errs <- err
		}()
	}
	for range 4 {
		err := <-errs
		if err == nil || !strings.Contains(err.Error(), "statement timeout") {
			t.Errorf("pg_sleep(2) under a 300 ms timeout: %v", err)
		}
	}
	if _, err := d.Exec(ctx, "SELECT pg_sleep(0.05)"); err != nil {
		t.Errorf("a short statement: %v", err)
	}
	// The migration connection went back to the pool with the timeout.
	var setting string
	for range 4 {
		if err := d.QueryRow(ctx, "SHOW statement_timeout").Scan(&setting); err != nil || setting != "300ms" {
			t.Errorf("statement_timeout on a pooled connection = %q, %v", setting, err)
		}
	}
}

// TestOutagesAreUnavailable: a full database and an unreachable server are
// 503s with their own message, through apperr's one mapping, whichever
// package's statement met them.
func TestOutagesAreUnavailable(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	d.SQL().SetMaxOpenConns(1) // so the page limit below holds for every statement
	var pages int
	if err := d.QueryRow(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+1)); err != nil {
		t.Fatal(err)
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE filler (b BLOB)")
		if err == nil {
			_, err = tx.Exec(ctx, "INSERT INTO filler VALUES (zeroblob(1000000))")
		}
		return fmt.Errorf("fill: %w", err)
	})
	if e := apperr.As(err); !db.IsDiskFull(err) || e.Code != apperr.Unavailable || e.Key != "error.disk_full" || apperr.Status(e.Code) != 503 {
		t.Errorf("a full database: %v → %+v", err, e)
	}
	// Reads still answer.
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Errorf("a read on a full database: %d, %v", n, err)
	}

	// A PostgreSQL server nobody listens for.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = db.Open(ctx, "postgres://abri@"+addr+"/abri?sslmode=disable&connect_timeout=2")
	if e := apperr.As(err); !db.IsUnreachable(err) || e.Code != apperr.Unavailable || e.Key != "error.db_unavailable" {
		t.Errorf("an unreachable server: %v → %+v", err, e)
	}
	// Neither is a bug in a request, nor a plain error.
	for _, err := range []error{errors.New("boom"), context.Canceled, fmt.Errorf("x: %w", context.DeadlineExceeded)} {
		if apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("%v is classified %s", err, apperr.CodeOf(err))
		}
	}
}
