package distribution

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/stock"
)

// Line is one product of a round: planned, packed, handed out, returned
// and lost, in items.
type Line struct {
	ProductID     int64
	ProductName   string
	Standard      bool // a standard product, whose name is translated
	Gender        string
	CategoryID    int64
	CategoryName  string
	Planned       int64
	Boxes         int64 // boxes packed
	Packed        int64 // items in the boxes packed
	HandedOut     int64 // tallied, undos taken off
	ReturnedBoxes int64 // items in the boxes scanned back
	ReturnedCount int64 // loose items counted back
	Lost          int64
}

// Returned is everything that came back of the line.
func (l Line) Returned() int64 { return l.ReturnedBoxes + l.ReturnedCount }

// Unaccounted is what went out and is neither handed out, returned nor
// marked lost; a round closes only when no line has any.
func (l Line) Unaccounted() int64 {
	n := l.Packed - l.HandedOut - l.Returned() - l.Lost
	if n < 0 {
		return 0
	}
	return n
}

// Name is the product's name in a language.
func (l Line) Name(lang string) string {
	return catalog.ProductDisplayName(lang, l.ProductName, l.Gender, l.Standard)
}

// readLines reads a round's lines, by category and name.
func readLines(ctx context.Context, q db.Queryer, roundID int64) ([]Line, error) {
	rows, err := q.Query(ctx, `SELECT l.product_id, p.name, p.base_id IS NULL, p.gender, p.category_id, c.name, l.planned, l.returned
		FROM round_lines l JOIN products p ON p.id = l.product_id JOIN categories c ON c.id = p.category_id
		WHERE l.round_id = ? ORDER BY c.name, p.name, p.gender, p.id`, roundID)
	if err != nil {
		return nil, fmt.Errorf("round lines: %w", err)
	}
	var ls []Line
	at := map[int64]int{}
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.ProductID, &l.ProductName, &l.Standard, &l.Gender, &l.CategoryID, &l.CategoryName, &l.Planned, &l.ReturnedCount); err != nil {
			rows.Close()
			return nil, fmt.Errorf("round lines: %w", err)
		}
		at[l.ProductID] = len(ls)
		ls = append(ls, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("round lines: %w", err)
	}
	sum := func(q2 string, each func(l *Line, a, b, c, d int64)) error {
		return eachRow(ctx, q, q2, []any{roundID}, func(scan func(...any) error) error {
			var p, a, b, c, d int64
			if err := scan(&p, &a, &b, &c, &d); err != nil {
				return err
			}
			if i, ok := at[p]; ok {
				each(&ls[i], a, b, c, d)
			}
			return nil
		})
	}
	if err := sum(`SELECT product_id, COUNT(*), SUM(items), SUM(CASE WHEN returned THEN items ELSE 0 END), 0
		FROM round_boxes WHERE round_id = ? GROUP BY product_id`, func(l *Line, n, items, ret, _ int64) {
		l.Boxes, l.Packed, l.ReturnedBoxes = n, items, ret
	}); err != nil {
		return nil, err
	}
	if err := sum(`SELECT product_id, SUM(quantity), 0, 0, 0 FROM round_tallies WHERE round_id = ? AND kind = 'handout' AND NOT undone
		GROUP BY product_id`, func(l *Line, n, _, _, _ int64) { l.HandedOut = n }); err != nil {
		return nil, err
	}
	if err := sum(`SELECT product_id, SUM(quantity), 0, 0, 0 FROM round_losses WHERE round_id = ? GROUP BY product_id`,
		func(l *Line, n, _, _, _ int64) { l.Lost = n }); err != nil {
		return nil, err
	}
	return ls, nil
}

func eachRow(ctx context.Context, q db.Queryer, query string, args []any, each func(scan func(...any) error) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read round: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return fmt.Errorf("read round: %w", err)
		}
	}
	return rows.Err()
}

