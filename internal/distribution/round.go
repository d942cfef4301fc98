package distribution

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// PlanInput is what a coordinator fills in to plan a round.
type PlanInput struct {
	SiteID   int64
	Kind     string
	Public   bool
	StartsAt time.Time
	EndsAt   time.Time
	Lines    []LineInput // the packing list; may stay empty
}

// LineInput is one product and how many of it to take.
type LineInput struct {
	ProductID int64
	Planned   int64
}

func (in PlanInput) check() error {
	if in.SiteID <= 0 {
		return apperr.New(apperr.Invalid, "distribution.error.site_required").At("site")
	}
	if !oneOf(in.Kind, Kinds) {
		return apperr.New(apperr.Invalid, "distribution.error.kind_unknown").At("kind")
	}
	if in.StartsAt.IsZero() {
		return apperr.New(apperr.Invalid, "distribution.error.start_required").At("starts_at")
	}
	if !in.EndsAt.After(in.StartsAt) || in.EndsAt.Sub(in.StartsAt) > MaxWindow {
		return apperr.New(apperr.Invalid, "distribution.error.window").At("ends_at")
	}
	if in.Kind == KindMeals && len(in.Lines) > 0 {
		return apperr.New(apperr.Invalid, "distribution.error.meals_no_stock").At("lines")
	}
	seen := map[int64]bool{}
	for _, l := range in.Lines {
		if err := l.check(); err != nil {
			return err
		}
		if seen[l.ProductID] {
			return apperr.New(apperr.Invalid, "distribution.error.line_twice").At("lines")
		}
		seen[l.ProductID] = true
	}
	return nil
}

func (l LineInput) check() error {
	if l.ProductID <= 0 {
		return apperr.New(apperr.Invalid, "distribution.error.product_required").At("product")
	}
	if l.Planned < 0 || l.Planned > MaxTally {
		return apperr.New(apperr.Invalid, "distribution.error.quantity", MaxTally).At("planned")
	}
	return nil
}

const roundCols = "r.id, r.org_id, r.base_id, r.site_id, s.name, r.kind, r.public, r.starts_at, r.ends_at, r.state, r.created_at, r.updated_at"
const roundFrom = " FROM rounds r JOIN sites s ON s.id = r.site_id"

func scanRound(sc interface{ Scan(...any) error }) (Round, error) {
	var r Round
	var st, en, ca, ua int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.BaseID, &r.SiteID, &r.SiteName, &r.Kind, &r.Public, &st, &en, &r.State, &ca, &ua)
	r.StartsAt, r.EndsAt, r.CreatedAt, r.UpdatedAt = db.FromMicros(st), db.FromMicros(en), db.FromMicros(ca), db.FromMicros(ua)
	return r, err
}

// getRound reads a round of the actor's base; another base's or
// organisation's is NotFound. In a transaction it locks the round, so that
// changes to one round queue behind each other.
func getRound(ctx context.Context, q db.Queryer, actor access.Actor, id int64, lock string) (Round, error) {
	if lock != "" {
		// PostgreSQL will not lock the nullable side of a join; lock the
		// round alone first.
		var one int
		err := q.QueryRow(ctx, "SELECT 1 FROM rounds WHERE id = ? AND org_id = ? AND base_id = ?"+lock, id, actor.OrgID, actor.BaseID).Scan(&one)
		if db.IsNoRows(err) {
			return Round{}, apperr.ErrNotFound()
		}
		if err != nil {
			return Round{}, fmt.Errorf("lock round: %w", err)
		}
	}
	r, err := scanRound(q.QueryRow(ctx, "SELECT "+roundCols+roundFrom+" WHERE r.id = ? AND r.org_id = ? AND r.base_id = ?", id, actor.OrgID, actor.BaseID))
	if db.IsNoRows(err) {
		return r, apperr.ErrNotFound()
	}
	if err != nil {
		return r, fmt.Errorf("read round: %w", err)
	}
	return r, nil
}

