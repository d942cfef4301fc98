package stock

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
)

// BoxTx reads a box of the actor's base by code inside another domain's
// transaction, locking it on PostgreSQL, so that the caller can decide
// before it changes the box with SetStateTx in the same transaction.
func BoxTx(ctx context.Context, tx *db.Tx, actor access.Actor, code string) (Box, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return Box{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Box{}, err
	}
	return boxForUpdate(ctx, tx, actor, c)
}

// SetStateTx changes one box's state inside another domain's transaction
// (a distribution round reserving, handing out or returning a box), with the
// same checks, ledger event and totals as SetState. Staying in the same
// state changes nothing. It returns the box after the change.
func SetStateTx(ctx context.Context, tx *db.Tx, actor access.Actor, code string, state State) (Box, error) {
	if err := actor.Require(access.MoveStock); err != nil {
		return Box{}, err
	}
	b, err := BoxTx(ctx, tx, actor, code)
	if err != nil {
		return Box{}, err
	}
	return applyChange(ctx, tx, actor, b, Change{Version: b.Version, State: &state})
}

// TakeItemsTx takes n items out of a box in stock inside another domain's
// transaction (the free shop's checkout), with the same ledger event and
// totals as an edit of the box's items. A box that holds fewer than n, or
// that is not in stock, is refused and nothing changes.
func TakeItemsTx(ctx context.Context, tx *db.Tx, actor access.Actor, code string, n int64) (Box, error) {
	if err := actor.Require(access.UseShop); err != nil {
		return Box{}, err
	}
	if n <= 0 || n > MaxItems {
		return Box{}, apperr.New(apperr.Invalid, "stock.error.items_range", MaxItems).At("quantity")
	}
	b, err := BoxTx(ctx, tx, actor, code)
	if err != nil {
		return Box{}, err
	}
	if b.State != InStock {
		return Box{}, apperr.New(apperr.Invalid, "stock.error.take_not_in_stock").At("quantity")
	}
	if b.Items < n {
		return Box{}, apperr.New(apperr.Invalid, "stock.error.take_short", b.Items).At("quantity")
	}
	left := b.Items - n
	return applyChange(ctx, tx, actor, b, Change{Version: b.Version, Items: &left})
}

// Held is how many items of a product the boxes in stock at a kind of
// location hold (the free shop's shelves: place.LocationShop).
type Held struct {
	ProductID  int64
	Name       string
	Standard   bool
	CategoryID int64
	Category   string
	Items      int64
}

// HeldAt lists the products in stock at the base's live locations of a kind,
// with the items their boxes hold, by product name. It reads the stock
// totals, not the boxes, so it costs the same in a warehouse of 100,000.
func HeldAt(ctx context.Context, q db.Queryer, actor access.Actor, kind string) ([]Held, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT p.id, p.name, p.base_id IS NULL, p.category_id, c.name, SUM(t.items)
		FROM stock_totals t JOIN locations l ON l.id = t.location_id JOIN products p ON p.id = t.product_id JOIN categories c ON c.id = p.category_id
		WHERE t.org_id = ? AND t.base_id = ? AND t.state = ? AND t.items > 0 AND l.kind = ? AND NOT l.archived
		GROUP BY p.id, p.name, p.base_id, p.category_id, c.name ORDER BY p.name, p.id`,
		actor.OrgID, actor.BaseID, string(InStock), kind)
	if err != nil {
		return nil, fmt.Errorf("stock held at %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Held
	for rows.Next() {
		var h Held
		if err := rows.Scan(&h.ProductID, &h.Name, &h.Standard, &h.CategoryID, &h.Category, &h.Items); err != nil {
			return nil, fmt.Errorf("stock held at %s: %w", kind, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// BoxesHeldAt lists the codes and items of the boxes of a product in stock
// at the base's live locations of a kind, fullest last, so that a checkout
// empties the nearly empty boxes first.
func BoxesHeldAt(ctx context.Context, tx *db.Tx, actor access.Actor, kind string, productID int64) ([]Box, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT b.code, b.items FROM boxes b JOIN locations l ON l.id = b.location_id
		WHERE b.org_id = ? AND b.base_id = ? AND b.product_id = ? AND b.state = ? AND b.items > 0 AND l.kind = ? AND NOT l.archived
		ORDER BY b.items, b.id`, actor.OrgID, actor.BaseID, productID, string(InStock), kind)
	if err != nil {
		return nil, fmt.Errorf("stock boxes at %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Box
	for rows.Next() {
		var b Box
		if err := rows.Scan(&b.Code, &b.Items); err != nil {
			return nil, fmt.Errorf("stock boxes at %s: %w", kind, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
