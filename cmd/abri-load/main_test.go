package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"abri/internal/dbtest"
)

// TestLoad runs every phase briefly, on a new SQLite file and on a
// PostgreSQL schema, and checks that each phase reports a rate.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo data set")
	}
	check := func(t *testing.T, dsn string) {
		var out bytes.Buffer
		args := []string{"-clients", "4", "-duration", "300ms"}
		if dsn != "" {
			args = append(args, "-db", dsn)
		}
		if err := run(context.Background(), args, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 5 {
			t.Fatalf("output:\n%s", out.String())
		}
		for _, l := range lines[1:] {
			if !strings.Contains(l, " /s") || strings.Contains(l, "        0 /s") {
				t.Errorf("no rate in %q", l)
			}
		}
		t.Log("\n" + out.String())
	}
	t.Run("sqlite", func(t *testing.T) { check(t, "") })
	t.Run("postgres", func(t *testing.T) { check(t, dbtest.PostgresDSN(t)) })
}
