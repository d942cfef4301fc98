package shop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/people"
)

// The shop's side of cards: a card is found by its code (internal/people,
// through the HMAC) or, in a command queued on a device, by its id, which
// is all a device keeps; every checkout is a use of the card (people.Touch,
// the retention clock).

// CommandType is the offline checkout: target "card:ID", payload Request.
const CommandType = "shop.checkout"

func init() {
	command.Register(CommandType, applyCommand)
	people.RegisterEraser(people.Eraser{
		Name:   "shop",
		Tables: []string{"shop_checkouts", "shop_checkout_lines"},
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
			out, err = checkoutCard(ctx, tx, actor, cardOf(c), req, tx.Now, "")
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
	payload, err := json.Marshal(req)
	if err != nil {
		return Receipt{}, fmt.Errorf("shop checkout command: %w", err)
	}
	cmd := command.Command{ID: sent.CommandID, Type: CommandType, Target: command.Target("card", c.ID), Payload: payload, MadeAt: sent.MadeAt}
	var rec Receipt
	o, err := command.Once(ctx, tx, actor, cmd, func() (any, error) {
		var err error
		rec, err = checkoutCard(ctx, tx, actor, c, req, sent.MadeAt, strings.ToLower(sent.CommandID))
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

// checkoutCard records the card's use first: people.Touch locks the card's
// row (FOR UPDATE on PostgreSQL), so two shops checking out one card at the
// same moment take turns and the second counts the first's checkout
// against the rules. SQLite has one writer anyway.
func checkoutCard(ctx context.Context, tx *db.Tx, actor access.Actor, c Card, req Request, madeAt time.Time, commandID string) (Receipt, error) {
	if err := people.Touch(ctx, tx, c.ID, tx.Now); err != nil {
		return Receipt{}, err
	}
	return CheckoutTx(ctx, tx, actor, c, req, madeAt, commandID)
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
	id, err := command.ParseTarget(cmd.Target, "card")
	if err != nil {
		return nil, err
	}
	var req Request
	if err := json.Unmarshal(cmd.Payload, &req); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "shop.error.payload").At("payload")
	}
	pc, err := people.Get(ctx, tx, actor, id)
	if err != nil {
		return nil, err
	}
	r, err := checkoutCard(ctx, tx, actor, cardOf(pc), req, cmd.MadeAt, cmd.ID)
	if err != nil {
		return nil, err
	}
	return commandResult{CheckoutID: r.ID}, nil
}

// eraseCard detaches a card's checkouts from it when the card is erased:
// what was taken stays, as anonymous counts per product and week.
func eraseCard(ctx context.Context, tx *db.Tx, c people.Card) (people.Coverage, error) {
	res, err := tx.Exec(ctx, `UPDATE shop_checkouts SET card_id = 0, override_reason = '' WHERE org_id = ? AND base_id = ? AND card_id = ?`, c.OrgID, c.BaseID, c.ID)
	if err != nil {
		return people.Coverage{}, fmt.Errorf("shop erase card: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.Exec(ctx, `UPDATE shop_checkout_lines SET card_id = 0 WHERE org_id = ? AND base_id = ? AND card_id = ?`, c.OrgID, c.BaseID, c.ID); err != nil {
		return people.Coverage{}, fmt.Errorf("shop erase card: %w", err)
	}
	return people.Coverage{
		Anonymised: []people.CoverageLine{{What: "shop_checkouts", Count: n}},
		Aggregate:  []people.CoverageLine{{What: "shop_weekly"}},
	}, nil
}
