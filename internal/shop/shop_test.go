package shop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/i18n"
	"abri/internal/ledger"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/shop"
	"abri/internal/stock"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

type world struct {
	t                      *testing.T
	d                      *db.DB
	clk                    *clock.Fixed
	sys, shopper, coord    access.Actor
	warehouse, other       access.Actor
	bag, socks, tent       catalog.Product
	bagBox, sockBox, shelf string
	code                   string
	bagRule, sockRule      shop.Rule
}

func newWorld(t *testing.T, d *db.DB) *world {
	ctx := context.Background()
	w := &world{t: t, d: d, clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	acc := account.New(d)
	w.must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
	org, base, err := acc.CreateOrganisation(ctx, "shop-a", "Shop A", "A1")
	w.must(err)
	ob, bb, err := acc.CreateOrganisation(ctx, "shop-b", "Shop B", "B1")
	w.must(err)
	user := func(o, b int64, email string, role access.Role) access.Actor {
		u, err := acc.AddUser(ctx, access.SystemActor(o, b), account.NewUser{Email: email, Name: email, BaseID: b, Role: role})
		w.must(err)
		return access.Actor{UserID: u.ID, OrgID: o, BaseID: b, Role: role}
	}
	w.sys = access.SystemActor(org.ID, base.ID)
	w.shopper = user(org.ID, base.ID, "shop@example.invalid", access.Shop)
	w.coord = user(org.ID, base.ID, "coord@example.invalid", access.Coordinator)
	w.warehouse = user(org.ID, base.ID, "wh@example.invalid", access.Warehouse)
	w.other = user(ob.ID, bb.ID, "other@example.invalid", access.Shop)
	ps, err := catalog.Products(ctx, d, w.sys)
	w.must(err)
	for _, p := range ps {
		switch {
		case p.Name == "Sleeping Bags":
			w.bag = p
		case p.Name == "Thick Socks" && p.Gender == catalog.GenderUnisexAdult:
			w.socks = p
		case p.Name == "Tents":
			w.tent = p
		}
	}
	if w.bag.ID == 0 || w.socks.ID == 0 {
		t.Fatalf("catalogue: bag %d socks %d", w.bag.ID, w.socks.ID)
	}
	pl := place.New(d)
	shopLoc, err := pl.CreateLocation(ctx, w.sys, place.LocationInput{Name: "Shop shelves", Kind: place.LocationShop})
	w.must(err)
	shelf, err := pl.CreateLocation(ctx, w.sys, place.LocationInput{Name: "Back shelf", Kind: place.LocationShelf})
	w.must(err)
	st := stock.New(d)
	box := func(p catalog.Product, n int64, loc int64) string {
		b, err := st.CreateBox(ctx, w.sys, stock.NewBox{ProductID: p.ID, Items: n, LocationID: loc, Size: "Mixed"})
		w.must(err)
		return b.Code
	}
	w.bagBox = box(w.bag, 5, shopLoc.ID)
	w.sockBox = box(w.socks, 10, shopLoc.ID)
	w.shelf = box(w.bag, 20, shelf.ID)
	w.bagRule, err = shop.CreateRule(ctx, d, w.coord, shop.RuleInput{ProductID: w.bag.ID, Quantity: 1, Per: shop.PerCard, PeriodDays: 14})
	w.must(err)
	w.sockRule, err = shop.CreateRule(ctx, d, w.coord, shop.RuleInput{CategoryID: w.socks.CategoryID, Quantity: 2, Per: shop.PerPerson, PeriodDays: 7})
	w.must(err)
	w.must(d.InTx(ctx, func(tx *db.Tx) error {
		_, code, err := people.Issue(ctx, tx, w.shopper, people.NewCard{HouseholdSize: 2})
		w.code = code
		return err
	}))
	t.Cleanup(func() {
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("ledger after the test: %v, %v, %d rows differ: %v", rep.Broken, err, rep.Differing, rep.Differences)
		}
	})
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) items(code string) int64 {
	w.t.Helper()
	b, err := stock.New(w.d).Box(context.Background(), w.sys, code)
	w.must(err)
	return b.Items
}

func share(e shop.Entitlement, ruleID int64) shop.Share {
	for _, s := range e.Shares {
		if s.Rule.ID == ruleID {
			return s
		}
	}
	return shop.Share{}
}

func TestCheckoutFollowsTheRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		e, err := shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		if s := share(e, w.bagRule.ID); s.Left != 1 || s.Limit != 1 {
			t.Errorf("bag share %+v, want 1 left", s)
		}
		if s := share(e, w.sockRule.ID); s.Left != 4 {
			t.Errorf("socks share per person of 2: %+v, want 4", s)
		}
		if got := w.bagRule.Text("en"); got != "Sleeping Bags: 1 per card every 14 days" {
			t.Errorf("rule text %q", got)
		}

		one := shop.Request{Lines: []shop.Line{{ProductID: w.bag.ID, Quantity: 1}}}
		rec, err := shop.Checkout(ctx, d, w.shopper, w.code, one, shop.Sent{})
		w.must(err)
		if len(rec.Lines) != 1 || rec.Lines[0].Box != w.bagBox || w.items(w.bagBox) != 4 || w.items(w.shelf) != 20 {
			t.Errorf("receipt %+v; shop box %d, shelf %d", rec, w.items(w.bagBox), w.items(w.shelf))
		}
		if s := share(rec.Entitlement, w.bagRule.ID); s.Left != 0 || !s.NextAt.Equal(t0.Add(14*24*time.Hour)) {
			t.Errorf("after: %+v", s)
		}
		// The receipt's shares are those the card reads afresh.
		after, err := shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		for _, s := range after.Shares {
			if got := share(rec.Entitlement, s.Rule.ID); got.Left != s.Left || got.Used != s.Used || !got.NextAt.Equal(s.NextAt) {
				t.Errorf("receipt share %+v, afresh %+v", got, s)
			}
		}

		// The same day again: refused, naming the rule and the day.
		w.clk.Advance(2 * time.Hour)
		_, err = shop.Checkout(ctx, d, w.shopper, w.code, one, shop.Sent{})
		r, ok := shop.RefusalOf(err)
		if !ok || apperr.CodeOf(err) != apperr.Conflict || r.Rule.ID != w.bagRule.ID || !r.AgainAt.Equal(t0.Add(14*24*time.Hour)) {
			t.Fatalf("second checkout: %v (%+v)", err, r)
		}
		if w.items(w.bagBox) != 4 {
			t.Errorf("a refused checkout took from the box")
		}
		// A shop volunteer cannot set a rule aside; a coordinator can.
		over := one
		over.Override = "lost in the eviction this morning"
		if _, err := shop.Checkout(ctx, d, w.shopper, w.code, over, shop.Sent{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("volunteer override: %v", err)
		}
		rec, err = shop.Checkout(ctx, d, w.coord, w.code, over, shop.Sent{})
		if err != nil || fmt.Sprint(rec.Overridden) != fmt.Sprint([]int64{w.bagRule.ID}) || w.items(w.bagBox) != 3 {
			t.Errorf("override: %+v %v", rec, err)
		}

		// Bad input: nothing taken.
		for name, req := range map[string]shop.Request{
			"negative":       {Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: -1}}},
			"zero":           {Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 0}}},
			"more than held": {Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 11}}},
			"not in shop":    {Lines: []shop.Line{{ProductID: w.tent.ID, Quantity: 1}}},
			"none":           {},
		} {
			_, err := shop.Checkout(ctx, d, w.shopper, w.code, req, shop.Sent{})
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: %v", name, err)
			}
		}
		if w.items(w.sockBox) != 10 {
			t.Errorf("bad input took socks: %d", w.items(w.sockBox))
		}
		// Per person: 4 for a household of 2, 5 is refused.
		if _, err := shop.Checkout(ctx, d, w.shopper, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 5}}}, shop.Sent{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("5 socks: %v", err)
		}
		if _, err := shop.Checkout(ctx, d, w.shopper, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 4}}}, shop.Sent{}); err != nil {
			t.Errorf("4 socks: %v", err)
		}

		// Who may: the warehouse and another organisation get not found.
		if _, err := shop.ForCode(ctx, d, w.warehouse, w.code); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("warehouse: %v", err)
		}
		if _, err := shop.ForCode(ctx, d, w.other, w.code); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("other organisation: %v", err)
		}
		if _, err := shop.Rules(ctx, d, w.warehouse); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("warehouse rules: %v", err)
		}
		if _, err := shop.CreateRule(ctx, d, w.shopper, shop.RuleInput{Quantity: 5, Per: shop.PerCard, PeriodDays: 7}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("volunteer makes a rule: %v", err)
		}

		// Fifteen days on, the sleeping bag is there again.
		w.clk.Advance(15 * 24 * time.Hour)
		e, err = shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		if s := share(e, w.bagRule.ID); s.Left != 1 {
			t.Errorf("after 15 days: %+v", s)
		}

		rep, err := shop.Reports(ctx, d, w.coord, 4, w.clk.Now())
		w.must(err)
		var cards, checkouts, items int64
		for _, wk := range rep.Weeks {
			cards, checkouts, items = cards+wk.Cards, checkouts+wk.Checkouts, items+wk.Items
		}
		if cards != 1 || checkouts != 3 || items != 6 || len(rep.Refusals) != 2 {
			t.Errorf("report: cards %d checkouts %d items %d refusals %+v", cards, checkouts, items, rep.Refusals)
		}
		if _, err := shop.Reports(ctx, d, w.shopper, 4, w.clk.Now()); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("volunteer reads reports: %v", err)
		}
	})
}

