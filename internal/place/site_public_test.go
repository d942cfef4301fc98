package place_test

import (
	"context"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/place"
)

// A site's public description and its pin: kept to about 10 m, changed and
// taken away, refused out of range or too long at their fields, and
// replayed by abri verify.
func TestSitePublicNoteAndPin(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		coord := w.a1[access.Coordinator]
		s, err := w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving,
			PublicNote: "Behind the old warehouse, by the canal path.", Pin: &place.Pin{Lat: 50.9512345678, Lon: 1.8567891234}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.pl.Site(ctx, coord, s.ID)
		if err != nil || got.Pin == nil || got.Pin.Lat != 50.9512 || got.Pin.Lon != 1.8568 || got.PublicNote == "" {
			t.Fatalf("site read back: %+v %+v, %v", got, got.Pin, err)
		}
		if _, err := w.pl.UpdateSite(ctx, coord, s.ID, place.SiteInput{Name: "Canal", Kind: place.SiteLiving}); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.pl.Site(ctx, coord, s.ID); got.Pin != nil || got.PublicNote != "" {
			t.Fatalf("pin and description not taken away: %+v", got)
		}
		for _, c := range []struct {
			in    place.SiteInput
			field string
		}{
			{place.SiteInput{Name: "Far", Kind: place.SiteLiving, Pin: &place.Pin{Lat: 91, Lon: 0}}, "pin"},
			{place.SiteInput{Name: "Far", Kind: place.SiteLiving, Pin: &place.Pin{Lat: 0, Lon: -181}}, "pin"},
			{place.SiteInput{Name: "Long", Kind: place.SiteLiving, PublicNote: strings.Repeat("a", place.MaxPublicNoteLen+1)}, "public_note"},
		} {
			_, err := w.pl.CreateSite(ctx, coord, c.in)
			if apperr.CodeOf(err) != apperr.Invalid || apperr.FieldOf(err) != c.field {
				t.Errorf("%+v: %v (field %q), want invalid at %s", c.in, err, apperr.FieldOf(err), c.field)
			}
		}
		if _, err := w.pl.UpdateSite(ctx, coord, s.ID, place.SiteInput{Name: "Canal", Kind: place.SiteLiving, Pin: &place.Pin{Lat: -33.9, Lon: 151.2}}); err != nil {
			t.Fatal(err)
		}
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %+v", err, rep.Differences)
		}
	})
}
