package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/browsertest"
	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/shop"
	"abri/internal/shop/shoptest"
)

// The free shop in a real browser, at 390 × 844, in English and Arabic: a
// shop volunteer types a card's code (as the camera would fill it in), sees
// "Sleeping Bags: 1 available", checks one out, the box in the shop loses
// one, and a second checkout the same day is refused naming the rule and
// the day it allows again. Then the same with the network cut and two shop
// screens on one card: once synced, exactly one checkout applies and the
// other is one review item.

type shopWorld struct {
	*fieldWorld
	box   string
	bag   int64
	rule  shop.Rule
	cards []string
}

func newShopWorld(t *testing.T, email, lang string) *shopWorld {
	t.Helper()
	ctx := context.Background()
	fw := newFieldWorld(t)
	d := fw.d
	w := &shopWorld{fieldWorld: fw}
	var orgID, baseID int64
	if err := d.QueryRow(ctx, "SELECT o.id, b.id FROM organisations o JOIN bases b ON b.org_id = o.id").Scan(&orgID, &baseID); err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(orgID, baseID)
	acc := account.New(d)
	u, err := acc.AddUser(ctx, sys, account.NewUser{Email: email, Name: email, Password: fieldPassword, BaseID: baseID, Role: access.Shop})
	if err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		if err := acc.SetLanguage(ctx, access.Actor{UserID: u.ID, OrgID: orgID, BaseID: baseID, Role: access.Shop}, lang); err != nil {
			t.Fatal(err)
		}
	}
	sh := shoptest.Open(t, d, sys, 5)
	w.box, w.bag = sh.Box, shoptest.Bag
	code2, _ := shoptest.Card(t, d, sys)
	w.cards = []string{sh.Code, code2}
	if w.rule, err = shop.CreateRule(ctx, d, sys, shop.RuleInput{ProductID: w.bag, Quantity: 1, Per: shop.PerCard, PeriodDays: 14}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *shopWorld) items(t *testing.T) int {
	return w.count(t, "SELECT items FROM boxes WHERE code = '"+w.box+"'")
}

// openCard opens the shop screen and the card page of a code.
func (b *tab) openCard(code string) {
	b.t.Helper()
	b.open("/shop", `#code`)
	b.do("type the card's code", chromedp.SendKeys(chromedp.CSS(`#code`), code))
	b.do("open the card", chromedp.Click(chromedp.CSS(`#card-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#shop-card`)))
	b.until("the card's script is ready", `String(!!(window.abri && window.abri.queue))`, "true", 10*time.Second)
}

func (b *tab) checkOut(product int64) {
	b.t.Helper()
	b.do("check out", chromedp.SetValue(chromedp.CSS(`#product`), strconv.FormatInt(product, 10)),
		chromedp.Click(chromedp.CSS(`#checkout button[type="submit"]`)))
}

const saidJS = `(function () { var s = document.querySelector("[data-shop-said]"); return s.className + "|" + s.textContent; })()`

