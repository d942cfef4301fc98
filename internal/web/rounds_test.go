package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/distribution"
	"abri/internal/place"
)

// weighRound makes a site and a round out at it, with a packing list, for
// the page-weight test; it returns the round's id.
func weighRound(t *testing.T, d *db.DB, a access.Actor) string {
	t.Helper()
	ctx := context.Background()
	site, err := place.New(d).CreateSite(ctx, a, place.SiteInput{Name: "Weighed point", Kind: place.SiteDistribution})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Hour)
	s := distribution.New(d)
	r, err := s.Plan(ctx, a, distribution.PlanInput{SiteID: site.ID, Kind: distribution.KindMixed, Public: true, StartsAt: start, EndsAt: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendOut(ctx, a, r.ID); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(r.ID, 10)
}
