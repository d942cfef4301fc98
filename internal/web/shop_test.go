package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/shop/shoptest"
)

// The shop's screens over HTTP, without JavaScript: a coordinator makes a
// rule (bad input refused at its field), serves a card (the form posts and
// the page answers), is refused a second sleeping bag naming the rule and
// the day, applies a refused offline checkout anyway with a reason from the
// review list, and downloads the report. The warehouse gets not found.
func TestShopScreens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sys := access.SystemActor(f.org.ID, f.base.ID)
		sh := shoptest.Open(t, d, sys, 4)
		code, cardID := sh.Code, sh.CardID
		const bag = "102" // shoptest.Bag
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.post("/shop/rules", url.Values{"what": {"product:" + bag}, "quantity": {"0"}, "per": {"card"}, "period_days": {"14"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "The quantity must be between 1 and 1000.") {
			t.Fatalf("bad rule: %d", r.status)
		}
		if r = c.post("/shop/rules", url.Values{"what": {"product:" + bag}, "quantity": {"1"}, "per": {"card"}, "period_days": {"14"}}); r.status != http.StatusSeeOther {
			t.Fatalf("rule: %d %s", r.status, r.body)
		}
		if r = c.get("/shop/rules"); !strings.Contains(r.body, "Sleeping Bags: 1 per card every 14 days") {
			t.Fatal("the rule is not listed")
		}
		r = c.post("/shop/card", url.Values{"code": {strings.ToLower(code)}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Sleeping Bags: 1 available") {
			t.Fatalf("card: %d", r.status)
		}
		// The code, as typed, is in the page once: in the checkout form.
		if typed := strings.ToLower(code); strings.Count(strings.ToLower(r.body), typed) != 1 || !strings.Contains(r.body, `name="code" value="`+typed+`"`) {
			t.Error("the code is shown other than in the form")
		}
		r = c.post("/shop/checkout", url.Values{"code": {code}, "product": {bag}, "quantity": {"1"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Checked out: 1 item.") || !strings.Contains(r.body, "Sleeping Bags: 0 available") {
			t.Fatalf("checkout: %d", r.status)
		}
		// The day it allows again is the base's day, not UTC's.
		var zone string
		if err := d.QueryRow(ctx, "SELECT time_zone FROM bases WHERE id = ?", f.base.ID).Scan(&zone); err != nil {
			t.Fatal(err)
		}
		again := time.Now().In(account.Location(zone)).Add(14 * 24 * time.Hour).Format(time.DateOnly)
		r = c.post("/shop/checkout", url.Values{"code": {code}, "product": {bag}, "quantity": {"1"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "Refused by the rule “Sleeping Bags: 1 per card every 14 days”. It allows this again on "+again) {
			t.Fatalf("second checkout: %d", r.status)
		}
		if r = c.post("/shop/checkout", url.Values{"code": {code}, "product": {bag}, "quantity": {"-2"}}); r.status != http.StatusBadRequest {
			t.Errorf("negative: %d", r.status)
		}

		// A checkout queued on a phone meanwhile: a review item.
		outs, err := command.Apply(ctx, d, access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator},
			[]command.Command{{ID: "00000000-0000-4000-8000-000000000001", Type: "shop.checkout", Target: command.Target("card", cardID),
				Payload: json.RawMessage(`{"lines":[{"product_id":102,"quantity":1}]}`), MadeAt: time.Now()}})
		if err != nil || outs[0].Status != command.NeedsReview {
			t.Fatalf("queued checkout: %+v %v", outs, err)
		}
		r = c.get("/review")
		if !strings.Contains(r.body, `name="override"`) {
			t.Fatal("the review item offers no override")
		}
		path := fmt.Sprintf("/review/%d/apply", outs[0].ReviewItemID)
		if r = c.post(path, url.Values{"override": {"both shops served the family of the eviction"}}); r.status != http.StatusSeeOther {
			t.Fatalf("apply anyway: %d %s", r.status, r.body)
		}
		var n, items int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM shop_checkouts WHERE overridden").Scan(&n)
		d.QueryRow(ctx, "SELECT items FROM boxes WHERE location_id = ?", sh.Location).Scan(&items)
		if n != 1 || items != 2 {
			t.Errorf("%d overridden checkouts, %d items left; want 1 and 2", n, items)
		}

		r = c.get("/shop/reports.csv")
		if r.status != http.StatusOK || !regexp.MustCompile(`Cards served,\d{4}-\d\d-\d\d,,1`).MatchString(r.body) {
			t.Errorf("csv: %d %s", r.status, r.body)
		}
		wh := f.client(t)
		wh.mustLogin("wim@example.org")
		for _, p := range []string{"/shop", "/shop/rules", "/shop/reports"} {
			if r := wh.get(p); r.status != http.StatusNotFound {
				t.Errorf("warehouse %s: %d", p, r.status)
			}
		}
	})
}
