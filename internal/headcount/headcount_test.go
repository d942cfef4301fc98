package headcount_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/headcount"
	"abri/internal/ledger"
	"abri/internal/place"
	"abri/internal/testworld"
)

func TestQuickCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := testworld.Org(t, d, "org-a", "Org A", "A1")
		dist := a.User(access.Distribution)
		wh := a.User(access.Warehouse)
		other := testworld.Org(t, d, "org-b", "Org B", "B1").User(access.Distribution)
		site, err := place.New(d).CreateSite(ctx, a.System(), place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		made := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		i := 0
		tap := func(target, age, gender string, n int) command.Command {
			i++
			return command.Command{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Type: headcount.CommandType, Target: target,
				Payload: json.RawMessage(fmt.Sprintf(`{"age":%q,"gender":%q,"n":%d}`, age, gender, n)), MadeAt: made.Add(time.Duration(i) * time.Minute)}
		}
		tg := command.Target("site", site.ID)
		batch := []command.Command{
			tap(tg, "adult", "woman", 1), tap(tg, "adult", "woman", 1), tap(tg, "child", "", 1), tap(tg, "", "unknown", 1),
			tap(tg, "adult", "woman", -1), // an undo
			tap(tg, "child", "man", -1),   // an undo of nothing: refused
			tap(tg, "teen", "woman", 1),   // not a band
			tap(tg, "adult", "woman", 0),  // not a count
		}
		outs, err := command.Apply(ctx, d, dist, batch)
		if err != nil {
			t.Fatal(err)
		}
		var got []command.Status
		for _, o := range outs {
			got = append(got, o.Status)
		}
		want := "[applied applied applied applied applied needs_review needs_review needs_review]"
		if fmt.Sprint(got) != want {
			t.Fatalf("statuses %v, want %s", got, want)
		}
		// Another organisation's site and a warehouse volunteer: review.
		o2, _ := command.Apply(ctx, d, other, []command.Command{tap(tg, "adult", "man", 1)})
		o3, _ := command.Apply(ctx, d, wh, []command.Command{tap(tg, "adult", "man", 1)})
		if o2[0].Status != command.NeedsReview || o2[0].Err.Code != apperr.NotFound || o3[0].Status != command.NeedsReview || o3[0].Err.Code != apperr.Forbidden {
			t.Errorf("other organisation %+v, warehouse %+v", o2[0], o3[0])
		}
		tot, err := headcount.SiteTotals(ctx, d, dist, site.ID, "2026-12-07")
		if err != nil {
			t.Fatal(err)
		}
		if tot.All != 3 || tot.ByBand[headcount.Band{Age: "adult", Gender: "woman"}] != 1 || tot.ByBand[headcount.Band{Age: "child"}] != 1 {
			t.Errorf("totals %+v", tot)
		}
		if _, err := headcount.SiteTotals(ctx, d, other, site.ID, "2026-12-07"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation reads the totals: %v", err)
		}
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}

// A tap made at 00:30 in Paris counts for that Paris day, not for the UTC
// day before, so the night's count at a site is one figure.
func TestQuickCountDayIsTheBasesDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := testworld.Org(t, d, "org-a", "Org A", "A1")
		admin := a.System()
		if err := account.New(d).SetTimeZone(ctx, admin, "Europe/Paris"); err != nil {
			t.Fatal(err)
		}
		site, err := place.New(d).CreateSite(ctx, admin, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		dist := a.User(access.Distribution)
		night := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC) // 00:30 on 7 December in Paris
		outs, err := command.Apply(ctx, d, dist, []command.Command{{ID: "00000000-0000-4000-8000-000000000001",
			Type: headcount.CommandType, Target: command.Target("site", site.ID),
			Payload: json.RawMessage(`{"age":"adult","gender":"","n":1}`), MadeAt: night}})
		if err != nil || outs[0].Status != command.Applied {
			t.Fatalf("tap: %+v %v", outs, err)
		}
		for day, want := range map[string]int64{"2026-12-07": 1, "2026-12-06": 0} {
			tot, err := headcount.SiteTotals(ctx, d, dist, site.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			if tot.All != want {
				t.Errorf("%s: %d people counted, want %d", day, tot.All, want)
			}
		}
		if got := headcount.Day(account.Location("Europe/Paris"), night); got != "2026-12-07" {
			t.Errorf("Day = %s", got)
		}
	})
}
