package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/browsertest"
	"abri/internal/catalog"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/place"
	"abri/internal/server"
)

// The offline field mode in a real browser. Chromium's own "offline"
// switch (CDP) does not reach a service worker, which is a target of its
// own, so the network is cut where a phone loses it: between the browser
// and abri, by a small proxy the test can cut, and which can also swallow
// an answer after abri has applied the request (an upload that "crashed"
// on the way back).

// fieldProxy stands between the browser and abri.
type fieldProxy struct {
	rp       *httputil.ReverseProxy
	cut      atomic.Bool  // every request fails as with no network
	dropSync atomic.Int32 // swallow this many /sync/commands answers, after abri applied them
	syncs    atomic.Int32 // /sync/commands requests that reached abri
	dropShop atomic.Int32 // swallow this many /shop/checkout answers, after abri applied them
}

func (p *fieldProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.cut.Load() {
		hangUp(w)
		return
	}
	drop := &p.dropShop
	if r.URL.Path == "/sync/commands" {
		p.syncs.Add(1)
		drop = &p.dropSync
	}
	if r.URL.Path == "/sync/commands" || r.URL.Path == "/shop/checkout" {
		if drop.Load() > 0 {
			drop.Add(-1)
			rec := httptest.NewRecorder()
			p.rp.ServeHTTP(rec, r) // abri applies the batch…
			hangUp(w)              // …and its answer never arrives
			return
		}
	}
	p.rp.ServeHTTP(w, r)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// fieldWorld is abri behind the proxy, with a distribution volunteer and a
// site.
type fieldWorld struct {
	d     *db.DB
	proxy *fieldProxy
	base  string // the proxy's address: what the browser opens
	site  int64
	delay atomic.Int64 // abri answers /sync/commands this many ms late
}

const fieldPassword = "field volunteer password"

func newFieldWorld(t *testing.T, tweak ...func(*server.Config)) *fieldWorld {
	t.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(t)
	acc := account.New(d)
	org, base, err := acc.CreateOrganisation(ctx, "calais-field", "Calais Field", "Calais")
	if err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(org.ID, base.ID)
	for _, u := range []struct {
		email string
		role  access.Role
		lang  string
	}{{"sam@example.org", access.Distribution, ""}, {"nour@example.org", access.Distribution, "ar"}} {
		nu, err := acc.AddUser(ctx, sys, account.NewUser{Email: u.email, Name: u.email, Password: fieldPassword, BaseID: base.ID, Role: u.role})
		if err != nil {
			t.Fatal(err)
		}
		if u.lang != "" {
			if err := acc.SetLanguage(ctx, access.Actor{UserID: nu.ID, OrgID: org.ID, BaseID: base.ID, Role: u.role}, u.lang); err != nil {
				t.Fatal(err)
			}
		}
	}
	site, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	if err != nil {
		t.Fatal(err)
	}
	w := &fieldWorld{d: d, site: site.ID}
	front := httptest.NewServer(nil)
	w.base = front.URL
	cfg := server.Config{DB: d, Accounts: acc, BaseURL: front.URL, Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range tweak {
		f(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	abri := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sync/commands" {
			if ms := w.delay.Load(); ms > 0 {
				time.Sleep(time.Duration(ms) * time.Millisecond)
			}
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(abri.Close)
	target, _ := url.Parse(abri.URL)
	w.proxy = &fieldProxy{rp: httputil.NewSingleHostReverseProxy(target)}
	w.proxy.rp.ErrorLog = nil
	front.Config.Handler = w.proxy
	t.Cleanup(front.Close)
	return w
}

// system acts for the command line in the field world's base.
func (w *fieldWorld) system(t *testing.T) access.Actor {
	t.Helper()
	var org, base int64
	if err := w.d.QueryRow(context.Background(), "SELECT org_id, base_id FROM sites WHERE id = ?", w.site).Scan(&org, &base); err != nil {
		t.Fatal(err)
	}
	return access.SystemActor(org, base)
}

// product seeds the catalogue and gives the id of its first product.
func (w *fieldWorld) product(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	if err := w.d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	ps, err := catalog.Products(ctx, w.d, w.system(t))
	if err != nil || len(ps) == 0 {
		t.Fatalf("products: %v", err)
	}
	return ps[0].ID
}

func (w *fieldWorld) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := w.d.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// until waits until the query gives want.
func (w *fieldWorld) until(t *testing.T, q string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := w.count(t, q)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s gave %d, want %d, for %s", q, n, want, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tab is one browser tab on the field world.
type tab struct {
	t   *testing.T
	ctx context.Context
	w   *fieldWorld
}

func (b *tab) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		browsertest.Screenshot(b.t, b.ctx, "failed-offline-"+name)
		where, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href + " enabled=" + document.querySelectorAll("button.tap:not([disabled])").length + " scripts=" + Array.from(document.scripts).map(s => s.src).join(",") + " abri=" + typeof window.abri`))
		b.t.Fatalf("%s: %v (page %s)", name, err, where)
	}
}

func (b *tab) eval(name, js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		browsertest.Screenshot(b.t, b.ctx, "failed-offline-"+name)
		b.t.Fatalf("%s: %v", name, err)
	}
	return s
}

// until evaluates js every 100 ms until it gives want.
func (b *tab) until(name, js, want string, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	got := ""
	for time.Now().Before(deadline) {
		got = b.eval(name, js)
		if got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	browsertest.Screenshot(b.t, b.ctx, "failed-offline-"+name)
	status := b.eval("status", `(document.querySelector("[data-abri-queue-text]") || {}).textContent || ""`)
	b.t.Fatalf("%s: %s gave %q, want %q, for %s (status line: %s; %d syncs reached abri)", name, js, got, want, within, status, b.w.proxy.syncs.Load())
}

func (b *tab) open(path, wait string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.w.base+path), chromedp.WaitVisible(chromedp.CSS(wait)))
}

func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("/login", `input[name="email"]`)
	b.do("sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), fieldPassword))
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))); err != nil {
		b.t.Fatalf("sign in: %v", err)
	}
}

// openCounter opens the site's quick count and waits until the service
// worker keeps the page, so that it opens again with no network.
func (b *tab) openCounter() {
	b.t.Helper()
	b.openField("/count/"+strconv.FormatInt(b.w.site, 10), `button.tap:not([disabled])`, "/count.js")
}

// openField opens a field screen and waits until the service worker keeps
// it and its script.
func (b *tab) openField(path, ready, script string) {
	b.t.Helper()
	b.open(path, ready)
	// The first visit was drawn before the worker ran; once it is active,
	// a reload is always under its care.
	b.until("worker active", `navigator.serviceWorker.ready.then(r => String(!!r.active))`, "true", 20*time.Second)
	b.do("reload under the worker", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(ready)))
	b.until("worker controls the page", `String(!!navigator.serviceWorker.controller)`, "true", 20*time.Second)
	b.until("page kept", `caches.open("abri-pages-v1").then(c => c.match(location.href)).then(r => String(!!r))`, "true", 20*time.Second)
	b.until("script kept", `caches.open("abri-static-v1").then(c => c.keys()).then(ks => String(ks.some(k => k.url.endsWith("/queue.js")) && ks.some(k => k.url.endsWith(`+strconv.Quote(script)+`))))`, "true", 20*time.Second)
}

func (b *tab) tap(age, gender string) {
	b.t.Helper()
	b.do("tap "+age+" "+gender, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button.tap[data-age=%q][data-gender=%q]`, age, gender))))
}

