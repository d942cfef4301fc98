package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/i18n"
	"abri/internal/ledger"
	"abri/internal/place"
)

// scheduleWorld plans, in the fixture's first organisation, the rounds the
// public schedule must and must not show.
type scheduleWorld struct {
	shown                              distribution.Round // public, tomorrow at the canal
	private, past, far, cancelled, out distribution.Round
}

func planSchedule(t *testing.T, f *fixture) scheduleWorld {
	t.Helper()
	ctx := context.Background()
	a := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
	places := place.New(f.d)
	canal, err := places.CreateSite(ctx, a, place.SiteInput{Name: "Canal bridge", Kind: place.SiteDistribution,
		Note: "Private: the police came twice this week", PublicNote: "Under the blue bridge, by the lock.", Pin: &place.Pin{Lat: 50.9513, Lon: 1.8587}})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := places.CreateSite(ctx, a, place.SiteInput{Name: "Hidden wood", Kind: place.SiteDistribution, PublicNote: "Not to be shown"})
	if err != nil {
		t.Fatal(err)
	}
	s := distribution.New(f.d)
	now := f.d.Clock.Now()
	plan := func(site place.Site, public bool, start time.Time, kind string) distribution.Round {
		r, err := s.Plan(ctx, a, distribution.PlanInput{SiteID: site.ID, Kind: kind, Public: public, StartsAt: start, EndsAt: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var w scheduleWorld
	w.shown = plan(canal, true, now.Add(24*time.Hour), distribution.KindMeals)
	w.private = plan(hidden, false, now.Add(25*time.Hour), distribution.KindGoods)
	w.past = plan(hidden, true, now.Add(-3*time.Hour), distribution.KindShelter)
	w.far = plan(hidden, true, now.Add(15*24*time.Hour), distribution.KindShelter)
	w.cancelled = plan(hidden, true, now.Add(26*time.Hour), distribution.KindGoods)
	if _, err := s.Cancel(ctx, a, w.cancelled.ID); err != nil {
		t.Fatal(err)
	}
	// Out now and still in its window: shown, with no count of anything.
	w.out = plan(canal, true, now.Add(-30*time.Minute), distribution.KindShelter)
	if _, err := s.SendOut(ctx, a, w.out.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

// The public schedule shows, to anyone, the organisation's public rounds
// to come in the next 14 days with the site's name and public note, the
// day, time and kind, in each of the seven languages with its direction;
// nothing private, past, cancelled or further off, never the pin; it asks
// not to be indexed. An unknown organisation and one with nothing public
// get the same 404 page.
func TestPublicSchedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := planSchedule(t, f)
		anon := f.client(t)
		for _, lang := range i18n.PublicLanguages {
			r := anon.get("/schedule/calais-aid?lang=" + lang)
			expectStatus(t, r, http.StatusOK)
			expectBody(t, r, `lang="`+i18n.Tag(lang)+`" dir="`+i18n.Dir(lang)+`"`, `<meta name="robots" content="noindex, nofollow">`,
				"Canal bridge", "Under the blue bridge, by the lock.", "Calais Aid",
				i18n.T(lang, "schedule.public.title"), i18n.T(lang, "schedule.public.kind.meals"), i18n.T(lang, "schedule.public.kind.shelter"),
				`href="/schedule/calais-aid/poster.pdf?lang=`+lang+`"`)
			expectNotBody(t, r, "Hidden wood", "Not to be shown", "police", "50.95", "1.85", "Cleo", "cleo@")
			if got := r.header.Get("X-Robots-Tag"); got != "noindex, nofollow" {
				t.Errorf("%s: X-Robots-Tag %q", lang, got)
			}
			for _, l := range i18n.PublicLanguages { // the language switch
				expectBody(t, r, `href="?lang=`+l+`"`, i18n.Names[l])
			}
			if draft := strings.Contains(r.body, `id="draft"`); draft != i18n.Draft(lang) {
				t.Errorf("%s: the draft note shows %v, the language is a draft: %v", lang, draft, i18n.Draft(lang))
			}
			if n := strings.Count(r.body, `class="row"`); n != 2 {
				t.Errorf("%s: %d rounds shown, want 2 (tomorrow's and the one out now)", lang, n)
			}
		}
		// The day in the base's zone, in the language: tomorrow's weekday.
		loc := time.UTC
		day := w.shown.StartsAt.In(loc)
		r := anon.get("/schedule/calais-aid?lang=ti")
		expectBody(t, r, i18n.T("ti", "schedule.public.weekday."+strconv.Itoa(int(day.Weekday()))), day.Format("15:04")+"–"+w.shown.EndsAt.In(loc).Format("15:04"))
		// Without ?lang=, the browser's languages choose; Dari from fa-AF.
		expectBody(t, anon.get("/schedule/calais-aid", "Accept-Language", "fa-AF,fa;q=0.9"), `lang="fa-AF" dir="rtl"`)
		expectBody(t, anon.get("/schedule/CALAIS-AID?lang=xx", "Accept-Language", "de"), `lang="en" dir="ltr"`)

		// A signed-in coordinator sees the same page.
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		expectBody(t, c.get("/schedule/calais-aid?lang=ar"), `dir="rtl"`, "Canal bridge")

		// Nothing public: the same 404 as no such organisation.
		unknown := anon.get("/schedule/no-such-group")
		empty := anon.get("/schedule/dunkirk-help")
		expectStatus(t, unknown, http.StatusNotFound)
		expectStatus(t, empty, http.StatusNotFound)
		// (The language menu comes back to the address asked, the one
		// difference.)
		if strings.ReplaceAll(unknown.body, "no-such-group", "dunkirk-help") != empty.body {
			t.Errorf("an organisation with nothing public answers otherwise than an unknown one:\n%s\n---\n%s", empty.body, unknown.body)
		}
		expectStatus(t, anon.get("/schedule/dunkirk-help/poster.pdf"), http.StatusNotFound)
		expectStatus(t, anon.get("/schedule/no-such-group/poster.pdf"), http.StatusNotFound)
	})
}

// The poster is an A4 PDF of the same schedule whose text pdftotext reads
// back in Arabic and in Tigrinya.
func TestPublicSchedulePoster(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := planSchedule(t, f)
		anon := f.client(t)
		// Drawn once, served again as it was; a changed schedule is drawn
		// anew.
		first, again := anon.get("/schedule/calais-aid/poster.pdf?lang=ar"), anon.get("/schedule/calais-aid/poster.pdf?lang=ar")
		if first.status != http.StatusOK || first.body != again.body {
			t.Error("the same poster asked twice differs")
		}
		coord := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
		if _, err := distribution.New(d).SetPublic(context.Background(), coord, w.out.ID, false); err != nil {
			t.Fatal(err)
		}
		if changed := anon.get("/schedule/calais-aid/poster.pdf?lang=ar"); changed.status != http.StatusOK || changed.body == first.body {
			t.Error("the poster did not change with the schedule")
		}
		if _, err := distribution.New(d).SetPublic(context.Background(), coord, w.out.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"ar", "ti", "ckb", "en"} {
			r := anon.get("/schedule/calais-aid/poster.pdf?lang=" + lang)
			expectStatus(t, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
				t.Fatalf("%s: Content-Type %q", lang, ct)
			}
			in := filepath.Join(t.TempDir(), "poster.pdf")
			if err := os.WriteFile(in, []byte(r.body), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v: %s", err, out)
			}
			text := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
				if r >= 0x202A && r <= 0x202E || r == 0x200E || r == 0x200F {
					return -1
				}
				return r
			}, string(out))), " ")
			for _, want := range []string{i18n.T(lang, "schedule.public.title"), i18n.T(lang, "schedule.public.kind.meals"),
				"Canal bridge", "Under the blue bridge, by the lock.", i18n.T(lang, "schedule.public.note")} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the poster's text lacks %q:\n%s", lang, want, text)
				}
			}
			for _, not := range []string{"Hidden wood", "police", "50.95"} {
				if strings.Contains(text, not) {
					t.Errorf("%s: the poster shows %q", lang, not)
				}
			}
		}
	})
}