// Two shop screens served one card while the network was away: once
// synced, one checkout applies and the other becomes a review item, which
// a coordinator applies anyway with a reason.
func TestOfflineCheckoutsOfOneCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		e, err := shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		cmd := func(n int) command.Command {
			return command.Command{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Type: shop.CommandType,
				Target:  command.Target("card", e.CardID),
				Payload: json.RawMessage(fmt.Sprintf(`{"lines":[{"product_id":%d,"quantity":1}]}`, w.bag.ID)), MadeAt: t0.Add(-time.Duration(n) * time.Minute)}
		}
		outs, err := command.Apply(ctx, d, w.shopper, []command.Command{cmd(1)})
		w.must(err)
		outs2, err := command.Apply(ctx, d, w.shopper, []command.Command{cmd(2), cmd(1)})
		w.must(err)
		if outs[0].Status != command.Applied || outs2[0].Status != command.NeedsReview || outs2[1].Status != command.AlreadyApplied {
			t.Fatalf("outcomes %+v %+v", outs, outs2)
		}
		if outs2[0].Err == nil || outs2[0].Err.Key != "shop.error.refused" {
			t.Errorf("reason %+v", outs2[0].Err)
		}
		if w.items(w.bagBox) != 4 {
			t.Errorf("box holds %d, want 4", w.items(w.bagBox))
		}
		// The review item keeps the rule, not its English text: read back
		// (the same command sent again), it says itself in French.
		again, err := command.Apply(ctx, d, w.shopper, []command.Command{cmd(2)})
		w.must(err)
		fr := i18n.Message("fr", again[0].Err)
		if again[0].Status != command.NeedsReview || !strings.Contains(fr, w.bagRule.Text("fr")) || strings.Contains(fr, w.bagRule.Text("en")) {
			t.Errorf("the review item's reason in French: %q (%+v)", fr, again[0])
		}
		items, err := command.ListReviewItems(ctx, d, w.coord, false)
		w.must(err)
		if len(items) != 1 {
			t.Fatalf("%d review items, want 1", len(items))
		}
		// Applying it again as it was is refused again; with a reason it
		// applies.
		if _, err := command.ApplyReviewItem(ctx, d, w.coord, items[0].ID, "", nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("apply as it was: %v", err)
		}
		p := json.RawMessage(fmt.Sprintf(`{"lines":[{"product_id":%d,"quantity":1}],"override":"two shops, the family lost both"}`, w.bag.ID))
		if _, err := command.ApplyReviewItem(ctx, d, w.coord, items[0].ID, "", p); err != nil {
			t.Fatal(err)
		}
		if w.items(w.bagBox) != 3 {
			t.Errorf("box holds %d after the review, want 3", w.items(w.bagBox))
		}
		// An unknown card id is a review item too.
		bad := cmd(3)
		bad.Target = "card:999999"
		o, err := command.Apply(ctx, d, w.shopper, []command.Command{bad})
		w.must(err)
		if o[0].Status != command.NeedsReview {
			t.Errorf("unknown card: %+v", o[0])
		}
	})
}

