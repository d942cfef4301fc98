package cli_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyTimeZone: the demo's administrator finds the base in
// Europe/Paris in settings, types a city instead of a zone and is told so at
// the field (focused there, nothing saved), sets Europe/London, and a box's
// history then shows London time, "GMT" said. Then the setting in Arabic.
func TestJourneyTimeZone(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	b := newBrowser(t, base, "tz")
	b.signIn(users["admin"])
	b.open("/settings", "#time-zone")
	if v := b.eval("zone", `document.getElementById("time-zone").value`); v != "Europe/Paris" {
		t.Errorf("the demo base's zone reads %q, want Europe/Paris", v)
	}
	b.step("type a city", chromedp.SetValue(chromedp.CSS(`#time-zone`), "Paris"))
	b.submit("save a city", `form[action="/settings/time-zone"] button`)
	b.shot("refused")
	if got := b.eval("error", `(() => { const e = document.getElementById("time-zone-err"); return e ? e.textContent : "no message at the field"; })()`); !strings.Contains(got, "not a time zone") {
		t.Errorf("at the field: %q", got)
	}
	if id := b.eval("focus", `document.activeElement.id`); id != "time-zone" {
		t.Errorf("focus on %q, want the time zone field", id)
	}
	b.step("type a zone", chromedp.SetValue(chromedp.CSS(`#time-zone`), "Europe/London"))
	b.submit("save a zone", `form[action="/settings/time-zone"] button`)
	if got := b.text("main"); !strings.Contains(got, "Time zone saved.") {
		t.Errorf("after saving: %q", got)
	}
	b.open("/stock/boxes", ".boxes")
	href := b.eval("a box", `document.querySelector('.boxes a[href^="/b/"]').getAttribute("href")`)
	b.open(href, ".history time")
	if got := b.text(".history time"); !strings.HasSuffix(got, " GMT") {
		t.Errorf("the history shows %q, want London time (GMT)", got)
	}
	b.shot("box-london")

	b.language("ar")
	b.open("/settings", "#time-zone")
	if got := b.text(`#tz-h`); !strings.Contains(got, "المنطقة الزمنية") {
		t.Errorf("the Arabic heading reads %q", got)
	}
	b.shot("settings-ar")
}
