package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/shop"
	"abri/internal/stock"
)

// The free shop's screens: the shop screen (scan or type a card's code, see
// what it may take now, check out), the coordinator's rules and reports.
// The shop package answers 404 to roles that do not use the shop, so the
// routes check no action of their own. A checkout from the card screen goes
// to the server when it can and into the offline queue (static/shop.js)
// when the network is away.

type shopPage struct {
	Rules       []shopRuleRow
	CanManage   bool
	Error, Code string // a code that found no card, and why
}

type shopRuleRow struct {
	ID                              int64
	Text                            string
	Active                          bool
	ProductID, CategoryID, Quantity int64
	Per                             string
	PeriodDays                      int64
}

func ruleRows(c *reqCtx, rs []shop.Rule) []shopRuleRow {
	var out []shopRuleRow
	for _, r := range rs {
		out = append(out, shopRuleRow{ID: r.ID, Text: r.Text(c.Lang), Active: r.Active, ProductID: r.ProductID, CategoryID: r.CategoryID,
			Quantity: r.Quantity, Per: r.Per, PeriodDays: r.PeriodDays})
	}
	return out
}

// shopHome answers GET /shop: the camera and the code field.
func (s *server) shopHome(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderShop(w, r, c, http.StatusOK, shopPage{})
}

// renderShop draws the shop screen with the rules in force now.
func (s *server) renderShop(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p shopPage) error {
	rules, err := shop.Rules(r.Context(), s.db, c.P.Actor)
	if err != nil {
		return err
	}
	var active []shop.Rule
	for _, ru := range rules {
		if ru.Active {
			active = append(active, ru)
		}
	}
	p.Rules, p.CanManage = ruleRows(c, active), c.P.Actor.Can(access.ManageShop)
	s.renderField(w, r, c, status, "shop", "shop.web.title", p)
	return nil
}

// shopShare is one rule's share on the card screen.
type shopShare struct {
	RuleID, ProductID, CategoryID int64
	Left                          int64
	Text                          string // the rule
	LeftText                      string // "Sleeping Bags: 1 available"
	Next                          string // the day the next share opens, when none is left
	Again                         string // the day a share taken today opens again
	LeftTexts                     string // LeftText for 0, 1, … Left, a line each
}

type shopOption struct {
	ProductID, CategoryID, Items int64
	Label                        string
}

type cardPage struct {
	Code        string
	CardRef     string // the card as the screen's queued commands name it (people.CardRef)
	Household   int64
	Shares      []shopShare
	Products    []shopOption
	CanOverride bool
	Done        string
	Error       string
	ErrField    string
	Typed       struct {
		ProductID, Quantity int64
		Override            string
	}
}

// cardCode reads a card's code from a form: typed, or the text of its QR
// code (the part after the last "/", if it is an address).
func cardCode(r *http.Request) string {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if i := strings.LastIndex(code, "/"); i >= 0 {
		code = code[i+1:]
	}
	return code
}

func (s *server) shopShares(c *reqCtx, e shop.Entitlement) []shopShare {
	today := s.db.Clock.Now()
	var out []shopShare
	for _, sh := range e.Shares {
		name := sh.Rule.Name(c.Lang)
		x := shopShare{RuleID: sh.Rule.ID, ProductID: sh.Rule.ProductID, CategoryID: sh.Rule.CategoryID, Left: sh.Left,
			Text: sh.Rule.Text(c.Lang), LeftText: c.T("shop.web.left", name, i18n.Plural(c.Lang, "shop.web.available_n", sh.Left)),
			Again: shop.Isolate(c.Lang, i18n.Day(c.zone(), today.Add(time.Duration(sh.Rule.PeriodDays)*24*time.Hour)))}
		if !sh.NextAt.IsZero() {
			x.Next = shop.Isolate(c.Lang, i18n.Day(c.zone(), sh.NextAt))
		}
		// What the screen says as a checkout kept on the phone takes the
		// share down, for each count from 0 to what is left now.
		var texts []string
		for n := int64(0); n <= min(sh.Left, 20); n++ {
			texts = append(texts, c.T("shop.web.left", name, i18n.Plural(c.Lang, "shop.web.available_n", n)))
		}
		x.LeftTexts = strings.Join(texts, "\n")
		out = append(out, x)
	}
	return out
}

