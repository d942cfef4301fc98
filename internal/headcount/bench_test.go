package headcount_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/headcount"
	"abri/internal/place"
)

// BenchmarkApply500 applies a batch of 500 quick-count taps, as a phone
// sends what it queued during a distribution with no network (target: under
// 1 s), and the same batch sent again (every command already applied).
func BenchmarkApply500(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var d *db.DB
			if name == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			ctx := context.Background()
			acc := account.New(d)
			org, base, err := acc.CreateOrganisation(ctx, "bench", "Bench", "B")
			if err != nil {
				b.Fatal(err)
			}
			u, err := acc.AddUser(ctx, access.SystemActor(org.ID, base.ID), account.NewUser{Email: "d@example.invalid", Name: "d", BaseID: base.ID, Role: access.Distribution})
			if err != nil {
				b.Fatal(err)
			}
			actor := access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Distribution}
			site, err := place.New(d).CreateSite(ctx, access.SystemActor(org.ID, base.ID), place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			batch := func() []command.Command {
				cmds := make([]command.Command, 500)
				for i := range cmds {
					n++
					cmds[i] = command.Command{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Type: headcount.CommandType,
						Target: command.Target("site", site.ID), Payload: json.RawMessage(`{"age":"adult","gender":"woman","n":1}`),
						MadeAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)}
				}
				return cmds
			}
			// The ceiling, in the same run: 500 transactions of one INSERT
			// of one row each, committed.
			if _, err := d.Exec(ctx, "CREATE TABLE bench_ceiling (id BIGINT NOT NULL, v TEXT NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			b.Run("ceiling-500-commits", func(b *testing.B) {
				i := 0
				for b.Loop() {
					for range 500 {
						i++
						if err := d.InTx(ctx, func(tx *db.Tx) error {
							_, err := tx.Exec(ctx, "INSERT INTO bench_ceiling (id, v) VALUES (?, ?)", i, "x")
							return err
						}); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
			var last []command.Command
			b.Run("new", func(b *testing.B) {
				for b.Loop() {
					last = batch()
					if _, err := command.Apply(ctx, d, actor, last); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("resent", func(b *testing.B) {
				for b.Loop() {
					outs, err := command.Apply(ctx, d, actor, last)
					if err != nil || outs[0].Status != command.AlreadyApplied {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
