package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// The administrator sets the base's time zone in settings; a name that is
// not a zone gets a 400 with the message at the field, focused, and changes
// nothing; other roles see no such setting and may not post it.
func TestSettingsTimeZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		zone := func() string {
			b, err := f.acc.Base(context.Background(), access.SystemActor(f.org.ID, f.base.ID), f.base.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b.TimeZone
		}
		c := f.client(t)
		c.mustLogin("ada@example.org")
		expectBody(t, c.get("/settings"), `name="time_zone"`, `value="UTC"`)
		r := c.post("/settings/time-zone", url.Values{"time_zone": {"Paris"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, `id="time-zone" aria-invalid="true" autofocus aria-describedby="time-zone-err time-zone-hint"`,
			`<p class="fielderror" id="time-zone-err">This is not a time zone abri knows.`, `value="Paris"`)
		if z := zone(); z != "UTC" {
			t.Errorf("a refused zone left %q", z)
		}
		r = c.post("/settings/time-zone", url.Values{"time_zone": {"Europe/Paris"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, c.get("/settings"), "Time zone saved.", `value="Europe/Paris"`)
		if z := zone(); z != "Europe/Paris" {
			t.Errorf("zone %q after saving Europe/Paris", z)
		}

		w := f.client(t)
		w.mustLogin("wim@example.org")
		expectNotBody(t, w.get("/settings"), `name="time_zone"`)
		expectStatus(t, w.post("/settings/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}}), http.StatusForbidden)
		if z := zone(); z != "Europe/Paris" {
			t.Errorf("the warehouse moved the base to %q", z)
		}
	})
}
