// Package stock is the warehouse: boxes with unguessable codes, their states
// and locations, pre-printed labels, donations, the box list and the stock
// overview. A box holds one product in one size (or a measured quantity).
package stock

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// Limits on what a box may hold.
const (
	MaxItems      = 100_000
	MaxComment    = 500
	MaxTags       = 10
	MaxTagLen     = 40
	MaxMeasureMil = 10_000_000 // 10 tonnes (or 10 m³) in grams (or ml)
)

// Box is one box as people see it, with the names it refers to.
type Box struct {
	ID           int64
	Code         string
	ProductID    int64
	ProductName  string
	Standard     bool // the product is from the standard catalogue, whose names are translated
	CategoryID   int64
	CategoryName string
	Gender       string
	Measure      string // the product's measure ("mass", "volume") or "" for counted goods
	SizeRangeID  int64
	Size         string
	MeasureMil   int64 // quantity in thousandths of kg or l
	Items        int64
	LocationID   int64
	LocationName string
	State        State
	ExpiresOn    string // YYYY-MM-DD or ""
	Comment      string
	Tags         []string
	DonationID   int64
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Quantity is the measured quantity in the base unit (kg or l).
func (b Box) Quantity() float64 { return float64(b.MeasureMil) / 1000 }

// BaseUnit is "kg" or "l" for measured goods, "" otherwise.
func (b Box) BaseUnit() string { return catalog.BaseUnit(b.Measure) }

// Service is the warehouse store.
type Service struct{ DB *db.DB }

// New returns the warehouse store.
func New(d *db.DB) *Service { return &Service{DB: d} }

const boxCols = `b.id, b.code, b.product_id, p.name, p.base_id IS NULL, p.category_id, c.name, p.gender, r.measure, p.size_range_id, b.size, b.measure,
	b.items, b.location_id, l.name, b.state, b.expires_on, b.comment, COALESCE(b.donation_id, 0), b.version,
	b.created_at, b.updated_at`

// boxJoins are the tables boxCols reads besides boxes b.
const boxJoins = `
	JOIN products p ON p.id = b.product_id
	JOIN categories c ON c.id = p.category_id
	JOIN size_ranges r ON r.id = p.size_range_id
	JOIN locations l ON l.id = b.location_id`

const boxFrom = ` FROM boxes b` + boxJoins

func scanBox(sc interface{ Scan(...any) error }) (Box, error) {
	var b Box
	var created, updated int64
	err := sc.Scan(&b.ID, &b.Code, &b.ProductID, &b.ProductName, &b.Standard, &b.CategoryID, &b.CategoryName, &b.Gender, &b.Measure,
		&b.SizeRangeID, &b.Size, &b.MeasureMil, &b.Items, &b.LocationID, &b.LocationName, &b.State, &b.ExpiresOn, &b.Comment, &b.DonationID,
		&b.Version, &created, &updated)
	b.CreatedAt, b.UpdatedAt = db.FromMicros(created), db.FromMicros(updated)
	return b, err
}

// NewBox is what a volunteer fills in to make a box.
type NewBox struct {
	Code       string // a pre-printed label's code; "" makes a new one
	ProductID  int64
	Size       string
	Quantity   float64 // for measured goods, in Unit
	Unit       string  // kg, g, l, ml… ("" means the base unit)
	Items      int64
	LocationID int64
	ExpiresOn  string
	Comment    string
	Tags       []string
	DonationID int64
}

// CreateBox makes one box.
func (s *Service) CreateBox(ctx context.Context, actor access.Actor, nb NewBox) (Box, error) {
	bs, err := s.CreateBoxes(ctx, actor, []NewBox{nb})
	if err != nil {
		return Box{}, err
	}
	return bs[0], nil
}

// CreateBoxes makes several boxes in one transaction (sorting mode): all are
// made or none.
func (s *Service) CreateBoxes(ctx context.Context, actor access.Actor, nbs []NewBox) ([]Box, error) {
	return s.createBoxes(ctx, actor, nbs, nil)
}

// createBoxes makes boxes in one transaction; first, when set, runs in that
// transaction before them (Intake records the donation there).
func (s *Service) createBoxes(ctx context.Context, actor access.Actor, nbs []NewBox, first func(*db.Tx) error) ([]Box, error) {
	if err := actor.Require(access.EditStock); err != nil {
		return nil, err
	}
	if len(nbs) == 0 || len(nbs) > 500 {
		return nil, apperr.New(apperr.Invalid, "stock.error.batch_size", 500)
	}
	ids := make([]int64, 0, len(nbs))
	err := s.DB.InTxGroup(ctx, actor.OrgID, func(tx *db.Tx) error {
		if first != nil {
			if err := first(tx); err != nil {
				return err
			}
		}
		seen := newBatch()
		for i, nb := range nbs {
			id, err := createBox(ctx, tx, actor, nb, seen)
			if err != nil {
				if len(nbs) > 1 {
					return RowError(i, err)
				}
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.boxesByID(ctx, s.DB, actor, ids)
}

// RowError names which row of a batch (counted from 0) failed, keeping the
// message: "Box 3: …". Forms with rows of their own use it too; InRow finds
// the row again.
func RowError(i int, err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return &apperr.Error{Code: ae.Code, Key: "stock.error.in_row", Args: []any{i + 1}, Field: ae.Field, Err: &rowError{row: i, err: err}}
	}
	return err
}

// rowError is the cause RowError wraps, so that InRow reads the row from a
// type rather than from a message's arguments.
type rowError struct {
	row int
	err error
}

func (e *rowError) Error() string { return fmt.Sprintf("row %d: %v", e.row, e.err) }
func (e *rowError) Unwrap() error { return e.err }

// InRow tells which row (counted from 0) a RowError names, and the error of
// that row without the row's name.
func InRow(err error) (row int, cause error, ok bool) {
	var re *rowError
	if !errors.As(err, &re) {
		return 0, err, false
	}
	return re.row, re.err, true
}

// batch remembers, within one CreateBoxes transaction, the checks its boxes
// share: a sorting session of 500 boxes of a few products on a few shelves
// reads each product, size range, location, donation and tag once, not 500
// times. Errors are remembered too: the same input fails the same way.
type batch struct {
	products  map[int64]result[catalog.Product]
	contents  map[contentKey]result[content]
	locations map[int64]result[place.Location]
	donations map[int64]error
	tags      map[string]int64
}

type result[T any] struct {
	v   T
	err error
}

type contentKey struct {
	product    int64
	size, unit string
	qty        float64
}

type content struct {
	size    string
	measure int64
}

func newBatch() *batch {
	return &batch{products: map[int64]result[catalog.Product]{}, contents: map[contentKey]result[content]{},
		locations: map[int64]result[place.Location]{}, donations: map[int64]error{}, tags: map[string]int64{}}
}

// remember returns m[k], computing and keeping it the first time.
func remember[K comparable, V any](m map[K]result[V], k K, f func() (V, error)) (V, error) {
	r, ok := m[k]
	if !ok {
		r.v, r.err = f()
		m[k] = r
	}
	return r.v, r.err
}

func createBox(ctx context.Context, tx *db.Tx, actor access.Actor, nb NewBox, seen *batch) (int64, error) {
	p, err := remember(seen.products, nb.ProductID, func() (catalog.Product, error) {
		p, err := catalog.GetProduct(ctx, tx, actor, nb.ProductID)
		if apperr.Is(err, apperr.NotFound) {
			err = apperr.New(apperr.Invalid, "stock.error.product_unknown").At("product")
		}
		return p, err
	})
	if err != nil {
		return 0, err
	}
	c, err := remember(seen.contents, contentKey{p.ID, nb.Size, nb.Unit, nb.Quantity}, func() (content, error) {
		size, measure, err := checkContent(ctx, tx, p, nb.Size, nb.Quantity, nb.Unit)
		return content{size, measure}, err
	})
	if err != nil {
		return 0, err
	}
	size, measure := c.size, c.measure
	if nb.Items < 0 || nb.Items > MaxItems {
		return 0, apperr.New(apperr.Invalid, "stock.error.items_range", MaxItems).At("items")
	}
	loc, err := remember(seen.locations, nb.LocationID, func() (place.Location, error) {
		return liveLocation(ctx, tx, actor, nb.LocationID)
	})
	if err != nil {
		return 0, err
	}
	expires, err := checkDate(nb.ExpiresOn)
	if err != nil {
		return 0, err
	}
	comment, err := checkComment(nb.Comment)
	if err != nil {
		return 0, err
	}
	tags, err := checkTags(nb.Tags)
	if err != nil {
		return 0, err
	}
	if nb.DonationID != 0 {
		err, ok := seen.donations[nb.DonationID]
		if !ok {
			var one int
			err = tx.QueryRow(ctx, "SELECT 1 FROM donations WHERE id = ? AND org_id = ? AND base_id = ?", nb.DonationID, actor.OrgID, actor.BaseID).Scan(&one)
			if db.IsNoRows(err) {
				err = apperr.New(apperr.Invalid, "stock.error.donation_unknown")
			} else if err != nil {
				err = fmt.Errorf("check donation: %w", err)
			}
			seen.donations[nb.DonationID] = err
		}
		if err != nil {
			return 0, err
		}
	}
	code, fromLabel, err := claimCode(ctx, tx, actor, nb.Code)
	if err != nil {
		return 0, err
	}
	var donation any
	if nb.DonationID != 0 {
		donation = nb.DonationID
	}
	state := State(loc.DefaultState)
	// The product's category and gender are copied into the box for the
	// list's filters; a product never changes either.
	id, err := tx.InsertID(ctx, `INSERT INTO boxes (org_id, base_id, code, product_id, category_id, gender, size, measure, items,
		location_id, state, expires_on, comment, donation_id, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		actor.OrgID, actor.BaseID, code, p.ID, p.CategoryID, p.Gender, size, measure, nb.Items, loc.ID, string(state), expires, comment,
		donation, actor.UserID, db.Micros(tx.Now), db.Micros(tx.Now))
	if db.IsUniqueViolation(err) {
		return 0, apperr.New(apperr.Conflict, "stock.error.code_taken").At("code")
	}
	if err != nil {
		return 0, fmt.Errorf("create box: %w", err)
	}
	if fromLabel {
		if _, err := tx.Exec(ctx, "UPDATE label_codes SET box_id = ? WHERE code = ?", id, code); err != nil {
			return 0, fmt.Errorf("create box: use label: %w", err)
		}
	}
	if err := addTags(ctx, tx, actor, id, tags, seen.tags); err != nil {
		return 0, err
	}
	event := BoxCreated{Code: code, ProductID: p.ID, Items: nb.Items, LocationID: loc.ID, State: state,
		Size: size, Measure: measure, ExpiresOn: expires, DonationID: nb.DonationID,
		CommentSet: comment != ""} // the text stays out of the ledger
	if len(tags) > 0 {
		// Tags are typed by people, so the ledger keeps their ids: a tag
		// renamed or erased does not live on in the append-only journal.
		event.TagIDs = make([]int64, len(tags))
		for i, t := range tags {
			event.TagIDs[i] = seen.tags[t]
		}
	}
	if _, err := ledger.Append(ctx, tx, actor, "box", id, event); err != nil {
		return 0, err
	}
	k := totalKey{actor.OrgID, actor.BaseID, p.ID, size, loc.ID, state}
	if err := addTotals(ctx, tx, totalChange{k, 1, nb.Items, measure}); err != nil {
		return 0, err
	}
	return id, nil
}

// claimCode checks or makes the code of a new box. A chosen code must be a
// blank label this base printed, and it is used up. Any other code is refused
// as not printed here, whoever uses it: every query below is scoped to the
// actor's organisation and base, so another organisation's code takes the same
// path, in the same order, and gets the same answer as a code nobody ever
// printed. Answering "already in use" for it would tell a stranger which codes
// another organisation holds.
func claimCode(ctx context.Context, tx *db.Tx, actor access.Actor, raw string) (string, bool, error) {
	if strings.TrimSpace(raw) == "" {
		for i := 0; i < 5; i++ {
			c := NewCode()
			used, err := codeUsed(ctx, tx, c)
			if err != nil {
				return "", false, err
			}
			if !used {
				return c, false, nil
			}
		}
		return "", false, errors.New("create box: no free code after 5 tries")
	}
	code, err := ParseCode(raw)
	if err != nil {
		return "", false, err
	}
	var boxID *int64
	err = tx.QueryRow(ctx, "SELECT box_id FROM label_codes WHERE code = ? AND org_id = ? AND base_id = ?"+tx.ForUpdate(),
		code, actor.OrgID, actor.BaseID).Scan(&boxID)
	switch {
	case db.IsNoRows(err):
		// Not a label of this base. One of the base's own boxes (made with
		// a fresh code) is worth naming, since the base sees that box.
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM boxes WHERE code = ? AND org_id = ? AND base_id = ?", code, actor.OrgID, actor.BaseID).Scan(&one)
		switch {
		case err == nil:
			return "", false, apperr.New(apperr.Conflict, "stock.error.code_taken").At("code")
		case !db.IsNoRows(err):
			return "", false, fmt.Errorf("read box code: %w", err)
		}
		return "", false, apperr.New(apperr.Invalid, "stock.error.code_not_printed").At("code")
	case err != nil:
		return "", false, fmt.Errorf("read label: %w", err)
	case boxID != nil:
		return "", false, apperr.New(apperr.Conflict, "stock.error.code_taken").At("code")
	}
	return code, true, nil
}

func codeUsed(ctx context.Context, q db.Queryer, code string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM boxes WHERE code = ?) + (SELECT COUNT(*) FROM label_codes WHERE code = ?)", code, code).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check code: %w", err)
	}
	return n > 0, nil
}

// checkContent validates the size or the measured quantity against the
// product and returns the size label and the quantity in thousandths.
func checkContent(ctx context.Context, q db.Queryer, p catalog.Product, size string, qty float64, unit string) (string, int64, error) {
	size = strings.TrimSpace(size)
	if p.Measure != "" {
		if size != "" {
			return "", 0, apperr.New(apperr.Invalid, "stock.error.size_for_measured").At("size")
		}
		if math.IsNaN(qty) || math.IsInf(qty, 0) || qty <= 0 {
			return "", 0, apperr.New(apperr.Invalid, "stock.error.quantity_required").At("quantity")
		}
		per := 1.0
		if unit != "" {
			var dim string
			err := q.QueryRow(ctx, "SELECT per_base_unit, dimension FROM units WHERE symbol = ?", unit).Scan(&per, &dim)
			if db.IsNoRows(err) || err == nil && dim != p.Measure {
				return "", 0, apperr.New(apperr.Invalid, "stock.error.unit_unknown").At("unit")
			}
			if err != nil {
				return "", 0, fmt.Errorf("read unit: %w", err)
			}
		}
		mil := math.Round(qty / per * 1000)
		if mil < 1 || mil > MaxMeasureMil {
			return "", 0, apperr.New(apperr.Invalid, "stock.error.quantity_range").At("quantity")
		}
		return "", int64(mil), nil
	}
	if qty != 0 {
		return "", 0, apperr.New(apperr.Invalid, "stock.error.quantity_for_counted").At("quantity")
	}
	var n, has int
	if err := q.QueryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN label = ? THEN 1 ELSE 0 END), 0) FROM sizes WHERE range_id = ?",
		size, p.SizeRangeID).Scan(&n, &has); err != nil {
		return "", 0, fmt.Errorf("read sizes: %w", err)
	}
	switch {
	case n == 0 && size != "":
		return "", 0, apperr.New(apperr.Invalid, "stock.error.size_unknown").At("size")
	case n > 0 && has == 0:
		return "", 0, apperr.New(apperr.Invalid, "stock.error.size_unknown").At("size")
	}
	return size, 0, nil
}

// liveLocation returns a location of the actor's base that is not archived.
// Another base's location is "not found" in the form's terms.
func liveLocation(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (place.Location, error) {
	return live(place.GetLocation(ctx, q, actor, id))
}

// live is liveLocation's rule on a location already read.
func live(loc place.Location, err error) (place.Location, error) {
	if apperr.Is(err, apperr.NotFound) || err == nil && loc.Archived {
		return loc, apperr.New(apperr.Invalid, "stock.error.location_unknown").At("location")
	}
	return loc, err
}

func checkDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return "", apperr.New(apperr.Invalid, "stock.error.date_invalid").At("expires")
	}
	return t.Format("2006-01-02"), nil
}

func checkComment(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxComment {
		return "", apperr.New(apperr.Invalid, "stock.error.comment_long", MaxComment).At("comment")
	}
	return s, nil
}

// normaliseTag is how a tag is stored and looked for: lower case, with
// single spaces.
func normaliseTag(t string) string { return strings.ToLower(strings.Join(strings.Fields(t), " ")) }

func checkTags(in []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, t := range in {
		t = normaliseTag(t)
		if t == "" || seen[t] {
			continue
		}
		if !utf8.ValidString(t) || utf8.RuneCountInString(t) > MaxTagLen {
			return nil, apperr.New(apperr.Invalid, "stock.error.tag_long", MaxTagLen).At("tags")
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, apperr.New(apperr.Invalid, "stock.error.tags_many", MaxTags).At("tags")
	}
	return out, nil
}

// setTags replaces a box's tags, creating the base's tags as needed.
func setTags(ctx context.Context, tx *db.Tx, actor access.Actor, boxID int64, tags []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM box_tags WHERE box_id = ?", boxID); err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	return addTags(ctx, tx, actor, boxID, tags, map[string]int64{})
}

// addTags gives a box tags it does not have; known remembers tag ids.
func addTags(ctx context.Context, tx *db.Tx, actor access.Actor, boxID int64, tags []string, known map[string]int64) error {
	for _, t := range tags {
		id, ok := known[t]
		if !ok {
			var err error
			if id, err = tagID(ctx, tx, actor, t); err != nil {
				return err
			}
			known[t] = id
		}
		if _, err := tx.Exec(ctx, "INSERT INTO box_tags (box_id, tag_id) VALUES (?, ?)", boxID, id); err != nil {
			return fmt.Errorf("set tags: %w", err)
		}
	}
	return nil
}

func tagID(ctx context.Context, tx *db.Tx, actor access.Actor, name string) (int64, error) {
	var id int64
	read := func() error {
		return tx.QueryRow(ctx, "SELECT id FROM tags WHERE base_id = ? AND org_id = ? AND name = ?", actor.BaseID, actor.OrgID, name).Scan(&id)
	}
	err := read()
	if db.IsNoRows(err) {
		// Two volunteers may add the same new tag at once: the second
		// insert waits for the first, does nothing, and reads its row.
		id, err = tx.InsertID(ctx, "INSERT INTO tags (org_id, base_id, name) VALUES (?, ?, ?) ON CONFLICT (base_id, name) DO NOTHING",
			actor.OrgID, actor.BaseID, name)
		if db.IsNoRows(err) {
			err = read()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("tag %q: %w", name, err)
	}
	return id, nil
}

// Box returns the box with this code in the actor's base. A mistyped code is
// Invalid; a code of another base or organisation is NotFound, like one that
// does not exist.
func (s *Service) Box(ctx context.Context, actor access.Actor, code string) (Box, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return Box{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Box{}, err
	}
	return boxByCode(ctx, s.DB, actor, c)
}

// lockBoxes locks the actor's boxes with these codes, in code order, until
// the transaction ends, so that they are read and changed with no one else
// changing them in between. SQLite has one writer at a time already.
//
// On PostgreSQL the lock is taken on the boxes table alone, and the boxes are
// read by a later statement. A locking read joined to products and locations
// would lock those rows too (moves of different boxes of one product would
// queue behind each other, and two bulk moves could deadlock); and when it
// waited for someone else's move of the same box, it would re-check the join
// against the old location and find no box at all.
func lockBoxes(ctx context.Context, tx *db.Tx, actor access.Actor, codes ...string) error {
	if tx.Dialect() != db.Postgres || len(codes) == 0 {
		return nil
	}
	args := []any{actor.OrgID, actor.BaseID}
	for _, c := range codes {
		args = append(args, c)
	}
	rows, err := tx.Query(ctx, "SELECT id FROM boxes WHERE org_id = ? AND base_id = ? AND code IN ("+placeholders(len(codes))+
		") ORDER BY code FOR UPDATE", args...)
	if err != nil {
		return fmt.Errorf("lock boxes: %w", err)
	}
	defer rows.Close()
	for rows.Next() { // each row is locked as it is read
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lock boxes: %w", err)
	}
	return nil
}

// boxForUpdate reads a box to change it, locking its row first on
// PostgreSQL. The lock is taken by a query of the boxes table alone: a
// locking read that joins the product and location would, after waiting
// for a concurrent change that moved the box, recheck the join against the
// old location and find no box at all.
func boxForUpdate(ctx context.Context, tx *db.Tx, actor access.Actor, code string) (Box, error) {
	if err := lockBoxes(ctx, tx, actor, code); err != nil {
		return Box{}, err
	}
	return boxByCode(ctx, tx, actor, code)
}

// moveTarget is the location a change moves its box to, read in the same
// statement as the box (boxToChange).
type moveTarget struct {
	id  int64
	loc place.Location
	err error // liveLocation's answer: not found or archived
}

// boxToChange reads a box to change it, locking it on PostgreSQL, and when
// to is set the live location it is to be moved to: what the prefetch of a
// shared transaction read for it, or else one statement of its own instead
// of three (lock, read, location). The target is nil when it was not read
// here (liveLocation then reads it).
//
// On SQLite, where a statement costs no round trip, the box and the location
// are read as before, each by a statement of its own (the single statement
// measured no faster there, and its CTE is work SQLite need not do).
func boxToChange(ctx context.Context, tx *db.Tx, actor access.Actor, code string, to *int64) (Box, *moveTarget, error) {
	if tx.Dialect() != db.Postgres {
		b, err := boxForUpdate(ctx, tx, actor, code)
		return b, nil, err
	}
	f := newBoxFetch(actor, code, to)
	if b, t, ok := prefetched(tx, f); ok {
		return b, t, nil
	}
	got, err := boxesToChange(ctx, tx, actor.OrgID, []*boxFetch{f})
	if err != nil {
		return Box{}, nil, err
	}
	if fb := got[code]; fb != nil {
		if b, t, ok := fb.target(f); ok {
			return b, t, nil
		}
	}
	// No such box, or it changed while the lock waited: read it as it is
	// now (the lock, if the box exists, is held).
	b, err := boxByCode(ctx, tx, actor, code)
	return b, nil, err
}

// boxByCode reads a box and its tags in one query (the tags joined by a
// newline, which a tag cannot hold: normaliseTag folds every space).
func boxByCode(ctx context.Context, q db.Queryer, actor access.Actor, code string) (Box, error) {
	var tags sql.NullString
	b, err := scanBox(withTags{q.QueryRow(ctx, "SELECT "+boxCols+
		", (SELECT string_agg(t.name, ? ORDER BY t.name) FROM box_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.box_id = b.id)"+
		boxFrom+" WHERE b.code = ? AND b.org_id = ? AND b.base_id = ?",
		"\n", code, actor.OrgID, actor.BaseID), &tags, nil})
	if db.IsNoRows(err) {
		return b, apperr.New(apperr.NotFound, "stock.error.box_unknown")
	}
	if err != nil {
		return b, fmt.Errorf("read box: %w", err)
	}
	if tags.Valid {
		b.Tags = strings.Split(tags.String, "\n")
	}
	return b, nil
}

// withTags scans a box row followed by its tags (and more, when asked).
type withTags struct {
	sc   interface{ Scan(...any) error }
	tags *sql.NullString
	more []any
}

func (w withTags) Scan(dest ...any) error {
	return w.sc.Scan(append(append(dest, w.tags), w.more...)...)
}

// boxesByID reads boxes of the actor's base in the order of ids.
func (s *Service) boxesByID(ctx context.Context, q db.Queryer, actor access.Actor, ids []int64) ([]Box, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{actor.OrgID, actor.BaseID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.Query(ctx, "SELECT "+boxCols+boxFrom+" WHERE b.org_id = ? AND b.base_id = ? AND b.id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read boxes: %w", err)
	}
	byID := map[int64]Box{}
	for rows.Next() {
		b, err := scanBox(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read boxes: %w", err)
		}
		byID[b.ID] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags, err := tagsOf(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Box, 0, len(ids))
	for _, id := range ids {
		if b, ok := byID[id]; ok {
			b.Tags = tags[id]
			out = append(out, b)
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// tagIDsOf reads a box's tag ids, sorted.
func tagIDsOf(ctx context.Context, q db.Queryer, boxID int64) ([]int64, error) {
	rows, err := q.Query(ctx, "SELECT tag_id FROM box_tags WHERE box_id = ? ORDER BY tag_id", boxID)
	if err != nil {
		return nil, fmt.Errorf("read tag ids: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read tag ids: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// tagsOf reads the tags of several boxes in one query.
func tagsOf(ctx context.Context, q db.Queryer, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.Query(ctx, "SELECT bt.box_id, t.name FROM box_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.box_id IN ("+
		placeholders(len(ids))+") ORDER BY t.name", args...)
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read tags: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

// productOf rebuilds the product facts a box carries, for validation.
func productOf(b Box) catalog.Product {
	return catalog.Product{ID: b.ProductID, Measure: b.Measure, SizeRangeID: b.SizeRangeID}
}
