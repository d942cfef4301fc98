package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"abri/internal/browsertest"
	"abri/internal/distribution"
	"abri/internal/i18n"
	"abri/internal/place"
)

// The public schedule on a phone, signed out: Pashto right to left, every
// language link a thumb's size, nothing wider than the screen, and the
// switch to Tigrinya (left to right) and Dari.
func TestJourneyPublicSchedule(t *testing.T) {
	w := newFieldWorld(t)
	ctx0 := context.Background()
	sys := w.system(t)
	site, err := place.New(w.d).CreateSite(ctx0, sys, place.SiteInput{Name: "Pont bleu", Kind: place.SiteDistribution,
		PublicNote: "Sous le pont bleu, près de l'écluse — under the blue bridge, by the lock.", Pin: &place.Pin{Lat: 50.95, Lon: 1.86}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(26 * time.Hour)
	if _, err := distribution.New(w.d).Plan(ctx0, sys, distribution.PlanInput{SiteID: site.ID, Kind: distribution.KindMeals, Public: true,
		StartsAt: start, EndsAt: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, 2*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w}
	b.open("/schedule/calais-field?lang=ps", "main h1")
	browsertest.Screenshot(t, ctx, "schedule-ps")
	if got := b.eval("direction", `document.documentElement.lang + " " + document.documentElement.dir`); got != "ps rtl" {
		t.Errorf("Pashto page is %q", got)
	}
	if got := b.eval("title", `document.querySelector("h1").textContent`); got != i18n.T("ps", "schedule.public.title") {
		t.Errorf("title %q", got)
	}
	if got := b.eval("width", `String(document.documentElement.scrollWidth)`); got != "390" {
		t.Errorf("the page is %s px wide on a 390 px screen", got)
	}
	small := b.eval("sizes", `Array.from(document.querySelectorAll("a")).filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44 })
		.map(e => e.textContent + " " + Math.round(e.getBoundingClientRect().width) + "x" + Math.round(e.getBoundingClientRect().height)).join(", ")`)
	if small != "" {
		t.Errorf("links under 44 × 44 px: %s", small)
	}
	if got := b.eval("links", `String(document.querySelectorAll("nav.langs a").length)`); got != "7" {
		t.Errorf("%s language links, want 7", got)
	}
	text := b.eval("text", `document.body.innerText`)
	for _, want := range []string{"Pont bleu", "under the blue bridge", i18n.T("ps", "schedule.public.kind.meals"), i18n.T("ps", "schedule.public.draft")} {
		if !strings.Contains(text, want) {
			t.Errorf("the Pashto page lacks %q", want)
		}
	}
	if strings.Contains(text, "50.95") || strings.Contains(b.eval("html", `document.documentElement.outerHTML`), "1.86") {
		t.Error("the page shows the site's pin")
	}

	follow := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	follow("to Tigrinya", `nav.langs a[href="?lang=ti"]`)
	if got := b.eval("direction", `document.documentElement.lang + " " + document.documentElement.dir`); got != "ti ltr" {
		t.Errorf("Tigrinya page is %q", got)
	}
	if got := b.eval("current", `document.querySelector("nav.langs a[aria-current]").getAttribute("href")`); got != "?lang=ti" {
		t.Errorf("the current language link is %q", got)
	}
	browsertest.Screenshot(t, ctx, "schedule-ti")
	follow("to Dari", `nav.langs a[href="?lang=prs"]`)
	if got := b.eval("direction", `document.documentElement.lang + " " + document.documentElement.dir`); got != "fa-AF rtl" {
		t.Errorf("Dari page is %q", got)
	}
	if got := b.eval("poster", `document.getElementById("poster").getAttribute("href")`); got != "/schedule/calais-field/poster.pdf?lang=prs" {
		t.Errorf("poster link %q", got)
	}
}