// renderCard draws the card screen: what the card may take now, and the
// checkout form with the products the shop holds.
func (s *server) renderCard(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p cardPage, e shop.Entitlement) error {
	held, err := stock.HeldAt(r.Context(), s.db, c.P.Actor, place.LocationShop)
	if err != nil {
		return err
	}
	p.Household, p.Shares = e.Household, s.shopShares(c, e)
	if p.CardRef, err = people.CardRef(c.P.Actor, e.CardID); err != nil {
		return err
	}
	p.CanOverride = c.P.Actor.Can(access.OverrideShop)
	for _, h := range held {
		p.Products = append(p.Products, shopOption{ProductID: h.ProductID, CategoryID: h.CategoryID, Items: h.Items,
			Label: catalog.ProductName(c.Lang, h.Name, h.Standard) + " (" + strconv.FormatInt(h.Items, 10) + ")"})
	}
	s.renderField(w, r, c, status, "shop_card", "shop.web.card_title", p)
	return nil
}

// shopCard answers POST /shop/card: a code typed or scanned.
func (s *server) shopCard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	code := cardCode(r)
	e, err := shop.ForCode(r.Context(), s.db, c.P.Actor, code)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.NotFound) && apperr.FieldOf(err) == "code" {
			msg := i18n.Message(c.Lang, apperr.As(err))
			return s.renderShop(w, r, c, apperr.Status(apperr.CodeOf(err)), shopPage{Error: msg, Code: code})
		}
		return err
	}
	return s.renderCard(w, r, c, http.StatusOK, cardPage{Code: code}, e)
}

// checkoutAnswer is the JSON the card screen's script reads after a
// checkout (Accept: application/json).
type checkoutAnswer struct {
	OK      bool            `json:"ok"`
	Message string          `json:"message"`
	Shares  []checkoutShare `json:"shares,omitempty"`
}

type checkoutShare struct {
	RuleID   int64  `json:"rule_id"`
	Left     int64  `json:"left"`
	LeftText string `json:"left_text"`
	Next     string `json:"next"`
}

// sentOf reads the command id and clock the card screen's script adds to a
// checkout (the command it queues if the answer is lost); a form sent
// without the script has neither.
func sentOf(r *http.Request) (shop.Sent, error) {
	id := strings.TrimSpace(r.PostForm.Get("command_id"))
	if id == "" {
		return shop.Sent{}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, r.PostForm.Get("made_at"))
	if err != nil {
		return shop.Sent{}, apperr.New(apperr.Invalid, "shop.error.made_at").At("made_at")
	}
	return shop.Sent{CommandID: id, MadeAt: at, CardRef: r.PostForm.Get("card_ref")}, nil
}