// A coordinator puts a round on the public schedule from its page and
// takes it off again; each change is a round.public_set event. A new
// round's plan form starts unticked.
func TestRoundPublicSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := planSchedule(t, f)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		if r := c.get("/rounds"); strings.Contains(r.body, `name="public" value="1" checked`) {
			t.Error("the plan form starts with the round public")
		}
		path := "/rounds/" + id(w.private.ID)
		expectBody(t, c.get(path), `id="public-on"`, `id="pub-hint"`)
		r := c.post(path+"/public", url.Values{"public": {"1"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, c.get(r.location()), `id="public-off"`, i18n.T("en", "schedule.round.done_public_on"), `href="/schedule/calais-aid"`)
		expectBody(t, f.client(t).get("/schedule/calais-aid"), "Hidden wood")
		r = c.post(path+"/public", url.Values{"public": {"0"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectNotBody(t, f.client(t).get("/schedule/calais-aid"), "Hidden wood")

		// A round at a living site: refused at the switch, with why, and
		// the schedule does not name the site.
		a := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
		camp, err := place.New(d).CreateSite(context.Background(), a, place.SiteInput{Name: "Camp des dunes", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		start := d.Clock.Now().Add(30 * time.Hour)
		atCamp, err := distribution.New(d).Plan(context.Background(), a, distribution.PlanInput{SiteID: camp.ID, Kind: distribution.KindMeals, StartsAt: start, EndsAt: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		r = c.post("/rounds/"+id(atCamp.ID)+"/public", url.Values{"public": {"1"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, i18n.T("en", "distribution.error.public_living_site"))
		expectNotBody(t, f.client(t).get("/schedule/calais-aid"), "Camp des dunes")

		evs, err := ledger.Events(context.Background(), d, f.org.ID, "round", w.private.ID, 0, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		var got []bool
		for _, e := range evs {
			p, err := e.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := p.(distribution.RoundPublicSet); ok {
				got = append(got, p.Public)
			}
		}
		if len(got) != 2 || !got[0] || got[1] {
			t.Errorf("round.public_set events %v, want [true false]", got)
		}
		// A past round cannot change; a warehouse volunteer may not.
		expectStatus(t, c.post("/rounds/"+id(w.cancelled.ID)+"/public", url.Values{"public": {"1"}}), http.StatusConflict)
		wh := f.client(t)
		wh.mustLogin("wim@example.org")
		expectStatus(t, wh.post(path+"/public", url.Values{"public": {"1"}}), http.StatusForbidden)
	})
}
