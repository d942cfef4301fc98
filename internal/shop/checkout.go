package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/i18n"
	"abri/internal/ledger"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/stock"
)

// Limits on a checkout.
const (
	MaxLines    = 20
	MaxOverride = 500
)

// Line is one product and how many a person takes.
type Line struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

// Request is a checkout as a shop screen or the API sends it. Override,
// when set, is a coordinator's reason for setting aside the rules it
// breaks.
type Request struct {
	Lines    []Line `json:"lines"`
	Override string `json:"override,omitempty"`
}

// Card is what a checkout needs of a card: its id and household size.
type Card struct {
	ID        int64
	Household int64
}

// Receipt is a checkout done: what was taken from which box, the rules set
// aside, and what the card may take after it.
type Receipt struct {
	ID          int64
	CardID      int64
	Lines       []TakenLine
	Overridden  []int64
	Entitlement Entitlement
	// Repeat: the checkout was made before under the same command id and
	// is answered again; nothing was taken now.
	Repeat bool
}

// Refusal is the cause inside the error of a checkout a rule refused: the
// rule, and when it allows the checkout again (zero when it never does:
// more than the rule allows in any period).
type Refusal struct {
	Rule    Rule
	AgainAt time.Time
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refused by shop rule %d until %s", r.Rule.ID, r.AgainAt.Format(time.RFC3339))
}

// ruleArg is a rule as an error argument: it says itself in the reader's
// language (i18n.Localizer), and a review item keeps it as the rule's data
// (command.Arg), read back as a ruleArg, so that a coordinator reads the
// rule in their own language.
type ruleArg struct{ r Rule }

// storedRule is what a review item keeps of a rule: what its text needs.
type storedRule struct {
	ID           int64  `json:"id"`
	ProductID    int64  `json:"product_id,omitempty"`
	CategoryID   int64  `json:"category_id,omitempty"`
	ProductName  string `json:"product_name,omitempty"`
	Gender       string `json:"gender,omitempty"`
	Standard     bool   `json:"standard,omitempty"`
	CategoryName string `json:"category_name,omitempty"`
	Quantity     int64  `json:"quantity"`
	Per          string `json:"per"`
	PeriodDays   int64  `json:"period_days"`
}

func (a ruleArg) Localize(lang string) string  { return a.r.Text(lang) }
func (a ruleArg) String() string               { return a.r.Text(i18n.Default) }
func (a ruleArg) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", a.String())), nil }
func (a ruleArg) ArgKind() string              { return "shop.rule" }
func (a ruleArg) ArgValue() any {
	r := a.r
	return storedRule{ID: r.ID, ProductID: r.ProductID, CategoryID: r.CategoryID, ProductName: r.ProductName, Gender: r.Gender,
		Standard: r.Standard, CategoryName: r.CategoryName, Quantity: r.Quantity, Per: r.Per, PeriodDays: r.PeriodDays}
}

func init() {
	command.RegisterArg("shop.rule", func(raw json.RawMessage) (any, error) {
		var s storedRule
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return ruleArg{Rule{ID: s.ID, ProductID: s.ProductID, CategoryID: s.CategoryID, ProductName: s.ProductName, Gender: s.Gender,
			Standard: s.Standard, CategoryName: s.CategoryName, Quantity: s.Quantity, Per: s.Per, PeriodDays: s.PeriodDays}}, nil
	})
	command.RegisterArg("shop.day", func(raw json.RawMessage) (any, error) {
		var s string
		err := json.Unmarshal(raw, &s)
		return dayArg(s), err
	})
}

// refusedError is the error a refused checkout answers: 409, naming the
// rule and the day (in the base's zone) it allows the checkout again.
func refusedError(r Rule, again time.Time, loc *time.Location) error {
	if again.IsZero() {
		return &apperr.Error{Code: apperr.Conflict, Key: "shop.error.refused_never", Args: []any{ruleArg{r}}, Field: "lines", Err: &Refusal{Rule: r}}
	}
	return &apperr.Error{Code: apperr.Conflict, Key: "shop.error.refused", Args: []any{ruleArg{r}, dayArg(i18n.Day(loc, again))}, Field: "lines",
		Err: &Refusal{Rule: r, AgainAt: again}}
}

// Isolate keeps a date such as 2026-12-21 in reading order inside a
// sentence of a right-to-left language (a Unicode left-to-right isolate):
// in Arabic the digits and dashes of a bare date are reordered. Other
// languages get the date as it is.
func Isolate(lang, s string) string {
	if i18n.Dir(lang) != "rtl" {
		return s
	}
	return "\u2066" + s + "\u2069"
}