// Erasing a card keeps its checkouts as weekly counts only: afterwards no
// table and no ledger payload links its checkouts to each other (no card
// id, no secret, no row per checkout), the reports count the same, and the
// ledger still verifies.
func TestErasedCardLeavesCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		e, err := shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		card := e.CardID
		var secret []byte
		w.must(d.QueryRow(ctx, "SELECT secret FROM cards WHERE id = ?", card).Scan(&secret))
		_, err = shop.Checkout(ctx, d, w.shopper, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.bag.ID, Quantity: 1}}}, shop.Sent{})
		w.must(err)
		// A coordinator's reason is typed text, and may name the person.
		w.clk.Advance(8 * 24 * time.Hour)
		ref, err := people.CardRef(w.coord, card)
		w.must(err)
		_, err = shop.Checkout(ctx, d, w.coord, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.bag.ID, Quantity: 1}, {ProductID: w.socks.ID, Quantity: 2}},
			Override: "Karim lost his in the eviction"}, shop.Sent{CommandID: "0a0b0c0d-0000-4000-8000-0000000000e1", MadeAt: w.clk.Now(), CardRef: ref})
		w.must(err)
		// Another shop screen, offline, checked out a sleeping bag too: a
		// review item once synced.
		ref2, err := people.CardRef(w.shopper, card)
		w.must(err)
		outs, err := command.Apply(ctx, d, w.shopper, []command.Command{{ID: "0a0b0c0d-0000-4000-8000-0000000000e2", Type: shop.CommandType,
			Target: shop.CommandTarget, MadeAt: w.clk.Now(), Payload: json.RawMessage(fmt.Sprintf(`{"card":%q,"lines":[{"product_id":%d,"quantity":1}]}`, ref2, w.bag.ID))}})
		w.must(err)
		if outs[0].Status != command.NeedsReview {
			t.Fatalf("second sleeping bag offline: %+v", outs[0])
		}
		before, err := shop.Reports(ctx, d, w.coord, 3, w.clk.Now())
		w.must(err)
		var commitments []string
		rows, err := d.Query(ctx, "SELECT payload FROM ledger WHERE kind = 'shop.checkout'")
		w.must(err)
		for rows.Next() {
			var p string
			w.must(rows.Scan(&p))
			var ev struct {
				CardID     int64  `json:"card_id"`
				Commitment string `json:"commitment"`
			}
			w.must(json.Unmarshal([]byte(p), &ev))
			if ev.CardID != 0 || ev.Commitment == "" {
				t.Errorf("a checkout event names its card: %s", p)
			}
			commitments = append(commitments, ev.Commitment)
		}
		rows.Close()
		if len(commitments) != 2 || commitments[0] == commitments[1] {
			t.Fatalf("commitments %v: want two, different", commitments)
		}

		// While the card lives its holder may see its checkouts (the right
		// of access, an administrator's export).
		admin := w.coord
		admin.Role = access.Admin
		w.must(d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := people.ExportTx(ctx, tx, admin, card, w.code); err != nil {
				return err
			}
			h, err := shop.History(ctx, tx, admin, card, "en")
			if len(h) != 2 || len(h[1].Lines) != 2 || h[0].Lines[0].Product != "Sleeping Bags" {
				t.Errorf("history %+v", h)
			}
			return err
		}))
		cov, err := people.Erase(ctx, d, w.coord, w.code)
		w.must(err)
		if !strings.Contains(fmt.Sprint(cov.Deleted), "shop_checkouts 2") {
			t.Errorf("coverage %+v", cov)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			w.must(d.QueryRow(ctx, q, args...).Scan(&n))
			return n
		}
		for q, args := range map[string][]any{
			"SELECT COUNT(*) FROM shop_checkouts":                                          nil,
			"SELECT COUNT(*) FROM shop_checkout_lines":                                     nil,
			"SELECT COUNT(*) FROM cards WHERE id = ? OR secret = ?":                        {card, secret},
			"SELECT COUNT(*) FROM card_access_log WHERE card_id = ?":                       {card},
			"SELECT COUNT(*) FROM commands WHERE target = ?":                               {command.Target("card", card)},
			"SELECT COUNT(*) FROM review_items WHERE target = ?":                           {command.Target("card", card)},
			"SELECT COUNT(*) FROM ledger WHERE kind <> 'shop.checkout' AND payload LIKE ?": {"%" + commitments[0] + "%"},
			"SELECT COUNT(*) FROM ledger WHERE payload LIKE ? OR payload LIKE ?":           {fmt.Sprintf(`%%"card_id":%d%%`, card), fmt.Sprintf(`%%"card:%d"%%`, card)},
			"SELECT COUNT(*) FROM ledger WHERE payload LIKE '%Karim%'":                     nil,
		} {
			if n := count(q, args...); n != 0 {
				t.Errorf("after erasure, %s %v: %d", q, args, n)
			}
		}
		// The reports count the same.
		after, err := shop.Reports(ctx, d, w.coord, 3, w.clk.Now())
		w.must(err)
		if fmt.Sprint(after.Weeks, after.Products, after.Categories) != fmt.Sprint(before.Weeks, before.Products, before.Categories) {
			t.Errorf("reports changed with the erasure:\n%+v\n%+v", before, after)
		}
		var cards int64
		for _, wk := range after.Weeks {
			cards += wk.Cards
		}
		if cards != 2 { // one card, served in two weeks
			t.Errorf("cards served after erasure: %d", cards)
		}
		if _, err := shop.ForCode(ctx, d, w.shopper, w.code); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("erased card: %v", err)
		}
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("verify after erasure: %v, %v, %v", rep.Broken, err, rep.Differences)
		}
	})
}

