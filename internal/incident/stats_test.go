package incident_test

import (
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
)

// Losses per month and incidents per week count by the incident's start in
// the base's zone, follow the list's filters, and exist only for those
// who see incidents.
func TestIncidentReports(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		report := func(at time.Time, kind string, tents int64) {
			in := w.eviction()
			in.StartsAt, in.EndsAt, in.Kind = at, time.Time{}, kind
			in.Items = []incident.ItemLine{{ProductID: w.tent.ID, Seized: tents}, {ProductID: w.bag.ID, Seized: 2, Recovered: 1}}
			_, err := w.s.Report(ctx, w.obs, in)
			w.must(err)
		}
		// 23:30 UTC on 30 November is 1 December in Paris.
		report(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), "eviction", 4)
		report(time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC), "eviction", 3)
		report(time.Date(2026, 11, 10, 7, 0, 0, 0, time.UTC), "seizure", 1)
		ls, err := w.s.LossesByMonth(ctx, w.coord, incident.Filter{}, paris)
		w.must(err)
		got := map[string]int64{}
		for _, l := range ls {
			got[l.Month.Format("2006-01")+" "+l.ProductName] = l.Lost
			if l.Owed != l.Lost || l.Replaced != 0 {
				t.Errorf("%+v: nothing was handed out, so all that was lost is owed", l)
			}
		}
		want := map[string]int64{"2026-11 Tents": 1, "2026-11 Sleeping Bags": 1, "2026-12 Tents": 7, "2026-12 Sleeping Bags": 2}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("losses %s = %d, want %d (all: %v)", k, got[k], n, got)
			}
		}
		ws, err := w.s.IncidentsByWeek(ctx, w.obs, incident.Filter{Kind: "eviction"}, paris)
		w.must(err)
		if len(ws) != 1 || ws[0].Count != 2 || ws[0].SiteName != "Canal" || ws[0].Week.Format("2006-01-02") != "2026-11-30" {
			t.Errorf("evictions by week: %+v, want 2 in the week from Monday 30 November", ws)
		}
		ws, err = w.s.IncidentsByWeek(ctx, w.admin, incident.Filter{From: time.Date(2026, 12, 1, 0, 0, 0, 0, paris)}, paris)
		w.must(err)
		if len(ws) != 1 || ws[0].Count != 2 {
			t.Errorf("from 1 December: %+v", ws)
		}
		if _, err := w.s.LossesByMonth(ctx, w.coord, incident.Filter{Kind: "party"}, paris); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("an unknown kind: %v", err)
		}
		for _, who := range []struct {
			name string
			err  error
		}{{"warehouse", func() error { _, err := w.s.LossesByMonth(ctx, w.wh, incident.Filter{}, paris); return err }()},
			{"viewer", func() error { _, err := w.s.IncidentsByWeek(ctx, w.viewer, incident.Filter{}, paris); return err }()},
		} {
			if !apperr.Is(who.err, apperr.NotFound) {
				t.Errorf("%s reads incident reports: %v", who.name, who.err)
			}
		}
		ls, err = w.s.LossesByMonth(ctx, w.foreign, incident.Filter{}, paris)
		w.must(err)
		if len(ls) != 0 {
			t.Errorf("another organisation sees losses: %+v", ls)
		}
	})
}
