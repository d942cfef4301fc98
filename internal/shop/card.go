package shop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/people"
)

// The shop's side of cards: a card is found by its code (internal/people,
// through the HMAC) or, in a command queued on a device, by a card
// reference (people.CardRef: the card's id sealed with a fresh nonce), which
// is all a device keeps; every checkout is a use of the card (people.Touch,
// the retention clock).

// CommandType is the offline checkout: target "shop", payload
// commandPayload (the card reference, the lines, an override). The older
// form, target "card:ID" with the lines and override, still applies, but
// names the card in the commands table and the ledger.
const CommandType = "shop.checkout"

// CommandTarget is the target of the offline checkout.
const CommandTarget = "shop"

// commandPayload is what an offline checkout carries.
type commandPayload struct {
	Card     string `json:"card,omitempty"`
	Lines    []Line `json:"lines"`
	Override string `json:"override,omitempty"`
}

func init() {
	command.Register(CommandType, applyCommand)
	people.RegisterEraser(people.Eraser{
		Name:   "shop",
		Tables: []string{"shop_checkouts", "shop_checkout_lines", "shop_weeks", "shop_week_items", "review_items"},
		Erase:  eraseCard,
	})
}

func cardOf(c people.Card) Card { return Card{ID: c.ID, Household: int64(c.HouseholdSize)} }

// ForCode is what the card a code names may take now: GET
// /api/v1/cards/{code} and the shop screen after a scan.
func ForCode(ctx context.Context, d *db.DB, actor access.Actor, code string) (Entitlement, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Entitlement{}, err
	}
	var out Entitlement
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := people.Find(ctx, tx, actor, code)
		if err != nil {
			return err
		}
		out, err = entitlement(ctx, tx, actor, c.ID, int64(c.HouseholdSize), tx.Now)
		return err
	})
	return out, err
}

// ForCard is ForCode for a card known by id (a shop screen after its
// checkout, which keeps no code).
func ForCard(ctx context.Context, d *db.DB, actor access.Actor, cardID int64) (Entitlement, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Entitlement{}, err
	}
	c, err := people.Get(ctx, d, actor, cardID)
	if err != nil {
		return Entitlement{}, err
	}
	return entitlement(ctx, d, actor, c.ID, int64(c.HouseholdSize), d.Clock.Now())
}

// Sent is what a device adds to a checkout it sends online: the id and
// clock of the command it would queue if the answer were lost (shop.js
// makes both before it posts). With an id, the checkout applies at most
// once whichever way it comes: a resend, online or through the queue,
// answers the first checkout again and takes nothing.
type Sent struct {
	CommandID string
	MadeAt    time.Time
	// CardRef is the card reference the queued command would carry (the
	// shop screen's); empty, the command would be the older form that
	// names the card's id.
	CardRef string
}

// Checkout checks out for the card a code names (POST /api/v1/checkouts
// and the shop screen). A refusal by a rule is counted for the reports.
// With sent's command id, a checkout already made under that id is answered
// again (Receipt.Repeat), and nothing is taken.
func Checkout(ctx context.Context, d *db.DB, actor access.Actor, code string, req Request, sent Sent) (Receipt, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Receipt{}, err
	}
	var out Receipt
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := people.Find(ctx, tx, actor, code)
		if err != nil {
			return err
		}
		if sent.CommandID == "" {
			out, err = CheckoutTx(ctx, tx, actor, cardOf(c), req, tx.Now, "")
			return err
		}
		out, err = checkoutOnce(ctx, tx, actor, cardOf(c), req, sent)
		return err
	})
	if r, ok := RefusalOf(err); ok {
		if rerr := RecordRefusal(ctx, d, actor, r.Rule.ID); rerr != nil {
			return Receipt{}, rerr
		}
	}
	return out, err
}

// commandResult is what a checkout command answers, online or queued.
type commandResult struct {
	CheckoutID int64 `json:"checkout_id"`
}

