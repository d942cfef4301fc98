package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/browsertest"
	"abri/internal/command"
	"abri/internal/distribution"
	"abri/internal/i18n"
)

// The review screen in a real browser at 390 × 844, in English and in
// Arabic: a distribution volunteer's phone sends three counts for a round
// that closed meanwhile, and a coordinator decides each one: the first
// applied to the round that is out now, the second adjusted (a wrong count
// first refused at the item, then applied with the count corrected) and the
// third set aside with a reason. Each decision takes the item off the open
// list and is in the ledger; the tallies are what the decisions say.
func TestJourneyReviewItems(t *testing.T) {
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) { reviewJourney(t, lang) })
	}
}

func reviewJourney(t *testing.T, lang string) {
	w := newFieldWorld(t)
	ctx0 := context.Background()
	sys := w.system(t)
	org, base := sys.OrgID, sys.BaseID
	acc := account.New(w.d)
	person := func(email string, role access.Role) access.Actor {
		u, err := acc.AddUser(ctx0, sys, account.NewUser{Email: email, Name: string(role), Password: fieldPassword, BaseID: base, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		a := access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
		if err := acc.SetLanguage(ctx0, a, lang); err != nil {
			t.Fatal(err)
		}
		return a
	}
	coord := person("cora@example.org", access.Coordinator)
	team := person("dina@example.org", access.Distribution)
	tent := w.product(t)
	rounds := distribution.New(w.d)
	plan := func(start time.Time) distribution.Round {
		r, err := rounds.Plan(ctx0, coord, distribution.PlanInput{SiteID: w.site, Kind: distribution.KindMixed, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
			Lines: []distribution.LineInput{{ProductID: tent, Planned: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rounds.SendOut(ctx0, team, r.ID); err != nil {
			t.Fatal(err)
		}
		return r
	}
	closed := plan(time.Now().Add(-5 * time.Hour))
	if _, err := rounds.ComeBack(ctx0, team, closed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := rounds.Close(ctx0, team, closed.ID); err != nil {
		t.Fatal(err)
	}
	now := plan(time.Now().Add(-time.Hour))

	// The phone's three counts, sent after the round closed.
	made := time.Now().Add(-4 * time.Hour)
	cmd := func(id, typ, payload string) command.Command {
		return command.Command{ID: id, Type: typ, Target: distribution.RoundTarget(closed.ID), Payload: json.RawMessage(payload), MadeAt: made}
	}
	outs, err := command.Apply(ctx0, w.d, team, []command.Command{
		cmd("6b1f2e0a-3c4d-4e5f-8a9b-0c1d2e3f4a51", distribution.CmdHandout, fmt.Sprintf(`{"product_id":%d,"quantity":2}`, tent)),
		cmd("6b1f2e0a-3c4d-4e5f-8a9b-0c1d2e3f4a52", distribution.CmdPeople, `{"quantity":30}`),
		cmd("6b1f2e0a-3c4d-4e5f-8a9b-0c1d2e3f4a53", distribution.CmdHandout, fmt.Sprintf(`{"product_id":%d,"quantity":1}`, tent)),
	})
	if err != nil || len(outs) != 3 {
		t.Fatalf("send: %v %+v", err, outs)
	}
	ids := make([]string, 3)
	for i, o := range outs {
		if o.ReviewItemID == 0 {
			t.Fatalf("command %d was not sent to review: %+v", i, o)
		}
		ids[i] = strconv.FormatInt(o.ReviewItemID, 10)
	}
	apply, adjust, dismiss := ids[0], ids[1], ids[2]
	sum := func(kind string, round int64) int {
		return w.count(t, fmt.Sprintf("SELECT COALESCE(SUM(quantity), 0) FROM round_tallies WHERE kind = '%s' AND round_id = %d AND NOT undone", kind, round))
	}
	events := func(kind string) int {
		return w.count(t, "SELECT COUNT(*) FROM ledger WHERE kind = '"+kind+"'")
	}
	state := func(id string) string {
		var s string
		if err := w.d.QueryRow(ctx0, "SELECT state FROM review_items WHERE id = ?", id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	ctx := browsertest.New(t, 4*time.Minute)
	b := &tab{t: t, ctx: ctx, w: w}
	b.signIn("cora@example.org")
	b.open("/review", "#item-"+apply)
	if got := b.eval("direction", `document.documentElement.lang + " " + document.documentElement.dir`); got != lang+" "+i18n.Dir(lang) {
		t.Errorf("the review screen is %q, want %s %s", got, lang, i18n.Dir(lang))
	}
	if got := b.eval("open items", `String(document.querySelectorAll("li.row[id^=item-]").length)`); got != "3" {
		t.Fatalf("%s open items on the review screen, want 3", got)
	}
	browsertest.Screenshot(t, ctx, "review-"+lang+"-open")

	// Every control of an item's decision is a thumb's size.
	b.do("open an item", chromedp.Click(chromedp.CSS("#item-"+apply+" summary")), chromedp.WaitVisible(chromedp.CSS("#r"+apply+"-target")))
	small := b.eval("sizes", `Array.from(document.querySelectorAll("#item-`+apply+` summary, #item-`+apply+` button, #item-`+apply+` input, #item-`+apply+` textarea"))
		.filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44 })
		.map(e => e.tagName + "#" + e.id + " " + Math.round(e.getBoundingClientRect().width) + "x" + Math.round(e.getBoundingClientRect().height)).join(", ")`)
	if small != "" {
		t.Errorf("review controls under 44 × 44 px: %s", small)
	}

	submit := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			browsertest.Screenshot(t, ctx, "failed-review-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	gone := func(name, id string) {
		t.Helper()
		if got := b.eval(name, `String(!!document.getElementById("item-`+id+`"))`); got != "false" {
			t.Errorf("%s: item %s is still on the open list", name, id)
		}
		if got := b.eval(name, `(document.querySelector(".flash") || {}).textContent || ""`); got == "" {
			t.Errorf("%s: no message says it was done", name)
		}
	}

	// 1. Apply to another round: the round that is out now.
	b.do("retarget", chromedp.SetValue(chromedp.CSS("#r"+apply+"-target"), distribution.RoundTarget(now.ID)))
	submit("apply elsewhere", `form[action="/review/`+apply+`/apply"] button`)
	gone("applied elsewhere", apply)
	if got := b.eval("flash", `document.querySelector(".flash").textContent`); got != i18n.T(lang, "web.flash.review_applied") {
		t.Errorf("flash %q, want %q", got, i18n.T(lang, "web.flash.review_applied"))
	}
	if h, hc := sum("handout", now.ID), sum("handout", closed.ID); h != 2 || hc != 0 {
		t.Errorf("after applying elsewhere: %d handed out in the round out now, %d in the closed one; want 2 and 0", h, hc)
	}

	// 2. Adjust: applied as sent, it is refused at the item (the round is
	// closed) and stays open; with the target and the count corrected, it
	// applies.
	b.do("open the second", chromedp.Click(chromedp.CSS("#item-"+adjust+" summary")), chromedp.WaitVisible(chromedp.CSS("#r"+adjust+"-payload")))
	submit("apply unchanged", `form[action="/review/`+adjust+`/apply"] button`)
	if got := b.eval("refused", `(document.querySelector("#item-`+adjust+` [role=alert]") || {}).textContent || ""`); got == "" {
		t.Error("a refused apply shows no reason at its item")
	}
	if state(adjust) != command.StateOpen || sum("people", now.ID) != 0 {
		t.Fatalf("a refused apply changed something: item %s, %d people", state(adjust), sum("people", now.ID))
	}
	browsertest.Screenshot(t, ctx, "review-"+lang+"-refused")
	b.do("adjust",
		chromedp.WaitVisible(chromedp.CSS("#r"+adjust+"-payload")),
		chromedp.SetValue(chromedp.CSS("#r"+adjust+"-target"), distribution.RoundTarget(now.ID)),
		chromedp.SetValue(chromedp.CSS("#r"+adjust+"-payload"), `{"age":"adult","quantity":3}`))
	submit("apply adjusted", `form[action="/review/`+adjust+`/apply"] button`)
	gone("adjusted", adjust)
	if p := sum("people", now.ID); p != 3 {
		t.Errorf("after adjusting 30 to 3: %d people served, want 3", p)
	}
	var payload string
	if err := w.d.QueryRow(ctx0, "SELECT payload FROM review_items WHERE id = ?", adjust).Scan(&payload); err != nil || !strings.Contains(payload, `"quantity":3`) {
		t.Errorf("the applied item keeps payload %q (%v), want the adjusted one", payload, err)
	}

	// 3. Dismiss with a reason.
	b.do("open the third", chromedp.Click(chromedp.CSS("#item-"+dismiss+" summary")), chromedp.WaitVisible(chromedp.CSS("#r"+dismiss+"-note")),
		chromedp.SetValue(chromedp.CSS("#r"+dismiss+"-note"), "Counted twice: the team wrote it on paper too"))
	submit("dismiss", `form[action="/review/`+dismiss+`/dismiss"] button`)
	gone("dismissed", dismiss)
	if got := b.eval("empty", `String(!!document.querySelector("li.empty"))`); got != "true" {
		t.Error("the open list is not empty after deciding every item")
	}
	browsertest.Screenshot(t, ctx, "review-"+lang+"-done")

	if a, ad, d := state(apply), state(adjust), state(dismiss); a != command.StateApplied || ad != command.StateApplied || d != command.StateDismissed {
		t.Errorf("items %s, %s, %s; want applied, applied, dismissed", a, ad, d)
	}
	if h := sum("handout", now.ID); h != 2 {
		t.Errorf("the dismissed hand-out was counted: %d handed out", h)
	}
	var note string
	if err := w.d.QueryRow(ctx0, "SELECT note FROM review_items WHERE id = ?", dismiss).Scan(&note); err != nil || note != "Counted twice: the team wrote it on paper too" {
		t.Errorf("dismissal note %q (%v)", note, err)
	}
	if c, a, d, tl := events("review_item.created"), events("review_item.applied"), events("review_item.dismissed"), w.count(t,
		fmt.Sprintf("SELECT COUNT(*) FROM ledger WHERE kind = 'round.tallied' AND entity_id = %d", now.ID)); c != 3 || a != 2 || d != 1 || tl != 2 {
		t.Errorf("ledger: %d created, %d applied, %d dismissed, %d tallies on the round out now; want 3, 2, 1, 2", c, a, d, tl)
	}
	// Everything decided is still there to read, with what was decided.
	b.open("/review?state=all", "#item-"+dismiss)
	if got := b.eval("all", `String(document.querySelectorAll("li.row.off").length)`); got != "3" {
		t.Errorf("%s decided items on the full list, want 3", got)
	}
	if got := b.eval("note shown", `document.getElementById("item-`+dismiss+`").textContent`); !strings.Contains(got, "Counted twice") {
		t.Errorf("the dismissed item does not show its reason: %q", got)
	}
}
