package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"abri/internal/browsertest"
)

// browser is one signed-in (or not) headless Chromium on the demo, with the
// small steps the volunteer journeys are written in.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	tag  string // prefix of screenshot names
}

func newBrowser(t *testing.T, base, tag string) *browser {
	return &browser{t: t, ctx: browsertest.New(t, 4*time.Minute), base: base, tag: tag}
}

// shot keeps the whole page as a PNG in $ABRI_SCREENSHOTS.
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("ABRI_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, b.tag+"-"+name+".png"), buf, 0o644); err != nil {
		b.t.Error(err)
	}
}

// view keeps what the phone's screen shows (not the whole page).
func (b *browser) view(name string) {
	b.t.Helper()
	browsertest.Screenshot(b.t, b.ctx, b.tag+"-"+name)
}

func (b *browser) step(name string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		browsertest.Screenshot(b.t, b.ctx, "failed-"+b.tag+"-"+name)
		b.t.Fatalf("%s: %v", name, err)
	}
}

func (b *browser) open(path, wait string) {
	b.t.Helper()
	b.step("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(wait)))
}

// eval runs JavaScript and returns its value as a string.
func (b *browser) eval(name, js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		browsertest.Screenshot(b.t, b.ctx, "failed-"+b.tag+"-"+name)
		b.t.Fatalf("%s: %v", name, err)
	}
	return s
}

// submit clicks and waits for the next page.
func (b *browser) submit(name, sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		browsertest.Screenshot(b.t, b.ctx, "failed-"+b.tag+"-"+name)
		b.t.Fatalf("%s: %v", name, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// choose picks an option of a select by its text and tells the page.
func (b *browser) choose(sel, optionText string) {
	b.t.Helper()
	got := b.eval("choose "+optionText, `(() => {
		const s = document.querySelector(`+jsString(sel)+`);
		const o = Array.from(s.options).find(o => o.textContent.trim() === `+jsString(optionText)+`);
		if (!o) return "no option " + `+jsString(optionText)+` + " in " + Array.from(s.options).map(o => o.textContent).join("|");
		s.value = o.value;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return "ok";
	})()`)
	if got != "ok" {
		b.t.Fatalf("choose %q in %s: %s", optionText, sel, got)
	}
}

func (b *browser) signIn(user []string) {
	b.t.Helper()
	b.open("/login", `input[name="email"]`)
	b.step("fill login",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), user[0]),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), user[1]))
	b.submit("sign in", `form[action="/login"] button[type="submit"]`)
}

// language switches the page's language with the header's menu.
func (b *browser) language(lang string) {
	b.t.Helper()
	if b.eval("menu open", `String(document.querySelector("details.menu").open)`) != "true" {
		b.step("open the menu", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	}
	b.submit("language "+lang, `details.menu form[action="/lang"] button[value="`+lang+`"]`)
	if got := b.eval("lang", `document.documentElement.lang`); got != lang {
		b.t.Fatalf("after choosing %s the page is in %q", lang, got)
	}
}

// TestJourneyHeaderOnAPhone: the administrator's header on a 390 × 844
// phone is at most 120 px tall in English, French and Arabic, and each of
// the five tabs lies within the screen, big enough for a thumb.
func TestJourneyHeaderOnAPhone(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	b := newBrowser(t, base, "header")
	b.signIn(users["admin"])
	for _, lang := range []string{"en", "fr", "ar"} {
		if lang != "en" {
			b.language(lang)
		}
		b.open("/settings", "main h1")
		got := b.eval("measure the header", `(() => {
			const h = document.querySelector("header.top").getBoundingClientRect();
			const tabs = Array.from(document.querySelectorAll("nav.nav a")).map(a => {
				const r = a.getBoundingClientRect();
				return a.textContent.trim() + " " + Math.round(r.left) + " " + Math.round(r.right) + " " + Math.round(r.width) + "x" + Math.round(r.height);
			});
			return Math.round(h.height) + "|" + window.innerWidth + "|" + tabs.join("|");
		})()`)
		parts := strings.Split(got, "|")
		var height, width int
		fmt.Sscan(parts[0], &height)
		fmt.Sscan(parts[1], &width)
		if height > 120 {
			t.Errorf("%s: the header is %d px tall, want at most 120", lang, height)
		}
		if len(parts)-2 != 5 {
			t.Errorf("%s: %d tabs for the administrator, want 5: %q", lang, len(parts)-2, parts[2:])
		}
		for _, tab := range parts[2:] {
			f := strings.Fields(tab)
			var left, right, w, h int
			fmt.Sscan(f[len(f)-3], &left)
			fmt.Sscan(f[len(f)-2], &right)
			fmt.Sscanf(f[len(f)-1], "%dx%d", &w, &h)
			if left < 0 || right > width {
				t.Errorf("%s: the tab %q is off the screen (%d…%d of %d px)", lang, tab, left, right, width)
			}
			if w < 44 || h < 44 {
				t.Errorf("%s: the tab %q is smaller than 44 × 44 px", lang, tab)
			}
		}
		t.Logf("%s: header %d px; tabs %q", lang, height, parts[2:])
		b.view("settings-" + lang)
	}
	// The menu holds the languages and signing out.
	b.step("open the menu", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	b.view("menu-ar")
	b.language("en")
}