// checkoutOnce is an online checkout under the id of the command the
// device would queue: the same command (type, target, payload, clock) as
// shop.js queues, so that the queue sending it again after a lost answer
// finds it applied (command.Once).
func checkoutOnce(ctx context.Context, tx *db.Tx, actor access.Actor, c Card, req Request, sent Sent) (Receipt, error) {
	req.Override = strings.TrimSpace(req.Override)
	target := command.Target("card", c.ID)
	if sent.CardRef != "" {
		id, err := people.OpenCardRef(actor, sent.CardRef)
		if err != nil || id != c.ID {
			return Receipt{}, apperr.New(apperr.Invalid, "shop.error.card_ref").At("card_ref")
		}
		target = CommandTarget
	}
	payload, err := json.Marshal(commandPayload{Card: sent.CardRef, Lines: req.Lines, Override: req.Override})
	if err != nil {
		return Receipt{}, fmt.Errorf("shop checkout command: %w", err)
	}
	cmd := command.Command{ID: sent.CommandID, Type: CommandType, Target: target, Payload: payload, MadeAt: sent.MadeAt}
	var rec Receipt
	o, err := command.Once(ctx, tx, actor, cmd, func() (any, error) {
		var err error
		rec, err = CheckoutTx(ctx, tx, actor, c, req, sent.MadeAt, strings.ToLower(sent.CommandID))
		return commandResult{CheckoutID: rec.ID}, err
	})
	if err != nil {
		return Receipt{}, err
	}
	switch o.Status {
	case command.Applied:
		return rec, nil
	case command.AlreadyApplied:
		var res commandResult
		if err := json.Unmarshal(o.Result, &res); err != nil || res.CheckoutID == 0 {
			return Receipt{}, fmt.Errorf("shop checkout command %s: result %s", cmd.ID, o.Result)
		}
		return receiptOf(ctx, tx, actor, c, res.CheckoutID)
	case command.Conflict:
		return Receipt{}, apperr.New(apperr.Conflict, "shop.error.command_reused").At("command_id")
	default: // sent before and kept for review: nothing taken now
		return Receipt{}, apperr.New(apperr.Conflict, "shop.error.in_review").At("lines")
	}
}

// receiptOf is the receipt of a checkout made before, answered again, with
// what the card may take now.
func receiptOf(ctx context.Context, tx *db.Tx, actor access.Actor, c Card, id int64) (Receipt, error) {
	rec := Receipt{ID: id, CardID: c.ID, Repeat: true}
	rows, err := tx.Query(ctx, `SELECT l.product_id, l.category_id, l.box_id, b.code, l.quantity FROM shop_checkout_lines l JOIN boxes b ON b.id = l.box_id
		WHERE l.checkout_id = ? AND l.org_id = ? AND l.base_id = ? ORDER BY l.id`, id, actor.OrgID, actor.BaseID)
	if err != nil {
		return Receipt{}, fmt.Errorf("shop receipt: %w", err)
	}
	for rows.Next() {
		var l TakenLine
		if err := rows.Scan(&l.ProductID, &l.CategoryID, &l.BoxID, &l.Box, &l.Quantity); err != nil {
			rows.Close()
			return Receipt{}, fmt.Errorf("shop receipt: %w", err)
		}
		rec.Lines = append(rec.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Receipt{}, fmt.Errorf("shop receipt: %w", err)
	}
	rec.Entitlement, err = entitlement(ctx, tx, actor, c.ID, c.Household, tx.Now)
	return rec, err
}

// applyCommand is the offline checkout's handler: a card an erased or
// unknown id names, or a checkout a rule refuses now (two shops served one
// card while the network was away), cannot apply and becomes a review item;
// a coordinator applies it anyway by adding an override reason to its
// payload, or dismisses it.
func applyCommand(ctx context.Context, tx *db.Tx, actor access.Actor, cmd command.Command) (any, error) {
	if err := require(actor, access.UseShop); err != nil {
		return nil, err
	}
	var p commandPayload
	if err := json.Unmarshal(cmd.Payload, &p); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "shop.error.payload").At("payload")
	}
	var id int64
	var err error
	if cmd.Target == CommandTarget {
		id, err = people.OpenCardRef(actor, p.Card)
	} else {
		id, err = command.ParseTarget(cmd.Target, "card")
	}
	if err != nil {
		return nil, err
	}
	req := Request{Lines: p.Lines, Override: p.Override}
	pc, err := people.Get(ctx, tx, actor, id)
	if err != nil {
		return nil, err
	}
	r, err := CheckoutTx(ctx, tx, actor, cardOf(pc), req, cmd.MadeAt, cmd.ID)
	if err != nil {
		return nil, err
	}
	return commandResult{CheckoutID: r.ID}, nil
}

