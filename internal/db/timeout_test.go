package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