// dayArg is a day as an error argument: isolated in a right-to-left
// language, stored as the bare date.
type dayArg string

func (a dayArg) Localize(lang string) string  { return Isolate(lang, string(a)) }
func (a dayArg) MarshalJSON() ([]byte, error) { return json.Marshal(string(a)) }
func (a dayArg) ArgKind() string              { return "shop.day" }
func (a dayArg) ArgValue() any                { return string(a) }

// RefusalOf returns the refusal inside a checkout's error, if a rule
// refused it.
func RefusalOf(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// clean checks a request's lines and merges those of one product.
func (req Request) clean(actor access.Actor) (Request, error) {
	if len(req.Lines) == 0 {
		return req, apperr.New(apperr.Invalid, "shop.error.no_lines").At("lines")
	}
	if len(req.Lines) > MaxLines {
		return req, apperr.New(apperr.Invalid, "shop.error.too_many_lines", MaxLines).At("lines")
	}
	req.Override = strings.TrimSpace(req.Override)
	if req.Override != "" {
		if err := actor.Require(access.OverrideShop); err != nil {
			return req, err
		}
		if utf8.RuneCountInString(req.Override) > MaxOverride {
			return req, apperr.New(apperr.Invalid, "shop.error.override_long", MaxOverride).At("override")
		}
	}
	var out []Line
	at := map[int64]int{}
	for i, l := range req.Lines {
		if l.ProductID <= 0 {
			return req, apperr.New(apperr.Invalid, "shop.error.not_in_shop").At(fmt.Sprintf("lines[%d].product_id", i))
		}
		if l.Quantity < 1 || l.Quantity > stock.MaxItems {
			return req, apperr.New(apperr.Invalid, "shop.error.quantity", stock.MaxItems).At(fmt.Sprintf("lines[%d].quantity", i))
		}
		if j, ok := at[l.ProductID]; ok {
			out[j].Quantity += l.Quantity
			continue
		}
		at[l.ProductID] = len(out)
		out = append(out, l)
	}
	req.Lines = out
	return req, nil
}

// CheckoutTx checks a checkout against the base's rules and the shop's
// stock and, when both allow it, takes the items out of the boxes in shop
// locations (stock.TakeItemsTx: the boxes' own events and totals) and writes
// the checkout and its shop.checkout event, all in tx. A rule it breaks
// refuses it (409, naming the rule and the day it allows again) unless the
// request carries a coordinator's override reason; more than the shop
// holds, a product the shop does not hold or a quantity below one is a 400;
// nothing is taken.
func CheckoutTx(ctx context.Context, tx *db.Tx, actor access.Actor, card Card, req Request, madeAt time.Time, commandID string) (Receipt, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Receipt{}, err
	}
	req, err := req.clean(actor)
	if err != nil {
		return Receipt{}, err
	}
	// The card's use first: people.Touch locks its row, so two shops
	// checking out one card at once take turns and the second counts the
	// first's checkout against the rules.
	secret, err := people.Touch(ctx, tx, actor, card.ID, tx.Now)
	if err != nil {
		return Receipt{}, err
	}
	held, err := stock.HeldAt(ctx, tx, actor, place.LocationShop)
	if err != nil {
		return Receipt{}, err
	}
	inShop := make(map[int64]stock.Held, len(held))
	for _, h := range held {
		inShop[h.ProductID] = h
	}
	category := map[int64]int64{}
	for i, l := range req.Lines {
		h, ok := inShop[l.ProductID]
		if !ok {
			return Receipt{}, apperr.New(apperr.Invalid, "shop.error.not_in_shop").At(fmt.Sprintf("lines[%d].product_id", i))
		}
		if l.Quantity > h.Items {
			return Receipt{}, apperr.New(apperr.Invalid, "shop.error.short", h.Items).At(fmt.Sprintf("lines[%d].quantity", i))
		}
		category[l.ProductID] = h.CategoryID
	}
	loc, err := baseLocation(ctx, tx, actor)
	if err != nil {
		return Receipt{}, err
	}
	now := tx.Now
	rules, err := rulesOf(ctx, tx, actor, true)
	if err != nil {
		return Receipt{}, err
	}
	uses, err := usesOf(ctx, tx, actor, card.ID, now.Add(-days(longest(rules))))
	if err != nil {
		return Receipt{}, err
	}
	household := max(card.Household, 1)
	var overridden []int64
	for _, r := range rules {
		var want int64
		for _, l := range req.Lines {
			if r.Covers(l.ProductID, category[l.ProductID]) {
				want += l.Quantity
			}
		}
		if want == 0 {
			continue
		}
		again, ok := openAt(r, r.Limit(household), inWindow(r, uses, now), want, now)
		if ok && !again.After(now) {
			continue
		}
		if req.Override == "" {
			return Receipt{}, refusedError(r, again, loc)
		}
		overridden = append(overridden, r.ID)
	}

	var lines []TakenLine
	for _, l := range req.Lines {
		boxes, err := stock.BoxesHeldAt(ctx, tx, actor, place.LocationShop, l.ProductID)
		if err != nil {
			return Receipt{}, err
		}
		left := l.Quantity
		for _, b := range boxes {
			if left == 0 {
				break
			}
			n := min(left, b.Items)
			after, err := stock.TakeItemsTx(ctx, tx, actor, b.Code, n)
			if err != nil {
				return Receipt{}, err
			}
			lines = append(lines, TakenLine{ProductID: l.ProductID, CategoryID: category[l.ProductID], BoxID: after.ID, Box: after.Code, Quantity: n})
			left -= n
		}
		if left > 0 { // the boxes changed since HeldAt: refuse as short
			return Receipt{}, apperr.New(apperr.Invalid, "shop.error.short", l.Quantity-left).At("lines")
		}
	}

	week := Week(now, loc)
	var seen int
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM shop_checkouts WHERE org_id = ? AND base_id = ? AND card_id = ? AND week = ?`,
		actor.OrgID, actor.BaseID, card.ID, week).Scan(&seen)
	if err != nil {
		return Receipt{}, fmt.Errorf("shop checkout: %w", err)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO shop_checkouts (org_id, base_id, card_id, week, first_in_week, overridden, override_reason, command_id, made_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, card.ID, week, seen == 0, len(overridden) > 0, req.Override,
		commandID, db.Micros(madeAt), actor.UserID, db.Micros(now))
	if err != nil {
		return Receipt{}, fmt.Errorf("shop checkout: %w", err)
	}
	for _, l := range lines {
		if _, err := tx.Exec(ctx, `INSERT INTO shop_checkout_lines (checkout_id, org_id, base_id, card_id, product_id, category_id, box_id, quantity, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, actor.OrgID, actor.BaseID, card.ID, l.ProductID, l.CategoryID, l.BoxID, l.Quantity, db.Micros(now)); err != nil {
			return Receipt{}, fmt.Errorf("shop checkout line: %w", err)
		}
	}
	if _, err := ledger.Append(ctx, tx, actor, "shop_checkout", id, CheckedOut{Commitment: commitment(secret, id), Week: week, FirstInWeek: seen == 0,
		Overridden: overridden, CommandID: commandID, MadeAt: db.Micros(madeAt), Lines: lines}); err != nil {
		return Receipt{}, err
	}
	// What the card may take after: the rules and uses read above, and the
	// lines just taken, at now as stored (so every rule's window counts them).
	at := db.FromMicros(db.Micros(now))
	for _, l := range lines {
		uses = append(uses, use{productID: l.ProductID, categoryID: l.CategoryID, qty: l.Quantity, at: at})
	}
	ent := entitlementOf(card.ID, household, rules, uses, now)
	return Receipt{ID: id, CardID: card.ID, Lines: lines, Overridden: overridden, Entitlement: ent}, nil
}

