package distribution_test

import (
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/place"
)

// The public schedule holds the public rounds to come within 14 days that
// are planned, packing or out, soonest first, and nothing else; a round
// goes on and off it with round.public_set (replayed by abri verify, in
// the world's clean-up); only planners change it, only while the round is
// still to come; and an organisation with nothing public reads as unknown.
func TestPublicSchedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		now := t0 // the world's clock
		at := func(h time.Duration, public bool) distribution.Round {
			r, err := w.s.Plan(ctx, w.coord, distribution.PlanInput{SiteID: w.point.ID, Kind: distribution.KindMeals, Public: public,
				StartsAt: now.Add(h), EndsAt: now.Add(h + time.Hour)})
			w.must(err)
			return r
		}
		later := at(48*time.Hour, true)
		soon := at(2*time.Hour, true)
		private := at(3*time.Hour, false)
		at(-2*time.Hour, true)                // ended
		at(14*24*time.Hour+time.Minute, true) // beyond the horizon
		gone := at(4*time.Hour, true)
		_, err := w.s.Cancel(ctx, w.coord, gone.ID)
		w.must(err)

		sc, err := distribution.PublicSchedule(ctx, d, "ORG-A", now)
		w.must(err)
		if sc.OrgName != "Org A" || len(sc.Rounds) != 2 || !sc.Rounds[0].StartsAt.Equal(soon.StartsAt) || !sc.Rounds[1].StartsAt.Equal(later.StartsAt) {
			t.Fatalf("schedule %+v; want the rounds in 2 and 48 hours", sc)
		}
		if sc.Rounds[0].SiteName != "Quai" || sc.Rounds[0].Kind != distribution.KindMeals || sc.Rounds[0].Zone == nil {
			t.Errorf("round shown as %+v", sc.Rounds[0])
		}

		// On and off; unchanged is no event.
		r, err := w.s.SetPublic(ctx, w.coord, private.ID, true)
		w.must(err)
		if !r.Public {
			t.Error("SetPublic(true) left the round private")
		}
		_, err = w.s.SetPublic(ctx, w.admin, private.ID, true)
		w.must(err)
		sc, err = distribution.PublicSchedule(ctx, d, "org-a", now)
		w.must(err)
		if len(sc.Rounds) != 3 {
			t.Errorf("%d rounds after putting one on, want 3", len(sc.Rounds))
		}
		_, err = w.s.SetPublic(ctx, w.coord, private.ID, false)
		w.must(err)

		// Who and when.
		_, err = w.s.SetPublic(ctx, w.wh, soon.ID, false)
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.s.SetPublic(ctx, w.foreign, soon.ID, false)
		wantErr(t, err, apperr.NotFound, "")
		_, err = w.s.SetPublic(ctx, w.coord, gone.ID, false)
		wantErr(t, err, apperr.Conflict, "state")
		_, err = w.s.SendOut(ctx, w.coord, soon.ID)
		w.must(err)
		_, err = w.s.ComeBack(ctx, w.coord, soon.ID)
		w.must(err)
		_, err = w.s.SetPublic(ctx, w.coord, soon.ID, false)
		wantErr(t, err, apperr.Conflict, "state")
		sc, err = distribution.PublicSchedule(ctx, d, "org-a", now)
		w.must(err)
		if len(sc.Rounds) != 1 {
			t.Errorf("%d rounds once the soon one is back, want 1", len(sc.Rounds))
		}

		// A living site's rounds are never public: planning one public and
		// putting one on are refused, and nothing changes; a point that
		// becomes a living site takes its public rounds off the schedule.
		_, err = w.s.Plan(ctx, w.coord, distribution.PlanInput{SiteID: w.canal.ID, Kind: distribution.KindMeals, Public: true,
			StartsAt: now.Add(5 * time.Hour), EndsAt: now.Add(6 * time.Hour)})
		wantErr(t, err, apperr.Invalid, "public")
		atCanal, err := w.s.Plan(ctx, w.coord, distribution.PlanInput{SiteID: w.canal.ID, Kind: distribution.KindMeals,
			StartsAt: now.Add(5 * time.Hour), EndsAt: now.Add(6 * time.Hour)})
		w.must(err)
		_, err = w.s.SetPublic(ctx, w.coord, atCanal.ID, true)
		wantErr(t, err, apperr.Invalid, "public")
		if r, err := w.s.Round(ctx, w.coord, atCanal.ID); err != nil || r.Public {
			t.Errorf("the canal's round after a refused SetPublic: public %v, %v", r.Public, err)
		}
		if _, err := place.New(d).UpdateSite(ctx, w.coord, w.point.ID, place.SiteInput{Name: "Quai", Kind: place.SiteLiving}); err != nil {
			t.Fatal(err)
		}
		if sc, err := distribution.PublicSchedule(ctx, d, "org-a", now); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("schedule once its only site with public rounds became a living site: %+v, %v; want NotFound", sc, err)
		}

		// Nothing public, no such organisation, no name: the same answer.
		for _, slug := range []string{"org-b", "no-such-org", "", "x' OR '1'='1"} {
			if _, err := distribution.PublicSchedule(ctx, d, slug, now); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("PublicSchedule(%q): %v, want NotFound", slug, err)
			}
		}
	})
}
