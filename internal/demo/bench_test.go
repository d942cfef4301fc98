package demo_test

import (
	"context"
	"testing"

	"abri/internal/account"
	"abri/internal/dbtest"
	"abri/internal/demo"
)

// BenchmarkSeed measures what `abri demo` spends seeding a fresh SQLite
// database (after migrating it), the start-up a person waits for.
func BenchmarkSeed(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.SQLite(b)
		b.StartTimer()
		if _, err := demo.Seed(context.Background(), d, account.New(d)); err != nil {
			b.Fatal(err)
		}
	}
}