// Lines returns a round's packing list with what became of each line.
func (s *Service) Lines(ctx context.Context, actor access.Actor, roundID int64) ([]Line, error) {
	if _, err := s.Round(ctx, actor, roundID); err != nil {
		return nil, err
	}
	return readLines(ctx, s.DB, roundID)
}

// hasLine tells whether a product is on the round.
func hasLine(ctx context.Context, q db.Queryer, roundID, productID int64) (bool, error) {
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM round_lines WHERE round_id = ? AND product_id = ?", roundID, productID).Scan(&one)
	if db.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("round line: %w", err)
	}
	return true, nil
}

// setLine sets a product's planned quantity on a locked round; 0 takes it
// off the list unless boxes of it are packed.
func setLine(ctx context.Context, tx *db.Tx, actor access.Actor, r Round, l LineInput) error {
	if err := l.check(); err != nil {
		return err
	}
	if !r.TakesStock() {
		return apperr.New(apperr.Invalid, "distribution.error.meals_no_stock").At("product")
	}
	if _, err := catalog.GetProduct(ctx, tx, actor, l.ProductID); apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Invalid, "distribution.error.product_unknown").At("product")
	} else if err != nil {
		return err
	}
	var packed int64
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM round_boxes WHERE round_id = ? AND product_id = ?", r.ID, l.ProductID).Scan(&packed); err != nil {
		return fmt.Errorf("set line: %w", err)
	}
	var err error
	if l.Planned == 0 && packed == 0 {
		_, err = tx.Exec(ctx, "DELETE FROM round_lines WHERE round_id = ? AND product_id = ?", r.ID, l.ProductID)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO round_lines (round_id, product_id, org_id, planned) VALUES (?, ?, ?, ?)
			ON CONFLICT (round_id, product_id) DO UPDATE SET planned = excluded.planned`, r.ID, l.ProductID, actor.OrgID, l.Planned)
	}
	if err != nil {
		return fmt.Errorf("set line: %w", err)
	}
	_, err = ledger.Append(ctx, tx, actor, "round", r.ID, RoundLineSet{ProductID: l.ProductID, Planned: l.Planned})
	return err
}

// SetLine sets how many of a product a round takes, while it is planned or
// packing.
func (s *Service) SetLine(ctx context.Context, actor access.Actor, roundID int64, l LineInput) (Round, error) {
	return s.change(ctx, actor, access.PlanRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Editable() {
			return wrongState(*r)
		}
		return setLine(ctx, tx, actor, *r, l)
	})
}

// Packed is what scanning a box into or out of a round did: the box, and
// whether it changed anything (scanning a box twice is no change).
type Packed struct {
	Box     stock.Box
	Changed bool
}

// roundBox reads whether a box is in a round, and whether it came back.
func roundBox(ctx context.Context, q db.Queryer, roundID, boxID int64) (in, returned bool, err error) {
	err = q.QueryRow(ctx, "SELECT returned FROM round_boxes WHERE round_id = ? AND box_id = ?", roundID, boxID).Scan(&returned)
	if db.IsNoRows(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("round box: %w", err)
	}
	return true, returned, nil
}

// packedIn reads a box packed into a round, and whether it came back; a
// box not in the round is refused at the code.
func packedIn(ctx context.Context, tx *db.Tx, actor access.Actor, roundID int64, code string) (stock.Box, bool, error) {
	b, err := stock.BoxTx(ctx, tx, actor, code)
	if err != nil {
		return b, false, apperr.As(err).At("code")
	}
	in, returned, err := roundBox(ctx, tx, roundID, b.ID)
	if err != nil {
		return b, false, err
	}
	if !in {
		return b, false, apperr.New(apperr.Invalid, "distribution.error.box_not_in_round").At("code")
	}
	return b, returned, nil
}

// PackBox scans a box into a round: the box must be in stock, and is
// reserved for the round; its product joins the packing list if it was not
// on it. A round still planned starts packing.
func (s *Service) PackBox(ctx context.Context, actor access.Actor, roundID int64, code string) (Packed, error) {
	var out Packed
	_, err := s.change(ctx, actor, access.RunRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Editable() {
			return wrongState(*r)
		}
		if !r.TakesStock() {
			return apperr.New(apperr.Invalid, "distribution.error.meals_no_stock").At("code")
		}
		b, err := stock.BoxTx(ctx, tx, actor, code)
		if err != nil {
			return apperr.As(err).At("code")
		}
		in, _, err := roundBox(ctx, tx, r.ID, b.ID)
		if err != nil {
			return err
		}
		if in {
			out = Packed{Box: b}
			return nil
		}
		if b.State != stock.InStock && b.State != stock.Received {
			return apperr.New(apperr.Conflict, "distribution.error.box_not_in_stock").At("code")
		}
		if b, err = stock.SetStateTx(ctx, tx, actor, b.Code, stock.Reserved); err != nil {
			return apperr.As(err).At("code")
		}
		if _, err := tx.Exec(ctx, "INSERT INTO round_boxes (round_id, box_id, org_id, code, product_id, items) VALUES (?, ?, ?, ?, ?, ?)",
			r.ID, b.ID, actor.OrgID, b.Code, b.ProductID, b.Items); err != nil {
			return fmt.Errorf("pack box: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO round_lines (round_id, product_id, org_id, planned) VALUES (?, ?, ?, 0)
			ON CONFLICT (round_id, product_id) DO NOTHING`, r.ID, b.ProductID, actor.OrgID); err != nil {
			return fmt.Errorf("pack box: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundBoxPacked{BoxID: b.ID, Code: b.Code, ProductID: b.ProductID, Items: b.Items}); err != nil {
			return err
		}
		out = Packed{Box: b, Changed: true}
		if r.State == Planned {
			return setState(ctx, tx, actor, r, Packing)
		}
		return nil
	})
	return out, err
}