// Two shops check out one card's only sleeping bag at the same moment:
// exactly one gets it.
func TestConcurrentCheckoutsOfOneCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		one := shop.Request{Lines: []shop.Line{{ProductID: w.bag.ID, Quantity: 1}}}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := shop.Checkout(ctx, d, w.shopper, w.code, one, shop.Sent{})
				errs <- err
			}()
		}
		var ok, refused int
		for range 4 {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) == apperr.Conflict:
				refused++
			default:
				t.Errorf("checkout: %v", err)
			}
		}
		if ok != 1 || refused != 3 || w.items(w.bagBox) != 4 {
			t.Errorf("%d checkouts, %d refused, box holds %d; want 1, 3, 4", ok, refused, w.items(w.bagBox))
		}
	})
}

// A checkout sent online whose answer was lost goes into the device's
// queue under the same command id: sent again online or through the
// commands endpoint, it takes nothing more and writes no second event.
func TestOnlineCheckoutThenQueuedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		e, err := shop.ForCode(ctx, d, w.shopper, w.code)
		w.must(err)
		made := t0.Add(-1500 * time.Millisecond)
		ref, err := people.CardRef(w.shopper, e.CardID)
		w.must(err)
		sent := shop.Sent{CommandID: "0A0B0C0D-0000-4000-8000-000000000001", MadeAt: made, CardRef: ref}
		one := shop.Request{Lines: []shop.Line{{ProductID: w.bag.ID, Quantity: 1}}}
		rec, err := shop.Checkout(ctx, d, w.shopper, w.code, one, sent)
		w.must(err)
		if rec.Repeat || w.items(w.bagBox) != 4 {
			t.Fatalf("first checkout: repeat %v, box holds %d", rec.Repeat, w.items(w.bagBox))
		}
		// The same checkout, as shop.js queues it after a lost answer.
		queued := command.Command{ID: "0a0b0c0d-0000-4000-8000-000000000001", Type: shop.CommandType, Target: shop.CommandTarget,
			Payload: json.RawMessage(fmt.Sprintf(`{"lines":[{"product_id":%d,"quantity":1}],"card":%q}`, w.bag.ID, ref)), MadeAt: made}
		outs, err := command.Apply(ctx, d, w.shopper, []command.Command{queued})
		w.must(err)
		if outs[0].Status != command.AlreadyApplied || string(outs[0].Result) != fmt.Sprintf(`{"checkout_id":%d}`, rec.ID) {
			t.Errorf("queued after online: %+v %s", outs[0], outs[0].Result)
		}
		again, err := shop.Checkout(ctx, d, w.shopper, w.code, one, sent)
		w.must(err)
		if !again.Repeat || again.ID != rec.ID || len(again.Lines) != 1 || again.Lines[0].Box != w.bagBox {
			t.Errorf("online again: %+v", again)
		}
		if w.items(w.bagBox) != 4 {
			t.Errorf("box holds %d, want 4: the checkout applied twice", w.items(w.bagBox))
		}
		var events, checkouts int
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE kind = 'shop.checkout'").Scan(&events))
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM shop_checkouts").Scan(&checkouts))
		if events != 1 || checkouts != 1 {
			t.Errorf("%d shop.checkout events, %d checkouts; want 1, 1", events, checkouts)
		}

		// The other way round, in the older form that names the card's id
		// (devices that queued before the card reference): queued first,
		// then the same id online.
		queued.ID, queued.MadeAt, queued.Target = "0a0b0c0d-0000-4000-8000-000000000002", made.Add(time.Second), command.Target("card", e.CardID)
		queued.Payload = json.RawMessage(fmt.Sprintf(`{"lines":[{"product_id":%d,"quantity":1}]}`, w.socks.ID))
		outs, err = command.Apply(ctx, d, w.shopper, []command.Command{queued})
		w.must(err)
		if outs[0].Status != command.Applied {
			t.Fatalf("queued: %+v", outs[0])
		}
		rec, err = shop.Checkout(ctx, d, w.shopper, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 1}}},
			shop.Sent{CommandID: queued.ID, MadeAt: queued.MadeAt})
		w.must(err)
		if !rec.Repeat || w.items(w.sockBox) != 9 {
			t.Errorf("online after queued: repeat %v, socks left %d; want true, 9", rec.Repeat, w.items(w.sockBox))
		}
		// The same id with other content is not applied.
		if _, err := shop.Checkout(ctx, d, w.shopper, w.code, shop.Request{Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 2}}},
			shop.Sent{CommandID: queued.ID, MadeAt: queued.MadeAt}); apperr.CodeOf(err) != apperr.Conflict || w.items(w.sockBox) != 9 {
			t.Errorf("other content under a used id: %v, socks left %d", err, w.items(w.sockBox))
		}
	})
}

