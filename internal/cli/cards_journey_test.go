package cli_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyCardDesk: a shop volunteer on a 390 × 844 phone, in English and
// then in Arabic, makes a card for a household of three, sees its code once
// with the button that prints it, finds the card again by typing its code
// in lower case, gives the lost card a new code, and erases it on the
// person's request (refused until the request is ticked), ending on the
// list of what was deleted, kept without the card and kept as counts. Every
// control of the desk is at least 44 × 44 px and on the screen.
func TestJourneyCardDesk(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	for _, lang := range []string{"en", "ar"} {
		b := newBrowser(t, base, "cards-"+lang)
		b.signIn(users["shop"])
		if lang != "en" {
			b.language(lang)
		}
		b.open("/cards", "#card-issue")
		small := b.eval("targets", `(() => Array.from(document.querySelectorAll('main input:not([type=hidden]), main button, main summary')).filter(e => {
			const r = (e.type === 'checkbox' ? e.closest('label') : e).getBoundingClientRect();
			return r.height < 44 || r.width < 44 || r.right > 390.5 || r.left < -0.5;
		}).map(e => (e.name || e.textContent) + ' ' + Math.round(e.getBoundingClientRect().height)).join(', '))()`)
		if small != "" {
			t.Errorf("%s: controls of the card desk smaller than 44 × 44 px or off the screen: %s", lang, small)
		}
		b.view("desk")
		b.step("household of three", chromedp.SetValue(chromedp.CSS(`#card-household_size`), "3"))
		b.submit("make the card", `#card-issue button[type="submit"]`)
		code := strings.TrimSpace(b.text("#the-code"))
		if len(code) != 13 {
			t.Fatalf("%s: code %q", lang, code)
		}
		if got := b.eval("print form", `String(!!document.querySelector('#card-print button'))`); got != "true" {
			t.Fatalf("%s: no print button", lang)
		}
		b.view("issued")
		b.open("/cards", "#card-find")
		b.step("type the code", chromedp.SendKeys(chromedp.CSS(`#find-code`), strings.ToLower(code)))
		b.submit("find", `#card-find button[type="submit"]`)
		if got := b.eval("household", `document.querySelector('#card-household').textContent`); !strings.Contains(got, "3") {
			t.Errorf("%s: household %q", lang, got)
		}
		if b.eval("code hidden", `String(document.body.textContent.includes(`+jsString(code)+`))`) != "false" {
			t.Errorf("%s: the card page shows the code again", lang)
		}
		b.submit("replace", `#card-replace button`)
		fresh := strings.TrimSpace(b.text("#the-code"))
		if fresh == code || len(fresh) != 13 {
			t.Fatalf("%s: new code %q (old %q)", lang, fresh, code)
		}
		b.submit("erase unconfirmed", `#card-erase button`)
		if got := b.eval("refused", `String(!!document.querySelector('#erase-confirm-err'))`); got != "true" {
			t.Fatalf("%s: erasure went through without the confirmation", lang)
		}
		b.step("tick", chromedp.Click(chromedp.CSS(`#erase-confirm`)))
		b.submit("erase", `#card-erase button`)
		got := b.eval("coverage", `Array.from(document.querySelectorAll('#coverage li')).map(l => l.dataset.what).join(',')`)
		for _, w := range []string{"card", "code_hmac", "household", "access_log", "cards_served_week"} {
			if !strings.Contains(","+got+",", ","+w+",") {
				t.Errorf("%s: coverage %q lacks %s", lang, got, w)
			}
		}
		b.view("erased")
		b.open("/cards", "#card-find")
		b.step("type the erased code", chromedp.SendKeys(chromedp.CSS(`#find-code`), fresh))
		b.submit("find erased", `#card-find button[type="submit"]`)
		if got := b.eval("not found", `String(!!document.querySelector('#find-code-err'))`); got != "true" {
			t.Errorf("%s: an erased card's code is not answered as unknown", lang)
		}
	}
}