// UnpackBox takes a box out of a round that has not left; it goes back
// into stock.
func (s *Service) UnpackBox(ctx context.Context, actor access.Actor, roundID int64, code string) (Packed, error) {
	var out Packed
	_, err := s.change(ctx, actor, access.RunRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Editable() {
			return wrongState(*r)
		}
		b, _, err := packedIn(ctx, tx, actor, r.ID, code)
		if err != nil {
			return err
		}
		if b, err = unpack(ctx, tx, actor, r.ID, b.ID, b.Code); err != nil {
			return err
		}
		out = Packed{Box: b, Changed: true}
		return nil
	})
	return out, err
}

func unpack(ctx context.Context, tx *db.Tx, actor access.Actor, roundID, boxID int64, code string) (stock.Box, error) {
	b, err := stock.SetStateTx(ctx, tx, actor, code, stock.InStock)
	if err != nil {
		return b, apperr.As(err).At("code")
	}
	if _, err := tx.Exec(ctx, "DELETE FROM round_boxes WHERE round_id = ? AND box_id = ?", roundID, boxID); err != nil {
		return b, fmt.Errorf("unpack box: %w", err)
	}
	_, err = ledger.Append(ctx, tx, actor, "round", roundID, RoundBoxUnpacked{BoxID: boxID})
	return b, err
}

type packedBox struct {
	id   int64
	code string
}

func boxesWith(ctx context.Context, tx *db.Tx, roundID int64) ([]packedBox, error) {
	var bs []packedBox
	err := eachRow(ctx, tx, "SELECT box_id, code FROM round_boxes WHERE round_id = ? AND NOT returned ORDER BY code", []any{roundID},
		func(scan func(...any) error) error {
			var b packedBox
			if err := scan(&b.id, &b.code); err != nil {
				return err
			}
			bs = append(bs, b)
			return nil
		})
	return bs, err
}

// releaseBoxes puts every box of a cancelled round back into stock.
func releaseBoxes(ctx context.Context, tx *db.Tx, actor access.Actor, roundID int64) error {
	bs, err := boxesWith(ctx, tx, roundID)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if _, err := unpack(ctx, tx, actor, roundID, b.id, b.code); err != nil {
			return err
		}
	}
	return nil
}