// Cards served per week are counted in the base's zone, in ISO weeks, in
// one place: a card served late on Sunday evening and again just after
// midnight (in Paris; still Sunday in UTC) counts in two weeks, before its
// erasure and after.
func TestCardsServedPerWeekInTheBaseZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.must(account.New(d).SetTimeZone(ctx, access.SystemActor(w.shopper.OrgID, w.shopper.BaseID), "Europe/Paris"))
		sunday := t0
		for sunday.Weekday() != time.Sunday {
			sunday = sunday.AddDate(0, 0, 1)
		}
		sunday = time.Date(sunday.Year(), sunday.Month(), sunday.Day(), 22, 30, 0, 0, time.UTC) // 23:30 in Paris
		one := shop.Request{Lines: []shop.Line{{ProductID: w.socks.ID, Quantity: 1}}}
		w.clk.Advance(sunday.Sub(w.clk.Now()))
		_, err := shop.Checkout(ctx, d, w.shopper, w.code, one, shop.Sent{})
		w.must(err)
		w.clk.Advance(time.Hour) // 00:30 on Monday in Paris, 23:30 on Sunday in UTC
		_, err = shop.Checkout(ctx, d, w.shopper, w.code, one, shop.Sent{})
		w.must(err)
		monday := sunday.AddDate(0, 0, 1).Format(time.DateOnly)
		lastMonday := sunday.AddDate(0, 0, -6).Format(time.DateOnly)
		served := func() map[string]int64 {
			rep, err := shop.Reports(ctx, d, w.coord, 2, w.clk.Now())
			w.must(err)
			out := map[string]int64{}
			for _, wk := range rep.Weeks {
				out[wk.Week] = wk.Cards
			}
			return out
		}
		want := fmt.Sprint(map[string]int64{lastMonday: 1, monday: 1})
		if got := fmt.Sprint(served()); got != want {
			t.Errorf("cards served per week %s, want %s", got, want)
		}
		_, err = people.Erase(ctx, d, w.coord, w.code)
		w.must(err)
		if got := fmt.Sprint(served()); got != want {
			t.Errorf("after erasure, cards served per week %s, want %s", got, want)
		}
	})
}