// Round returns one round of the actor's base.
func (s *Service) Round(ctx context.Context, actor access.Actor, id int64) (Round, error) {
	if err := actor.Require(access.ViewRounds); err != nil {
		return Round{}, err
	}
	return getRound(ctx, s.DB, actor, id, "")
}

// RoundTx returns a round of the actor's base inside another transaction,
// locked (the offline commands check their target with it).
func RoundTx(ctx context.Context, tx *db.Tx, actor access.Actor, id int64) (Round, error) {
	if err := actor.Require(access.ViewRounds); err != nil {
		return Round{}, err
	}
	return getRound(ctx, tx, actor, id, tx.ForUpdate())
}

// Filter narrows the list of rounds.
type Filter struct {
	SiteID int64     // 0: every site
	State  string    // "": every state
	From   time.Time // rounds ending at or after; zero: no bound
	To     time.Time // rounds starting before; zero: no bound
	Public bool      // only public rounds
	Limit  int       // 0: 200
}

// Rounds lists the rounds of the actor's base, soonest first.
func (s *Service) Rounds(ctx context.Context, actor access.Actor, f Filter) ([]Round, error) {
	if err := actor.Require(access.ViewRounds); err != nil {
		return nil, err
	}
	return listRounds(ctx, s.DB, actor.OrgID, actor.BaseID, f)
}