func TestJourneyShop(t *testing.T) {
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			email := "lea-" + lang + "@example.org"
			w := newShopWorld(t, email, lang)
			ctx := browsertest.New(t, 4*time.Minute)
			b := &tab{t: t, ctx: ctx, w: w.fieldWorld}
			b.signIn(email)

			// Online: "1 available", one checked out, the box loses one,
			// a second refused naming the rule and the day.
			b.openCard(w.cards[0])
			left := i18n.T(lang, "shop.web.left", catalog.ProductName(lang, "Sleeping Bags", true), i18n.Plural(lang, "shop.web.available_n", 1))
			if got := b.eval("share", `document.querySelector("[data-left-text]").textContent`); got != left {
				t.Errorf("the card shows %q, want %q", got, left)
			}
			browsertest.Screenshot(t, ctx, "shop-card-"+lang)
			b.checkOut(w.bag)
			b.until("checked out", `document.querySelector("[data-shop-said]").className`, "flash", 20*time.Second)
			if n := w.items(t); n != 4 {
				t.Errorf("the shop's box holds %d, want 4", n)
			}
			again := shop.Isolate(lang, i18n.Day(time.UTC, time.Now().Add(14*24*time.Hour)))
			refused := i18n.T(lang, "shop.web.refused_local", w.rule.Text(lang), again)
			b.checkOut(w.bag)
			if got := b.eval("refused", saidJS); got != "error|"+refused {
				t.Errorf("the second checkout says %q, want %q", got, "error|"+refused)
			}
			browsertest.Screenshot(t, ctx, "shop-refused-"+lang)
			// The server refuses it as well, naming the rule and the day.
			got := b.eval("server refuses", `fetch("/shop/checkout", {method: "POST", headers: {"Accept": "application/json"}, body: new URLSearchParams({code: `+strconv.Quote(w.cards[0])+`, product: "`+strconv.FormatInt(w.bag, 10)+`", quantity: "1"})}).then(r => String(r.status))`)
			if !strings.HasPrefix(got, "409") {
				t.Errorf("the server answered %s to a second checkout", got)
			}
			if n := w.items(t); n != 4 || w.count(t, "SELECT COUNT(*) FROM shop_checkouts") != 1 {
				t.Errorf("after the refusals: box %d, %d checkouts", n, w.count(t, "SELECT COUNT(*) FROM shop_checkouts"))
			}

			// Offline, two shop screens on one card.
			ctx2, cancel2 := chromedp.NewContext(ctx)
			defer cancel2()
			if err := chromedp.Do(ctx2, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile)); err != nil {
				t.Fatal(err)
			}
			b2 := &tab{t: t, ctx: ctx2, w: w.fieldWorld}
			online := w.count(t, "SELECT COUNT(*) FROM commands") // the online checkout's id
			b.openCard(w.cards[1])
			b2.openCard(w.cards[1])
			w.proxy.cut.Store(true)
			b.checkOut(w.bag)
			b.until("kept on the phone", `document.querySelector("[data-shop-said]").className`, "flash", 20*time.Second)
			b2.checkOut(w.bag)
			b2.until("kept on the phone too", `document.querySelector("[data-shop-said]").className`, "flash", 20*time.Second)
			b.until("two wait", waitingJS, "2", 10*time.Second)
			none := i18n.T(lang, "shop.web.left", catalog.ProductName(lang, "Sleeping Bags", true), i18n.Plural(lang, "shop.web.available_n", 0))
			if got := b.eval("share taken offline", `document.querySelector("[data-left-text]").textContent`); got != none {
				t.Errorf("after a checkout kept on the phone the card shows %q, want %q", got, none)
			}
			b.checkOut(w.bag)
			if got := b.eval("refused offline", saidJS); got != "error|"+refused {
				t.Errorf("a second checkout offline says %q, want %q", got, "error|"+refused)
			}
			browsertest.Screenshot(t, ctx, "shop-offline-"+lang)
			if n := w.count(t, "SELECT COUNT(*) FROM commands") - online; n != 0 {
				t.Fatalf("%d commands reached abri with the network cut", n)
			}
			w.proxy.cut.Store(false)
			chromedp.Run(ctx, chromedp.Evaluate[string](`abri.queue.send().then(() => "ok")`, chromedp.EvalAwaitPromise))
			b.until("all sent", waitingJS, "0", 30*time.Second)
			if n := w.count(t, "SELECT COUNT(*) FROM review_items"); n != 1 {
				t.Errorf("%d review items, want exactly 1", n)
			}
			if n := w.count(t, "SELECT COUNT(*) FROM shop_checkouts"); n != 2 {
				t.Errorf("%d checkouts, want 2 (one per card)", n)
			}
			if n := w.items(t); n != 3 {
				t.Errorf("the shop's box holds %d after sync, want 3", n)
			}
			if got := b.eval("nothing left on the phone", `new Promise(r => { const q = indexedDB.open("abri-queue"); q.onsuccess = () => { const c = q.result.transaction("commands").objectStore("commands").count(); c.onsuccess = () => r(String(c.result)); }; })`); got != "0" {
				t.Errorf("%s commands left on the phone after sync", got)
			}
		})
	}
}

// A checkout whose answer is lost after abri applied it: the screen keeps
// it on the phone as a command under the id it posted with, the queue
// sends it, and abri answers it "already applied": one sleeping bag out of
// the box, one checkout, one ledger event.
func TestJourneyShopLostAnswer(t *testing.T) {
	w := newShopWorld(t, "lost@example.org", "")
	ctx := browsertest.New(t, 2*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w.fieldWorld}
	b.signIn("lost@example.org")
	b.openCard(w.cards[0])
	// Chromium posts again by itself (twice, here) when a kept-alive
	// connection closes without an answer: each of those posts carries the
	// same command id, and their answers are swallowed too, until the
	// screen gives up and keeps the checkout on the phone.
	w.proxy.dropShop.Store(5)
	w.proxy.syncs.Store(0)
	b.checkOut(w.bag)
	b.until("kept on the phone", `document.querySelector("[data-shop-said]").className`, "flash", 20*time.Second)
	w.proxy.dropShop.Store(0)
	chromedp.Run(ctx, chromedp.Evaluate[string](`abri.queue.send().then(() => "ok")`, chromedp.EvalAwaitPromise))
	b.until("all sent", waitingJS, "0", 30*time.Second)
	if w.proxy.syncs.Load() == 0 {
		t.Errorf("the queue sent nothing: the checkout was not kept on the phone")
	}
	if n := w.items(t); n != 4 {
		t.Errorf("the shop's box holds %d, want 4: the checkout applied twice", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM shop_checkouts"); n != 1 {
		t.Errorf("%d checkouts, want 1", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM ledger WHERE kind = 'shop.checkout'"); n != 1 {
		t.Errorf("%d shop.checkout events, want 1", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM commands WHERE type = 'shop.checkout'"); n != 1 {
		t.Errorf("%d shop.checkout commands, want 1", n)
	}
	if n := w.count(t, "SELECT COUNT(*) FROM review_items"); n != 0 {
		t.Errorf("%d review items, want none", n)
	}
}