const waitingJS = `document.querySelector("[data-abri-queue-status]").getAttribute("data-waiting") || ""`

func TestJourneyOfflineQuickCount(t *testing.T) {
	w := newFieldWorld(t)
	ctx := browsertest.New(t, 4*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w}
	b.signIn("sam@example.org")
	b.openCounter()
	b.until("nothing waits", waitingJS, "0", 10*time.Second)

	// The network goes: five people served, recorded at once. The buttons
	// stay where the thumb is while the status line changes above them.
	const gridTop = `String(Math.round(document.querySelector(".tapgrid").getBoundingClientRect().top + scrollY))`
	top := b.eval("buttons' place", gridTop)
	w.proxy.cut.Store(true)
	for _, p := range [][2]string{{"adult", "woman"}, {"adult", "woman"}, {"adult", "man"}, {"child", "unknown"}, {"", "other"}} {
		b.tap(p[0], p[1])
	}
	b.until("five wait", waitingJS, "5", 5*time.Second)
	if got := b.eval("buttons' place after", gridTop); got != top {
		t.Errorf("the tap buttons moved from %s px to %s px down the page as the status line changed", top, got)
	}
	if got := b.eval("total", `document.querySelector("[data-count-total]").textContent`); got != "5" {
		t.Errorf("the screen shows %s people served, want 5", got)
	}
	status := b.eval("status text", `document.querySelector("[data-abri-queue-text]").textContent`)
	if !strings.Contains(status, "Waiting to be sent: 5") {
		t.Errorf("status line %q does not say five wait", status)
	}
	browsertest.Screenshot(t, ctx, "offline-count-waiting")

	// A refresh with no network: the page comes from the service worker,
	// and what waits is still there, counted on the screen.
	b.do("refresh offline", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`button.tap:not([disabled])`)))
	b.until("five still wait", waitingJS, "5", 5*time.Second)
	if got := b.eval("total after refresh", `document.querySelector("[data-count-total]").textContent`); got != "5" {
		t.Errorf("after a refresh the screen shows %s, want 5", got)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM headcounts"); n != 0 {
		t.Fatalf("%d counts reached abri with the network cut", n)
	}

	sendFromTwoTabs(ctx, b, "/count/"+strconv.FormatInt(w.site, 10), `button.tap:not([disabled])`, 5)
	if n := w.count(t, "SELECT COALESCE(SUM(n), 0) FROM headcounts"); n != 5 {
		t.Errorf("abri holds %d people served, want exactly 5", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM commands"); n != 5 {
		t.Errorf("abri kept %d commands, want 5", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM headcounts WHERE age = 'adult' AND gender = 'woman'"); n != 2 {
		t.Errorf("%d adult women, want 2", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM review_items"); n != 0 {
		t.Errorf("%d review items, want none", n)
	}
	// After sync the phone keeps no command.
	if got := b.eval("store empty", `new Promise(r => { const q = indexedDB.open("abri-queue"); q.onsuccess = () => { const c = q.result.transaction("commands").objectStore("commands").count(); c.onsuccess = () => r(String(c.result)); }; })`); got != "0" {
		t.Errorf("%s commands left on the phone after sync", got)
	}
	if got := b.eval("status after sync", `document.querySelector("[data-abri-queue-text]").textContent`); !strings.Contains(got, "Everything is sent") {
		t.Errorf("status after sync %q", got)
	}

	// An undo takes the last one back, through the queue too.
	b.tap("adult", "man")
	b.do("undo", chromedp.Click(chromedp.CSS(`[data-count-undo]`)))
	w.until(t, "SELECT COUNT(*) FROM headcounts", 7, 30*time.Second)
	b.until("undo sent", waitingJS, "0", 30*time.Second)
	if n := w.count(t, "SELECT COALESCE(SUM(n), 0) FROM headcounts"); n != 5 {
		t.Errorf("after a tap and its undo abri holds %d, want 5", n)
	}
	if got := b.eval("total after undo", `document.querySelector("[data-count-total]").textContent`); got != "5" {
		t.Errorf("after a tap and its undo the screen shows %s, want 5", got)
	}

	// Signing out with a command unsent asks first; saying no keeps it.
	w.proxy.cut.Store(true)
	b.tap("child", "woman")
	b.until("one waits", waitingJS, "1", 5*time.Second)
	asked := make(chan string, 4)
	dialogs, stopDialogs := context.WithCancel(ctx)
	defer stopDialogs()
	go func() {
		for e, err := range chromedp.Events(dialogs, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			asked <- e.Message
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				return err
			}))
		}
	}()
	b.do("open the menu", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	b.do("sign out", chromedp.Click(chromedp.CSS(`form[data-abri-signout] button`)))
	select {
	case m := <-asked:
		if !strings.Contains(m, "1 of your actions are not sent") {
			t.Errorf("sign-out asked %q", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("signing out with an unsent command did not ask")
	}
	b.until("still signed in, still waiting", waitingJS, "1", 5*time.Second)

	// The network back, it is sent, and signing out asks nothing and
	// leaves no page on the phone.
	w.proxy.cut.Store(false)
	b.eval("send", `abri.queue.send().then(() => "ok")`)
	b.until("sent", waitingJS, "0", 30*time.Second)
	if n := w.count(t, "SELECT COALESCE(SUM(n), 0) FROM headcounts"); n != 6 {
		t.Errorf("abri holds %d, want 6", n)
	}
	if b.eval("menu open", `String(document.querySelector("details.menu").open)`) != "true" {
		b.do("open the menu again", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	}
	out, cancelOut := context.WithTimeout(ctx, 30*time.Second)
	defer cancelOut()
	if _, err := chromedp.Run(out, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form[data-abri-signout] button`)))); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-asked:
		t.Errorf("a sign-out with nothing unsent asked %q", m)
	default:
	}
	b.until("caches cleared", `caches.keys().then(ks => String(ks.filter(k => k.startsWith("abri-")).length))`, "0", 10*time.Second)
	if !strings.HasSuffix(b.eval("where", `location.pathname`), "/login") {
		t.Errorf("after sign-out the page is %s", b.eval("where", `location.pathname`))
	}
}

// TestJourneyQueueSlowServer: a slow server and a lost answer make the
// queue retry, never resend in a loop, and never count twice; in Arabic,
// the status line speaks Arabic.
func TestJourneyQueueSlowServer(t *testing.T) {
	w := newFieldWorld(t)
	ctx := browsertest.New(t, 4*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w}
	b.signIn("nour@example.org")
	b.openCounter()
	if got := b.eval("dir", `document.documentElement.dir`); got != "rtl" {
		t.Errorf("dir %q", got)
	}
	w.delay.Store(1500)
	w.proxy.dropSync.Store(1)
	before := w.proxy.syncs.Load()
	for i := 0; i < 3; i++ {
		b.tap("adult", "woman")
		time.Sleep(300 * time.Millisecond)
	}
	status := b.eval("status", `document.querySelector("[data-abri-queue-text]").textContent`)
	if !strings.Contains(status, "في انتظار الإرسال") && !strings.Contains(status, "أُرسل كل شيء") {
		t.Errorf("the Arabic status line reads %q", status)
	}
	b.until("all sent", waitingJS, "0", 60*time.Second)
	if n := w.count(t, "SELECT COALESCE(SUM(n), 0) FROM headcounts"); n != 3 {
		t.Errorf("abri holds %d, want exactly 3", n)
	}
	// Three taps, one lost answer: a handful of requests, not one per
	// tap per retry.
	if n := w.proxy.syncs.Load() - before; n > 5 {
		t.Errorf("%d sync requests for 3 taps and one lost answer", n)
	}
	browsertest.Screenshot(t, ctx, "offline-count-arabic")
}

// TestJourneyOfflineRoundTally is the "done when" on a real round:
// with the network cut, a volunteer records three hand-outs and five people
// served on the round's tally screen; the screen shows them waiting; a
// refresh keeps them; the network comes back and they are sent from two
// tabs, one answer lost on the way, and twice more by hand; the round holds
// exactly those counts. A tally sent after the round closed becomes a
// review item for the coordinator.
func TestJourneyOfflineRoundTally(t *testing.T) {
	w := newFieldWorld(t)
	ctx0 := context.Background()
	sys := w.system(t)
	tent := w.product(t)
	rounds := distribution.New(w.d)
	start := time.Now().Add(-time.Hour)
	r, err := rounds.Plan(ctx0, sys, distribution.PlanInput{SiteID: w.site, Kind: distribution.KindMixed, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Lines: []distribution.LineInput{{ProductID: tent, Planned: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rounds.SendOut(ctx0, sys, r.ID); err != nil {
		t.Fatal(err)
	}
	tally := fmt.Sprintf("/rounds/%d/tally", r.ID)
	handout := fmt.Sprintf("#t-handout-%d", tent)

	ctx := browsertest.New(t, 4*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w}
	b.signIn("sam@example.org")
	b.openField(tally, handout, "/tally.js")

	w.proxy.cut.Store(true)
	for i := 0; i < 3; i++ {
		b.do("a hand-out", chromedp.Click(chromedp.CSS(handout)))
	}
	for i := 0; i < 5; i++ {
		b.do("a person", chromedp.Click(chromedp.CSS(`#t-people-any-any`)))
	}
	b.until("eight wait", waitingJS, "8", 10*time.Second)
	browsertest.Screenshot(t, ctx, "offline-tally-waiting")
	b.do("refresh offline", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(handout)))
	b.until("eight still wait", waitingJS, "8", 10*time.Second)

	sendFromTwoTabs(ctx, b, tally, handout, 8)
	sum := func(kind string) int {
		return w.count(t, "SELECT COALESCE(SUM(quantity), 0) FROM round_tallies WHERE kind = '"+kind+"'")
	}
	if h, p := sum("handout"), sum("people"); h != 3 || p != 5 {
		t.Errorf("the round holds %d hand-outs and %d people served, want exactly 3 and 5", h, p)
	}

	// The round comes back and closes while a tally waits on the phone.
	w.proxy.cut.Store(true)
	b.do("one more", chromedp.Click(chromedp.CSS(`#t-people-any-any`)))
	b.until("one waits", waitingJS, "1", 10*time.Second)
	if _, err := rounds.ComeBack(ctx0, sys, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := rounds.Close(ctx0, sys, r.ID); err != nil {
		t.Fatal(err)
	}
	w.proxy.cut.Store(false)
	b.eval("send", `abri.queue.send().then(() => "ok")`)
	b.until("sent", waitingJS, "0", 30*time.Second)
	if p := sum("people"); p != 5 {
		t.Errorf("after the round closed it holds %d people served, want 5", p)
	}
	if got := b.eval("status", `document.querySelector("[data-abri-queue-text]").textContent`); !strings.Contains(got, "1 went to a coordinator for review") {
		t.Errorf("status line after a refused tally: %q", got)
	}
	items, err := command.ListReviewItems(ctx0, w.d, sys, false)
	if err != nil || len(items) != 1 || items[0].Type != distribution.CmdPeople || items[0].Target != distribution.RoundTarget(r.ID) {
		t.Fatalf("review items after a tally on a closed round: %+v %v", items, err)
	}
}

// sendFromTwoTabs opens a second tab on path (with no network, showing the
// same n commands waiting), keeps the batch as the phone holds it, brings
// the network back with the first answer to /sync/commands lost after abri
// applied it, has both tabs send at once, and then sends the same batch
// twice more by hand: each resend must answer every command already applied.
func sendFromTwoTabs(ctx context.Context, b *tab, path, ready string, n int) {
	t, w := b.t, b.w
	t.Helper()
	// The first action on a tab's own context opens it (and binds the tab
	// to that context, not to a shorter one of a step).
	ctx2, cancel2 := chromedp.NewContext(ctx)
	defer cancel2()
	if err := chromedp.Do(ctx2, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	b2 := &tab{t: t, ctx: ctx2, w: w}
	b2.open(path, ready)
	b2.until(fmt.Sprintf("second tab sees %d", n), waitingJS, strconv.Itoa(n), 10*time.Second)
	batch := b.eval("batch", `abri.queue.pending().then(l => JSON.stringify({commands: l.map(c => ({id: c.id, type: c.type, target: c.target, payload: c.payload, made_at: c.made_at}))}))`)

	w.proxy.dropSync.Store(1)
	w.proxy.cut.Store(false)
	var wg sync.WaitGroup
	for _, tb := range []*tab{b, b2} {
		wg.Add(1)
		go func(tb *tab) {
			defer wg.Done()
			chromedp.Run(tb.ctx, chromedp.Evaluate[string](`abri.queue.send().then(() => "ok")`, chromedp.EvalAwaitPromise))
		}(tb)
	}
	wg.Wait()
	b.until("all sent", waitingJS, "0", 30*time.Second)
	b2.until("all sent in the second tab", waitingJS, "0", 30*time.Second)
	for i := 0; i < 2; i++ {
		got := b.eval("resend", `fetch("/sync/commands", {method: "POST", headers: {"Content-Type": "application/json"}, body: `+strconv.Quote(batch)+`}).then(r => r.json()).then(b => b.outcomes.map(o => o.status).join(","))`)
		if got != strings.TrimSuffix(strings.Repeat("already_applied,", n), ",") {
			t.Errorf("resend %d answered %s", i+1, got)
		}
	}
}