// handOutBoxes marks every box that did not come back as handed out.
func handOutBoxes(ctx context.Context, tx *db.Tx, actor access.Actor, roundID int64) error {
	bs, err := boxesWith(ctx, tx, roundID)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if _, err := stock.SetStateTx(ctx, tx, actor, b.code, stock.HandedOut); err != nil {
			return err
		}
	}
	return nil
}

// ReturnBox scans a box back from a round that is out or back: it goes
// back into stock. Scanning it again changes nothing.
func (s *Service) ReturnBox(ctx context.Context, actor access.Actor, roundID int64, code string) (Packed, error) {
	var out Packed
	_, err := s.change(ctx, actor, access.RunRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Tallying() {
			return wrongState(*r)
		}
		b, returned, err := packedIn(ctx, tx, actor, r.ID, code)
		if err != nil {
			return err
		}
		if returned {
			out = Packed{Box: b}
			return nil
		}
		if b, err = stock.SetStateTx(ctx, tx, actor, b.Code, stock.InStock); err != nil {
			return apperr.As(err).At("code")
		}
		if _, err := tx.Exec(ctx, "UPDATE round_boxes SET returned = ? WHERE round_id = ? AND box_id = ?", true, r.ID, b.ID); err != nil {
			return fmt.Errorf("return box: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundBoxReturned{BoxID: b.ID}); err != nil {
			return err
		}
		out = Packed{Box: b, Changed: true}
		return nil
	})
	return out, err
}

func checkQuantity(n int64) error {
	if n <= 0 || n > MaxTally {
		return apperr.New(apperr.Invalid, "distribution.error.quantity", MaxTally).At("quantity")
	}
	return nil
}

func lineOf(ctx context.Context, q db.Queryer, roundID, productID int64) error {
	ok, err := hasLine(ctx, q, roundID, productID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Invalid, "distribution.error.product_not_in_round").At("product")
	}
	return nil
}

// ReturnCount records loose items of a product that came back, counted
// rather than scanned (the warehouse boxes them again).
func (s *Service) ReturnCount(ctx context.Context, actor access.Actor, roundID, productID, quantity int64) (Round, error) {
	if err := checkQuantity(quantity); err != nil {
		return Round{}, err
	}
	return s.change(ctx, actor, access.RunRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Tallying() {
			return wrongState(*r)
		}
		if err := lineOf(ctx, tx, r.ID, productID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE round_lines SET returned = returned + ? WHERE round_id = ? AND product_id = ?", quantity, r.ID, productID); err != nil {
			return fmt.Errorf("return count: %w", err)
		}
		_, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundReturnCounted{ProductID: productID, Quantity: quantity})
		return err
	})
}

// MarkLost records items of a product that did not come back, with a
// reason from LossReasons.
func (s *Service) MarkLost(ctx context.Context, actor access.Actor, roundID, productID, quantity int64, reason string) (Round, error) {
	if err := checkQuantity(quantity); err != nil {
		return Round{}, err
	}
	if !oneOf(reason, LossReasons) {
		return Round{}, apperr.New(apperr.Invalid, "distribution.error.reason_unknown").At("reason")
	}
	return s.change(ctx, actor, access.RunRounds, roundID, func(tx *db.Tx, r *Round) error {
		if !r.Tallying() {
			return wrongState(*r)
		}
		if err := lineOf(ctx, tx, r.ID, productID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO round_losses (round_id, product_id, reason, org_id, quantity) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (round_id, product_id, reason) DO UPDATE SET quantity = round_losses.quantity + excluded.quantity`,
			r.ID, productID, reason, actor.OrgID, quantity); err != nil {
			return fmt.Errorf("mark lost: %w", err)
		}
		_, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundLossMarked{ProductID: productID, Reason: reason, Quantity: quantity})
		return err
	})
}
