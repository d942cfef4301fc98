// Package needs holds what is wanted where: a product or a whole category,
// a quantity, a site, an urgency and where the need came from (asked at a
// distribution, set by a coordinator, or from an incident). Hand-outs at a
// site meet its needs, most urgent and oldest first, in the hand-out's own
// transaction (MeetTx); an undone hand-out gives back what it met.
package needs

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// Service reads and changes the needs of the actor's base.
type Service struct{ DB *db.DB }

// New returns a needs service.
func New(d *db.DB) *Service { return &Service{DB: d} }

// Sources of a need; each has the key "needs.source.<source>".
const (
	FromDistribution = "distribution"
	FromCoordinator  = "coordinator"
	FromIncident     = "incident"
)

// Sources lists where a need may come from.
var Sources = []string{FromDistribution, FromCoordinator, FromIncident}

// States of a need; each has the key "needs.state.<state>".
const (
	Open       = "open"
	PartlyMet  = "partly_met"
	Met        = "met"
	Cancelled  = "cancelled"
	MaxUrgency = 3 // urgencies run 1 (can wait) to 3 (urgent)
	MaxNeed    = 100000
)

// States lists the states of a need.
var States = []string{Open, PartlyMet, Met, Cancelled}

// Need is one need at a site: of a product, or of any product of a category.
type Need struct {
	ID           int64
	SiteID       int64
	SiteName     string
	ProductID    int64 // 0 when the need is a category
	ProductName  string
	Standard     bool // a standard product, whose name is translated
	Gender       string
	CategoryID   int64
	CategoryName string
	Quantity     int64
	Met          int64
	Urgency      int64
	Source       string
	State        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Remaining is what is still wanted.
func (n Need) Remaining() int64 {
	if n.State == Cancelled || n.Met >= n.Quantity {
		return 0
	}
	return n.Quantity - n.Met
}

// Name is the product's or the category's name in a language.
func (n Need) Name(lang string) string {
	if n.ProductID == 0 {
		return catalog.CategoryName(lang, n.CategoryName)
	}
	return catalog.ProductDisplayName(lang, n.ProductName, n.Gender, n.Standard)
}

// stateOf is the state a need's met quantity gives it.
func stateOf(quantity, met int64) string {
	switch {
	case met <= 0:
		return Open
	case met < quantity:
		return PartlyMet
	}
	return Met
}

// Input is what a person fills in for a need: a product or a category.
type Input struct {
	SiteID     int64
	ProductID  int64
	CategoryID int64
	Quantity   int64
	Urgency    int64
	Source     string
}

func (in Input) check() error {
	if in.SiteID <= 0 {
		return apperr.New(apperr.Invalid, "needs.error.site_required").At("site")
	}
	if (in.ProductID == 0) == (in.CategoryID == 0) || in.ProductID < 0 || in.CategoryID < 0 {
		return apperr.New(apperr.Invalid, "needs.error.product_or_category").At("product")
	}
	if in.Quantity <= 0 || in.Quantity > MaxNeed {
		return apperr.New(apperr.Invalid, "needs.error.quantity", MaxNeed).At("quantity")
	}
	if in.Urgency < 1 || in.Urgency > MaxUrgency {
		return apperr.New(apperr.Invalid, "needs.error.urgency").At("urgency")
	}
	found := false
	for _, s := range Sources {
		found = found || s == in.Source
	}
	if !found {
		return apperr.New(apperr.Invalid, "needs.error.source").At("source")
	}
	return nil
}

const needCols = `n.id, n.site_id, s.name, n.product_id, COALESCE(p.name, ''), p.id IS NOT NULL AND p.base_id IS NULL, COALESCE(p.gender, ''), n.category_id, c.name,
	n.quantity, n.met, n.urgency, n.source, n.state, n.created_at, n.updated_at`

const needFrom = ` FROM needs n JOIN sites s ON s.id = n.site_id
	LEFT JOIN products p ON p.id = n.product_id
	JOIN categories c ON c.id = n.category_id`

func scanNeed(sc interface{ Scan(...any) error }) (Need, error) {
	var n Need
	var ca, ua int64
	err := sc.Scan(&n.ID, &n.SiteID, &n.SiteName, &n.ProductID, &n.ProductName, &n.Standard, &n.Gender, &n.CategoryID, &n.CategoryName,
		&n.Quantity, &n.Met, &n.Urgency, &n.Source, &n.State, &ca, &ua)
	n.CreatedAt, n.UpdatedAt = db.FromMicros(ca), db.FromMicros(ua)
	return n, err
}

// Create records a need at a live site of the actor's base. A product's
// need also carries the product's category, so the board groups it.
func (s *Service) Create(ctx context.Context, actor access.Actor, in Input) (Need, error) {
	if err := actor.Require(access.ManageNeeds); err != nil {
		return Need{}, err
	}
	if err := in.check(); err != nil {
		return Need{}, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = CreateTx(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return Need{}, err
	}
	return s.Need(ctx, actor, id)
}

// CreateTx records a need inside another domain's transaction (an
// incident's losses become needs).
func CreateTx(ctx context.Context, tx *db.Tx, actor access.Actor, in Input) (int64, error) {
	if err := actor.Require(access.ManageNeeds); err != nil {
		return 0, err
	}
	return createTx(ctx, tx, actor, in)
}

// OpenForIncidentTx opens the need to replace what an incident took, inside
// the incident's transaction: whoever may report an incident may open it.
func OpenForIncidentTx(ctx context.Context, tx *db.Tx, actor access.Actor, in Input) (int64, error) {
	if err := actor.Require(access.ReportIncidents); err != nil {
		return 0, err
	}
	in.Source = FromIncident
	return createTx(ctx, tx, actor, in)
}

func createTx(ctx context.Context, tx *db.Tx, actor access.Actor, in Input) (int64, error) {
	if err := in.check(); err != nil {
		return 0, err
	}
	site, err := place.GetSite(ctx, tx, actor, in.SiteID)
	if apperr.Is(err, apperr.NotFound) || err == nil && site.Archived {
		return 0, apperr.New(apperr.Invalid, "needs.error.site_unknown").At("site")
	}
	if err != nil {
		return 0, err
	}
	if in.ProductID != 0 {
		p, err := catalog.GetProduct(ctx, tx, actor, in.ProductID)
		if apperr.Is(err, apperr.NotFound) {
			return 0, apperr.New(apperr.Invalid, "needs.error.product_unknown").At("product")
		}
		if err != nil {
			return 0, err
		}
		in.CategoryID = p.CategoryID
	} else if err := categoryKnown(ctx, tx, actor, in.CategoryID); err != nil {
		return 0, err
	}
	now := db.Micros(tx.Now)
	id, err := tx.InsertID(ctx, `INSERT INTO needs (org_id, base_id, site_id, product_id, category_id, quantity, urgency, source, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, in.SiteID, in.ProductID, in.CategoryID, in.Quantity, in.Urgency,
		in.Source, Open, now, now)
	if err != nil {
		return 0, fmt.Errorf("create need: %w", err)
	}
	_, err = ledger.Append(ctx, tx, actor, "need", id, NeedCreated{SiteID: in.SiteID, ProductID: in.ProductID, CategoryID: in.CategoryID,
		Quantity: in.Quantity, Urgency: in.Urgency, Source: in.Source})
	return id, err
}

func categoryKnown(ctx context.Context, q db.Queryer, actor access.Actor, id int64) error {
	cs, err := catalog.Categories(ctx, q, actor)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == id {
			return nil
		}
	}
	return apperr.New(apperr.Invalid, "needs.error.category_unknown").At("category")
}

// Need returns one need of the actor's base.
func (s *Service) Need(ctx context.Context, actor access.Actor, id int64) (Need, error) {
	if err := actor.Require(access.ViewNeeds); err != nil {
		return Need{}, err
	}
	n, err := scanNeed(s.DB.QueryRow(ctx, "SELECT "+needCols+needFrom+" WHERE n.id = ? AND n.org_id = ? AND n.base_id = ?", id, actor.OrgID, actor.BaseID))
	if db.IsNoRows(err) {
		return n, apperr.ErrNotFound()
	}
	if err != nil {
		return n, fmt.Errorf("read need: %w", err)
	}
	return n, nil
}

// Filter narrows the list of needs.
type Filter struct {
	SiteID   int64
	OpenOnly bool // open and partly met only
}

// List lists the needs of the actor's base, most urgent and oldest first.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filter) ([]Need, error) {
	if err := actor.Require(access.ViewNeeds); err != nil {
		return nil, err
	}
	where := " WHERE n.org_id = ? AND n.base_id = ?"
	args := []any{actor.OrgID, actor.BaseID}
	if f.SiteID != 0 {
		where += " AND n.site_id = ?"
		args = append(args, f.SiteID)
	}
	if f.OpenOnly {
		where += " AND n.state IN (?, ?)"
		args = append(args, Open, PartlyMet)
	}
	rows, err := s.DB.Query(ctx, "SELECT "+needCols+needFrom+where+" ORDER BY n.urgency DESC, n.created_at, n.id LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("list needs: %w", err)
	}
	defer rows.Close()
	var ns []Need
	for rows.Next() {
		n, err := scanNeed(rows)
		if err != nil {
			return nil, fmt.Errorf("list needs: %w", err)
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// Cancel cancels a need that is not met yet.
func (s *Service) Cancel(ctx context.Context, actor access.Actor, id int64) error {
	if err := actor.Require(access.ManageNeeds); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var state string
		err := tx.QueryRow(ctx, "SELECT state FROM needs WHERE id = ? AND org_id = ? AND base_id = ?"+tx.ForUpdate(), id, actor.OrgID, actor.BaseID).Scan(&state)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("cancel need: %w", err)
		}
		if state == Cancelled || state == Met {
			return apperr.New(apperr.Conflict, "needs.error.closed").At("state")
		}
		if _, err := tx.Exec(ctx, "UPDATE needs SET state = ?, updated_at = ? WHERE id = ?", Cancelled, db.Micros(tx.Now), id); err != nil {
			return fmt.Errorf("cancel need: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "need", id, NeedCancelled{})
		return err
	})
}

// MeetTx lets a hand-out of quantity items of a product (of a category) at
// a site meet that site's open needs of the product or the category, most
// urgent and oldest first, and remembers which tally met what. It returns
// how much it met.
func MeetTx(ctx context.Context, tx *db.Tx, actor access.Actor, siteID, productID, categoryID, quantity, tallyID int64) (int64, error) {
	type open struct{ id, quantity, met int64 }
	var os []open
	rows, err := tx.Query(ctx, `SELECT id, quantity, met FROM needs WHERE org_id = ? AND base_id = ? AND site_id = ? AND state IN (?, ?)
		AND (product_id = ? OR (product_id = 0 AND category_id = ?)) ORDER BY urgency DESC, created_at, id`+tx.ForUpdate(),
		actor.OrgID, actor.BaseID, siteID, Open, PartlyMet, productID, categoryID)
	if err != nil {
		return 0, fmt.Errorf("meet needs: %w", err)
	}
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.quantity, &o.met); err != nil {
			rows.Close()
			return 0, fmt.Errorf("meet needs: %w", err)
		}
		os = append(os, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("meet needs: %w", err)
	}
	var total int64
	for _, o := range os {
		if quantity == 0 {
			break
		}
		n := min(quantity, o.quantity-o.met)
		if n <= 0 {
			continue
		}
		if err := addMet(ctx, tx, actor, o.id, o.quantity, o.met, n, tallyID); err != nil {
			return 0, err
		}
		quantity -= n
		total += n
	}
	return total, nil
}

// addMet changes what a need has met by n (negative gives back), with its
// event and the tally that did it.
func addMet(ctx context.Context, tx *db.Tx, actor access.Actor, id, quantity, met, n, tallyID int64) error {
	met += n
	if _, err := tx.Exec(ctx, "UPDATE needs SET met = ?, state = ?, updated_at = ? WHERE id = ?", met, stateOf(quantity, met), db.Micros(tx.Now), id); err != nil {
		return fmt.Errorf("meet need: %w", err)
	}
	var err error
	if n > 0 {
		_, err = tx.Exec(ctx, "INSERT INTO need_meets (need_id, tally_id, org_id, quantity) VALUES (?, ?, ?, ?)", id, tallyID, actor.OrgID, n)
	} else {
		_, err = tx.Exec(ctx, "DELETE FROM need_meets WHERE need_id = ? AND tally_id = ?", id, tallyID)
	}
	if err != nil {
		return fmt.Errorf("meet need: %w", err)
	}
	_, err = ledger.Append(ctx, tx, actor, "need", id, NeedMet{TallyID: tallyID, Quantity: n})
	return err
}

// UnmeetTx gives back what a tally met, when the tally is undone. A
// cancelled need stays cancelled.
func UnmeetTx(ctx context.Context, tx *db.Tx, actor access.Actor, tallyID int64) error {
	type meet struct{ id, quantity, met, n int64 }
	var ms []meet
	var states []string
	rows, err := tx.Query(ctx, `SELECT n.id, n.quantity, n.met, m.quantity, n.state FROM need_meets m JOIN needs n ON n.id = m.need_id
		WHERE m.tally_id = ? AND n.org_id = ? ORDER BY n.id`, tallyID, actor.OrgID)
	if err != nil {
		return fmt.Errorf("unmeet needs: %w", err)
	}
	for rows.Next() {
		var m meet
		var st string
		if err := rows.Scan(&m.id, &m.quantity, &m.met, &m.n, &st); err != nil {
			rows.Close()
			return fmt.Errorf("unmeet needs: %w", err)
		}
		ms = append(ms, m)
		states = append(states, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("unmeet needs: %w", err)
	}
	for i, m := range ms {
		if states[i] == Cancelled {
			continue
		}
		if err := addMet(ctx, tx, actor, m.id, m.quantity, m.met, -m.n, tallyID); err != nil {
			return err
		}
	}
	return nil
}