// shopCheckout answers POST /shop/checkout: one product and a quantity for
// the card whose code the form carries.
func (s *server) shopCheckout(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	code := cardCode(r)
	p := cardPage{Code: code}
	product, _ := strconv.ParseInt(r.PostForm.Get("product"), 10, 64)
	qty, qerr := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("quantity")), 10, 64)
	p.Typed.ProductID, p.Typed.Quantity, p.Typed.Override = product, qty, r.PostForm.Get("override")
	var rec shop.Receipt
	var err error
	sent, serr := sentOf(r)
	switch {
	case qerr != nil:
		err = apperr.New(apperr.Invalid, "shop.error.quantity", stock.MaxItems).At("lines[0].quantity")
	case serr != nil:
		err = serr
	default:
		rec, err = shop.Checkout(r.Context(), s.db, c.P.Actor, code, shop.Request{Lines: []shop.Line{{ProductID: product, Quantity: qty}}, Override: p.Typed.Override}, sent)
	}
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if err != nil {
		msg, status := formError(c, err)
		if msg == "" {
			if wantsJSON && apperr.Is(err, apperr.Forbidden) {
				msg, status = errText(c, err), http.StatusForbidden
			} else {
				return err
			}
		}
		if wantsJSON {
			s.writeSyncJSON(w, status, checkoutAnswer{Message: msg})
			return nil
		}
		e, ferr := shop.ForCode(r.Context(), s.db, c.P.Actor, code)
		if ferr != nil {
			return ferr
		}
		p.Error, p.ErrField = msg, apperr.FieldOf(err)
		return s.renderCard(w, r, c, status, p, e)
	}
	var taken int64
	for _, l := range rec.Lines {
		taken += l.Quantity
	}
	done := c.T("shop.web.done", i18n.Plural(c.Lang, "stock.items_n", taken))
	if wantsJSON {
		ans := checkoutAnswer{OK: true, Message: done}
		for _, sh := range s.shopShares(c, rec.Entitlement) {
			ans.Shares = append(ans.Shares, checkoutShare{RuleID: sh.RuleID, Left: sh.Left, LeftText: sh.LeftText, Next: sh.Next})
		}
		s.writeSyncJSON(w, http.StatusOK, ans)
		return nil
	}
	p.Done = done
	p.Typed.ProductID, p.Typed.Quantity, p.Typed.Override = 0, 0, ""
	return s.renderCard(w, r, c, http.StatusOK, p, rec.Entitlement)
}

// The coordinator's rules.

type rulesPage struct {
	Rules      []shopRuleRow
	Products   []shopOption
	Categories []shopOption
	CanManage  bool
	Error      fieldError
	ErrorRule  int64
}

func (s *server) renderRules(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p rulesPage) error {
	rules, err := shop.Rules(r.Context(), s.db, c.P.Actor)
	if err != nil {
		return err
	}
	p.Rules, p.CanManage = ruleRows(c, rules), c.P.Actor.Can(access.ManageShop)
	if p.CanManage {
		ps, err := catalog.Products(r.Context(), s.db, c.P.Actor)
		if err != nil {
			return err
		}
		for _, pr := range catalog.InReadingOrder(c.Lang, ps) {
			p.Products = append(p.Products, shopOption{ProductID: pr.ID, Label: catalog.ProductDisplayName(c.Lang, pr.Name, pr.Gender, pr.Standard())})
		}
		cs, err := catalog.Categories(r.Context(), s.db, c.P.Actor)
		if err != nil {
			return err
		}
		for _, cat := range cs {
			p.Categories = append(p.Categories, shopOption{CategoryID: cat.ID, Label: catalog.CategoryName(c.Lang, cat.Name)})
		}
	}
	s.render(w, r, c, status, "shop_rules", "shop.web.rules_title", p)
	return nil
}

func (s *server) shopRules(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderRules(w, r, c, http.StatusOK, rulesPage{})
}

// ruleInput reads a rule's form: what ("product:ID", "category:ID" or
// "tokens"), quantity, per and period.
func ruleInput(r *http.Request) shop.RuleInput {
	var in shop.RuleInput
	what := r.PostForm.Get("what")
	if k, v, ok := strings.Cut(what, ":"); ok {
		id, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "product":
			in.ProductID = id
		case "category":
			in.CategoryID = id
		}
	}
	in.Quantity, _ = strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("quantity")), 10, 64)
	in.PeriodDays, _ = strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("period_days")), 10, 64)
	in.Per = r.PostForm.Get("per")
	active := r.PostForm.Get("active") != "off"
	in.Active = &active
	return in
}

