package db_test

import (
	"strings"
	"testing"

	"abri/internal/db"
)

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"", "postgres://u:p@h:5432/d?sslmode=disable", "postgresql://h", "postgres://%zz",
		"postgres://[::1", "sqlite:", "sqlite:///x.db", "file:x.db", "x.db", "mysql://h", "://", " \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		d, target, err := db.ParseDSN(dsn)
		if err != nil {
			if d != 0 || target != "" {
				t.Fatalf("ParseDSN(%q) failed but returned %v, %q", dsn, d, target)
			}
			return
		}
		if d != db.SQLite && d != db.Postgres {
			t.Fatalf("ParseDSN(%q) = dialect %d", dsn, d)
		}
		if target == "" {
			t.Fatalf("ParseDSN(%q) accepted an empty target", dsn)
		}
	})
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{"", "?", "'?'", "a = ? AND b = '?'", "''?''", "'", "?'?'?", "\x00?"} {
		f.Add(s)
	}
	pg := &db.DB{Dialect: db.Postgres}
	f.Fuzz(func(t *testing.T, q string) {
		got := pg.Rebind(q)
		if !strings.Contains(q, "?") && got != q {
			t.Fatalf("Rebind(%q) = %q; without ? it must not change", q, got)
		}
		// Every ? outside quotes became one $n, the rest is untouched.
		if strings.Count(got, "?")+strings.Count(got, "$")-strings.Count(q, "$") != strings.Count(q, "?") {
			t.Fatalf("Rebind(%q) = %q: placeholders lost or invented", q, got)
		}
	})
}