// RecordRefusal counts a refusal of a rule in the week, in its own
// transaction (the refused checkout's was rolled back): the anonymous
// "rules that refused most".
func RecordRefusal(ctx context.Context, d *db.DB, actor access.Actor, ruleID int64) error {
	if err := require(actor, access.UseShop); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error { return RecordRefusalTx(ctx, tx, actor, ruleID) })
}

// RecordRefusalTx is RecordRefusal in the caller's transaction.
func RecordRefusalTx(ctx context.Context, tx *db.Tx, actor access.Actor, ruleID int64) error {
	if err := require(actor, access.UseShop); err != nil {
		return err
	}
	loc, err := baseLocation(ctx, tx, actor)
	if err != nil {
		return err
	}
	week := Week(tx.Now, loc)
	// One statement, so two refusals at once in the same week count two.
	if _, err := tx.Exec(ctx, `INSERT INTO shop_refusals (org_id, base_id, rule_id, week, n) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (org_id, base_id, rule_id, week) DO UPDATE SET n = shop_refusals.n + 1`,
		actor.OrgID, actor.BaseID, ruleID, week); err != nil {
		return fmt.Errorf("shop refusal: %w", err)
	}
	_, err = ledger.Append(ctx, tx, actor, "shop_rule", ruleID, Refused{Week: week})
	return err
}
