package demo_test

import (
	"context"
	"testing"

	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/demo"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// The demo's incidents follow the published figures: about 3 a day, 4.7
// tents and tarps and 2.3 sleeping bags seized per eviction, and the
// weekly shelter rounds have replaced part of what was taken.
func TestDemoIncidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		accounts := account.New(d)
		users, err := demo.Seed(ctx, d, accounts)
		if err != nil {
			t.Fatal(err)
		}
		coord, err := accounts.TokenPrincipal(ctx, users[1].Token)
		if err != nil {
			t.Fatal(err)
		}
		s := incident.New(d)
		list, err := s.List(ctx, coord.Actor, incident.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if perDay := float64(len(list)) / 21; perDay < 2.5 || perDay > 3.5 {
			t.Errorf("%.1f incidents a day, want about 3", perDay)
		}
		var evictions, shelter, bags, replaced, owed int64
		for _, in := range list {
			if in.Kind != "eviction" {
				continue
			}
			evictions++
			full, err := s.Get(ctx, coord.Actor, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range full.Items {
				switch it.ProductName {
				case "Tents", "Tarps":
					shelter += it.Seized
				case "Sleeping Bags":
					bags += it.Seized
				}
				replaced += it.Replaced
				owed += it.Owed
			}
		}
		if evictions == 0 {
			t.Fatal("no evictions")
		}
		ts, bs := float64(shelter)/float64(evictions), float64(bags)/float64(evictions)
		if ts < 3.7 || ts > 5.7 || bs < 1.6 || bs > 3.0 {
			t.Errorf("per eviction %.2f tents and tarps, %.2f sleeping bags; want about 4.7 and 2.3", ts, bs)
		}
		if replaced == 0 || owed == 0 {
			t.Errorf("replaced %d, owed %d: want part of the losses met by past rounds", replaced, owed)
		}
		// The latest evictions carry photos, once however often it is seeded.
		st, err := incident.OpenEvidenceStore(t.TempDir(), 50<<20)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := demo.SeedEvidence(ctx, d, st); err != nil {
				t.Fatal(err)
			}
		}
		var files, incidents int
		if err := d.QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT incident_id) FROM incident_evidence").Scan(&files, &incidents); err != nil {
			t.Fatal(err)
		}
		if files != 6 || incidents != 3 {
			t.Errorf("demo evidence: %d files on %d incidents, want 6 on 3", files, incidents)
		}
		if rep, err := ledger.Verify(ctx, d); err != nil || !rep.OK() {
			t.Errorf("abri verify after the demo: %v, %v", err, rep.Differences)
		}
		t.Logf("%d incidents, %d evictions, %.2f tents and tarps and %.2f sleeping bags each; %d replaced, %d owed", len(list), evictions, ts, bs, replaced, owed)
	})
}