// saveRule answers POST /shop/rules (a new rule) and POST
// /shop/rules/{id} (a change, or turning it off or on).
func (s *server) saveRule(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		if err := parseForm(r); err != nil {
			return err
		}
		in := ruleInput(r)
		var id int64
		var err error
		if create {
			_, err = shop.CreateRule(r.Context(), s.db, c.P.Actor, in)
		} else {
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
			_, err = shop.UpdateRule(r.Context(), s.db, c.P.Actor, id, in)
		}
		if err != nil {
			msg, status := formError(c, err)
			if msg == "" {
				return err
			}
			return s.renderRules(w, r, c, status, rulesPage{Error: fieldError{ID: "rule-" + apperr.FieldOf(err), Msg: msg}, ErrorRule: id})
		}
		s.setFlash(w, r, "web.flash.shop_rule_saved")
		redirect(w, r, "/shop/rules")
		return nil
	}
}

// The reports.

func reportWeeks(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("weeks"))
	if err != nil || n == 0 {
		return 12
	}
	return n
}

type namedCount struct {
	Name string
	N    int64
}

type reportPage struct {
	From, To   string
	Weeks      []shop.WeekRow
	Products   []namedCount
	Categories []namedCount
	Refusals   []namedCount
	WeeksAsked int
}

func (s *server) shopReports(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	weeks := reportWeeks(r)
	rep, err := shop.Reports(r.Context(), s.db, c.P.Actor, weeks, s.db.Clock.Now())
	if err != nil {
		return err
	}
	p := reportPage{From: rep.From, To: rep.To, Weeks: rep.Weeks, WeeksAsked: weeks}
	for _, x := range rep.Products {
		p.Products = append(p.Products, namedCount{catalog.ProductDisplayName(c.Lang, x.Name, x.Gender, x.Standard), x.Items})
	}
	for _, x := range rep.Categories {
		p.Categories = append(p.Categories, namedCount{catalog.CategoryName(c.Lang, x.Name), x.Items})
	}
	for _, x := range rep.Refusals {
		p.Refusals = append(p.Refusals, namedCount{x.Rule.Text(c.Lang), x.N})
	}
	s.render(w, r, c, http.StatusOK, "shop_reports", "shop.web.reports_title", p)
	return nil
}

// shopReportsCSV answers GET /shop/reports.csv: the same anonymous counts,
// one row each: what it counts (week, product, category, rule), its name
// and the count.
func (s *server) shopReportsCSV(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	rep, err := shop.Reports(r.Context(), s.db, c.P.Actor, reportWeeks(r), s.db.Clock.Now())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", export.CSV.ContentType())
	h.Set("Content-Disposition", `attachment; filename="shop-report.csv"`)
	h.Set("Cache-Control", "no-store")
	cols := []string{"section", "week", "name", "count"}
	for i, k := range cols {
		cols[i] = c.T("shop.web.col_" + k)
	}
	ew, err := export.New(w, export.CSV, export.Table{Columns: cols})
	if err != nil {
		return err
	}
	row := func(section, week, name string, n int64) error {
		if err := ew.Row(export.Text(c.T("shop.web.section_"+section)), export.Text(week), export.Text(name), export.Int(n)); err != nil {
			return fmt.Errorf("shop csv: %w", err)
		}
		return nil
	}
	for _, wk := range rep.Weeks {
		for _, x := range []struct {
			k string
			n int64
		}{{"cards", wk.Cards}, {"checkouts", wk.Checkouts}, {"items", wk.Items}} {
			if err := row(x.k, wk.Week, "", x.n); err != nil {
				return err
			}
		}
	}
	for _, p := range rep.Products {
		if err := row("product", "", catalog.ProductDisplayName(c.Lang, p.Name, p.Gender, p.Standard), p.Items); err != nil {
			return err
		}
	}
	for _, cat := range rep.Categories {
		if err := row("category", "", catalog.CategoryName(c.Lang, cat.Name), cat.Items); err != nil {
			return err
		}
	}
	for _, rf := range rep.Refusals {
		if err := row("refused", "", rf.Rule.Text(c.Lang), rf.N); err != nil {
			return err
		}
	}
	return ew.Close()
}