func listRounds(ctx context.Context, q db.Queryer, org, base int64, f Filter) ([]Round, error) {
	where := " WHERE r.org_id = ?"
	args := []any{org}
	if base != 0 {
		where += " AND r.base_id = ?"
		args = append(args, base)
	}
	if f.SiteID != 0 {
		where += " AND r.site_id = ?"
		args = append(args, f.SiteID)
	}
	if f.State != "" {
		if !oneOf(f.State, States) {
			return nil, apperr.New(apperr.Invalid, "distribution.error.state_unknown").At("state")
		}
		where += " AND r.state = ?"
		args = append(args, f.State)
	}
	if !f.From.IsZero() {
		where += " AND r.ends_at >= ?"
		args = append(args, db.Micros(f.From))
	}
	if !f.To.IsZero() {
		where += " AND r.starts_at < ?"
		args = append(args, db.Micros(f.To))
	}
	if f.Public {
		where += " AND r.public = ?"
		args = append(args, true)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	rows, err := q.Query(ctx, "SELECT "+roundCols+roundFrom+where+fmt.Sprintf(" ORDER BY r.starts_at, r.id LIMIT %d", f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list rounds: %w", err)
	}
	defer rows.Close()
	var rs []Round
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, fmt.Errorf("list rounds: %w", err)
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// Plan plans a round at a live site of the actor's base, with its packing
// list.
func (s *Service) Plan(ctx context.Context, actor access.Actor, in PlanInput) (Round, error) {
	if err := actor.Require(access.PlanRounds); err != nil {
		return Round{}, err
	}
	if err := in.check(); err != nil {
		return Round{}, err
	}
	var r Round
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		site, err := place.GetSite(ctx, tx, actor, in.SiteID)
		if apperr.Is(err, apperr.NotFound) || err == nil && site.Archived {
			return apperr.New(apperr.Invalid, "distribution.error.site_unknown").At("site")
		}
		if err != nil {
			return err
		}
		if in.Public && !mayBePublic(site) {
			return errLivingPublic()
		}
		st, en := db.Micros(in.StartsAt), db.Micros(in.EndsAt)
		id, err := tx.InsertID(ctx, `INSERT INTO rounds (org_id, base_id, site_id, kind, public, starts_at, ends_at, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, site.ID, in.Kind, in.Public, st, en, Planned, db.Micros(tx.Now), db.Micros(tx.Now))
		if err != nil {
			return fmt.Errorf("plan round: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "round", id, RoundPlanned{SiteID: site.ID, Kind: in.Kind, Public: in.Public, StartsAt: st, EndsAt: en}); err != nil {
			return err
		}
		r = Round{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, SiteID: site.ID, SiteName: site.Name, Kind: in.Kind, Public: in.Public,
			StartsAt: db.FromMicros(st), EndsAt: db.FromMicros(en), State: Planned, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		for _, l := range in.Lines {
			if err := setLine(ctx, tx, actor, r, l); err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}

// setState moves a locked round to another state, with its event.
func setState(ctx context.Context, tx *db.Tx, actor access.Actor, r *Round, to string) error {
	if _, err := tx.Exec(ctx, "UPDATE rounds SET state = ?, updated_at = ? WHERE id = ? AND org_id = ?", to, db.Micros(tx.Now), r.ID, actor.OrgID); err != nil {
		return fmt.Errorf("round state: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundStateChanged{From: r.State, To: to}); err != nil {
		return err
	}
	r.State, r.UpdatedAt = to, tx.Now
	return nil
}

// change runs fn on a locked round of the actor's base in a transaction.
func (s *Service) change(ctx context.Context, actor access.Actor, act access.Action, id int64, fn func(tx *db.Tx, r *Round) error) (Round, error) {
	if err := actor.Require(act); err != nil {
		return Round{}, err
	}
	var r Round
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if r, err = getRound(ctx, tx, actor, id, tx.ForUpdate()); err != nil {
			return err
		}
		return fn(tx, &r)
	})
	return r, err
}

func wrongState(r Round) error {
	return apperr.New(apperr.Conflict, "distribution.error.state_"+r.State).At("state")
}

// SendOut marks a round out: its packed boxes leave with the team (they
// stay reserved to the round until it comes back). A round still planned
// may go out directly (a kitchen round packs nothing).
func (s *Service) SendOut(ctx context.Context, actor access.Actor, id int64) (Round, error) {
	return s.change(ctx, actor, access.RunRounds, id, func(tx *db.Tx, r *Round) error {
		if !r.Editable() {
			return wrongState(*r)
		}
		return setState(ctx, tx, actor, r, Out)
	})
}

// ComeBack marks a round back: the team is home, leftovers are returned
// and what is missing is marked lost before the round closes.
func (s *Service) ComeBack(ctx context.Context, actor access.Actor, id int64) (Round, error) {
	return s.change(ctx, actor, access.RunRounds, id, func(tx *db.Tx, r *Round) error {
		if r.State != Out {
			return wrongState(*r)
		}
		return setState(ctx, tx, actor, r, Back)
	})
}

// Cancel cancels a round that has not left; the boxes packed for it go
// back into stock.
func (s *Service) Cancel(ctx context.Context, actor access.Actor, id int64) (Round, error) {
	return s.change(ctx, actor, access.PlanRounds, id, func(tx *db.Tx, r *Round) error {
		if !r.Editable() {
			return wrongState(*r)
		}
		if err := releaseBoxes(ctx, tx, actor, r.ID); err != nil {
			return err
		}
		return setState(ctx, tx, actor, r, Cancelled)
	})
}

// Close closes a round that is back. Every item that went out must be
// accounted for (handed out, returned or marked lost); the boxes that did
// not come back are handed out. A closed round takes nothing more.
func (s *Service) Close(ctx context.Context, actor access.Actor, id int64) (Round, error) {
	return s.change(ctx, actor, access.RunRounds, id, func(tx *db.Tx, r *Round) error {
		if r.State != Back {
			return wrongState(*r)
		}
		lines, err := readLines(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if l.Unaccounted() > 0 {
				return apperr.New(apperr.Conflict, "distribution.error.unaccounted", l.Unaccounted(), l.ProductName).At("product")
			}
		}
		if err := handOutBoxes(ctx, tx, actor, r.ID); err != nil {
			return err
		}
		return setState(ctx, tx, actor, r, Closed)
	})
}