// eraseCard folds a card's checkouts into the weekly aggregates when the
// card is erased, and deletes them: what stays is how many items of each
// product were taken each week, and how many checkouts and cards each week
// counted, with no row per checkout, no time finer than the week and no
// link between the card's checkouts. Rows an earlier erasure left with
// card id 0 are folded the same way.
func eraseCard(ctx context.Context, tx *db.Tx, c people.Card) (people.Coverage, error) {
	fail := func(err error) (people.Coverage, error) {
		return people.Coverage{}, fmt.Errorf("shop erase card: %w", err)
	}
	type weekKey struct {
		week    string
		product int64
	}
	weeks := map[string][2]int64{}  // checkouts, cards
	items := map[weekKey][2]int64{} // category, items
	err := eachRow(ctx, tx, "erase", `SELECT week, first_in_week FROM shop_checkouts WHERE org_id = ? AND base_id = ? AND card_id IN (?, 0)`,
		[]any{c.OrgID, c.BaseID, c.ID}, func(scan func(...any) error) error {
			var w string
			var first bool
			if err := scan(&w, &first); err != nil {
				return err
			}
			n := weeks[w]
			n[0]++
			if first {
				n[1]++
			}
			weeks[w] = n
			return nil
		})
	if err != nil {
		return fail(err)
	}
	err = eachRow(ctx, tx, "erase", `SELECT k.week, l.product_id, l.category_id, l.quantity FROM shop_checkout_lines l JOIN shop_checkouts k ON k.id = l.checkout_id
		WHERE k.org_id = ? AND k.base_id = ? AND k.card_id IN (?, 0)`, []any{c.OrgID, c.BaseID, c.ID}, func(scan func(...any) error) error {
		var k weekKey
		var cat, n int64
		if err := scan(&k.week, &k.product, &cat, &n); err != nil {
			return err
		}
		v := items[k]
		v[0], v[1] = cat, v[1]+n
		items[k] = v
		return nil
	})
	if err != nil {
		return fail(err)
	}
	for w, n := range weeks {
		if _, err := tx.Exec(ctx, `INSERT INTO shop_weeks (org_id, base_id, week, checkouts, cards) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, base_id, week) DO UPDATE SET checkouts = shop_weeks.checkouts + excluded.checkouts, cards = shop_weeks.cards + excluded.cards`,
			c.OrgID, c.BaseID, w, n[0], n[1]); err != nil {
			return fail(err)
		}
	}
	for k, v := range items {
		if _, err := tx.Exec(ctx, `INSERT INTO shop_week_items (org_id, base_id, week, product_id, category_id, items) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, base_id, week, product_id) DO UPDATE SET items = shop_week_items.items + excluded.items`,
			c.OrgID, c.BaseID, k.week, k.product, v[0], v[1]); err != nil {
			return fail(err)
		}
	}
	res, err := tx.Exec(ctx, `DELETE FROM shop_checkout_lines WHERE checkout_id IN
		(SELECT id FROM shop_checkouts WHERE org_id = ? AND base_id = ? AND card_id IN (?, 0))`, c.OrgID, c.BaseID, c.ID)
	if err != nil {
		return fail(err)
	}
	lines, _ := res.RowsAffected()
	res, err = tx.Exec(ctx, `DELETE FROM shop_checkouts WHERE org_id = ? AND base_id = ? AND card_id IN (?, 0)`, c.OrgID, c.BaseID, c.ID)
	if err != nil {
		return fail(err)
	}
	n, _ := res.RowsAffected()
	return people.Coverage{
		Deleted:   []people.CoverageLine{{What: "shop_checkouts", Count: n}, {What: "shop_checkout_lines", Count: lines}},
		Aggregate: []people.CoverageLine{{What: "shop_weekly"}},
	}, nil
}

// HistoryCheckout is one checkout of a card, as its holder's export shows
// it: when, and how many of which product.
type HistoryCheckout struct {
	At    time.Time     `json:"at"`
	Lines []HistoryLine `json:"lines"`
}

// HistoryLine is a product and how many items a checkout took of it.
type HistoryLine struct {
	Product  string `json:"product"`
	Quantity int64  `json:"quantity"`
}

// History lists a card's checkouts, oldest first, for the export of what
// abri holds on a card (people.ExportTx, which checks the actor and the
// card): only while the card lives are its checkouts linked to it.
func History(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64, lang string) ([]HistoryCheckout, error) {
	if err := actor.Require(access.ExportCard); err != nil {
		return nil, apperr.ErrNotFound()
	}
	out := []HistoryCheckout{}
	at := map[int64]int{}
	err := eachRow(ctx, tx, "history", `SELECT k.id, k.created_at, p.name, p.base_id IS NULL, l.quantity
		FROM shop_checkouts k JOIN shop_checkout_lines l ON l.checkout_id = k.id JOIN products p ON p.id = l.product_id
		WHERE k.org_id = ? AND k.base_id = ? AND k.card_id = ? ORDER BY k.created_at, k.id, l.id`, []any{actor.OrgID, actor.BaseID, cardID},
		func(scan func(...any) error) error {
			var id, when, qty int64
			var name string
			var standard bool
			if err := scan(&id, &when, &name, &standard, &qty); err != nil {
				return err
			}
			i, ok := at[id]
			if !ok {
				i = len(out)
				at[id] = i
				out = append(out, HistoryCheckout{At: db.FromMicros(when)})
			}
			out[i].Lines = append(out[i].Lines, HistoryLine{Product: catalog.ProductName(lang, name, standard), Quantity: qty})
			return nil
		})
	return out, err
}
