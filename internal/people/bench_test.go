package people_test

import (
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/people"
)

// BenchmarkCards: issuing a card, finding one by its code (the HMAC and the
// unique index, as a checkout does), erasing one on request (with the
// scrub: a WAL checkpoint on SQLite, a VACUUM of the card tables on
// PostgreSQL), and the purge of 1,000 expired cards among 5,000 (one scrub).
func BenchmarkCards(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var d *db.DB
			if name == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			acc := account.New(d)
			o, base, err := acc.CreateOrganisation(ctx, "bench", "Bench", "Calais")
			if err != nil {
				b.Fatal(err)
			}
			shop := access.SystemActor(o.ID, base.ID)
			var codes []string
			for i := 0; i < 2000; i++ {
				_, code, err := people.IssueCard(ctx, d, shop, people.NewCard{HouseholdSize: 1 + i%5})
				if err != nil {
					b.Fatal(err)
				}
				codes = append(codes, code)
			}
			b.Run("issue", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := people.IssueCard(ctx, d, shop, people.NewCard{HouseholdSize: 2}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("find", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := people.FindCard(ctx, d, shop, codes[i%len(codes)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("erase", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := people.Erase(ctx, d, shop, codes[i]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("purge-1000-of-5000", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if _, err := d.Exec(ctx, "UPDATE cards SET created_at = ?, last_used_at = 0", db.Micros(time.Now())); err != nil {
						b.Fatal(err)
					}
					n := 0
					if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM cards").Scan(&n); err != nil {
						b.Fatal(err)
					}
					for ; n < 5000; n++ {
						if _, _, err := people.IssueCard(ctx, d, shop, people.NewCard{HouseholdSize: 1}); err != nil {
							b.Fatal(err)
						}
					}
					old := db.Micros(time.Now().AddDate(0, 0, -100))
					if _, err := d.Exec(ctx, "UPDATE cards SET created_at = ? WHERE id IN (SELECT id FROM cards ORDER BY id LIMIT 1000)", old); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					res, err := people.Purge(ctx, d, time.Now())
					if err != nil || res.Cards != 1000 {
						b.Fatal(fmt.Sprint(res, err))
					}
				}
			})
		})
	}
}
