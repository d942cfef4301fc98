package shop

import (
	"context"
	"encoding/json"
	"fmt"
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

// Checkout checks out for the card a code names (POST /api/v1/checkouts
// and the shop screen). A refusal by a rule is counted for the reports.
func Checkout(ctx context.Context, d *db.DB, actor access.Actor, code string, req Request) (Receipt, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Receipt{}, err
	}
	var out Receipt
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := people.Find(ctx, tx, actor, code)
		if err != nil {
			return err
		}
		out, err = checkoutCard(ctx, tx, actor, cardOf(c), req, tx.Now, "")
		return err
	})
	if r, ok := RefusalOf(err); ok {
		if rerr := RecordRefusal(ctx, d, actor, r.Rule.ID); rerr != nil {
			return Receipt{}, rerr
		}
	}
	return out, err
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
	return map[string]any{"checkout_id": r.ID}, nil
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
