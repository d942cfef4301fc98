package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"abri/internal/browsertest"
)

// TestJourneyCoordinatorArabic is the foundation's browser journey on the real
// demo: sign in as the demo coordinator, switch to Arabic and see a
// right-to-left page, sign out.
func TestJourneyCoordinatorArabic(t *testing.T) {
	url, users := startDemo(t, "--data", seededData(t))
	coord := users["coordinator"]
	ctx := browsertest.New(t, 90*time.Second)

	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			browsertest.Screenshot(t, ctx, "failed-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	submit := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			browsertest.Screenshot(t, ctx, "failed-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}

	step("open", chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)))
	browsertest.Screenshot(t, ctx, "login")
	step("fill login",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), coord[0]),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), coord[1]))
	submit("sign in", `form[action="/login"] button[type="submit"]`)
	step("dashboard", chromedp.WaitVisible(chromedp.CSS(`main`)))
	browsertest.Screenshot(t, ctx, "dashboard")
	if got := text("header"); !strings.Contains(got, "Cuisine du Littoral") {
		t.Errorf("the header after sign-in does not name the demo organisation: %q", got)
	}

	// Switch to Arabic with the language choice in the header's menu.
	step("open the menu", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	submit("switch to Arabic", `form[action="/lang"] button[value="ar"]`)
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dir`))
	if err != nil || dir != "rtl" {
		t.Fatalf("after switching to Arabic, <html dir> = %q (%v), want rtl", dir, err)
	}
	lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if lang != "ar" {
		t.Errorf("<html lang> = %q, want ar", lang)
	}
	// The page really is in Arabic script, not just flipped.
	body := text("main")
	if !strings.ContainsAny(body, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
		t.Errorf("main content has no Arabic text: %q", body)
	}
	browsertest.Screenshot(t, ctx, "dashboard-ar")

	step("open the menu again", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	submit("sign out", `form[action="/logout"] button[type="submit"]`)
	step("signed out", chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "/login") {
		t.Errorf("after sign-out the browser is at %q, want the sign-in page", loc)
	}
	// The old session is gone: the dashboard sends us back to sign in.
	step("dashboard after sign-out", chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
}
