package distribution

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/needs"
)

// TallyInput is one count from the tally screen: a hand-out of a product,
// people served (age band and gender, each optional), or meals of a
// variant. CommandID is the device's id of the command that brings it, so
// that an undo can name it.
type TallyInput struct {
	Kind      string `json:"kind"`
	ProductID int64  `json:"product_id,omitempty"`
	Age       string `json:"age,omitempty"`
	Gender    string `json:"gender,omitempty"`
	Variant   string `json:"variant,omitempty"`
	Quantity  int64  `json:"quantity"`
	CommandID string `json:"-"`
}

// Tally is a recorded count.
type Tally struct {
	ID        int64     `json:"tally_id"`
	RoundID   int64     `json:"round_id"`
	Kind      string    `json:"kind"`
	ProductID int64     `json:"product_id,omitempty"`
	Age       string    `json:"age,omitempty"`
	Gender    string    `json:"gender,omitempty"`
	Variant   string    `json:"variant,omitempty"`
	Quantity  int64     `json:"quantity"`
	Undone    bool      `json:"undone,omitempty"`
	At        time.Time `json:"at"`
	CommandID string    `json:"-"`
}

// MaxCommandID bounds the length of a device's command id.
const MaxCommandID = 64

func (in TallyInput) check(r Round) error {
	if err := checkQuantity(in.Quantity); err != nil {
		return err
	}
	if len(in.CommandID) > MaxCommandID {
		return apperr.New(apperr.Invalid, "distribution.error.command_id").At("id")
	}
	switch in.Kind {
	case TallyHandout:
		if in.ProductID <= 0 {
			return apperr.New(apperr.Invalid, "distribution.error.product_required").At("product")
		}
		if in.Age != "" || in.Gender != "" || in.Variant != "" {
			return apperr.New(apperr.Invalid, "distribution.error.tally_fields").At("kind")
		}
	case TallyPeople:
		if in.Age != "" && !oneOf(in.Age, AgeBands) {
			return apperr.New(apperr.Invalid, "distribution.error.age_unknown").At("age")
		}
		if in.Gender != "" && !oneOf(in.Gender, Genders) {
			return apperr.New(apperr.Invalid, "distribution.error.gender_unknown").At("gender")
		}
		if in.ProductID != 0 || in.Variant != "" {
			return apperr.New(apperr.Invalid, "distribution.error.tally_fields").At("kind")
		}
	case TallyMeals:
		if !r.CountsMeals() {
			return apperr.New(apperr.Invalid, "distribution.error.no_meals").At("kind")
		}
		if !oneOf(in.Variant, MealVariants) {
			return apperr.New(apperr.Invalid, "distribution.error.variant_unknown").At("variant")
		}
		if in.ProductID != 0 || in.Age != "" || in.Gender != "" {
			return apperr.New(apperr.Invalid, "distribution.error.tally_fields").At("kind")
		}
	default:
		return apperr.New(apperr.Invalid, "distribution.error.tally_kind").At("kind")
	}
	return nil
}

// refuseTally says why a round takes no tally in its state.
func refuseTally(r Round) error {
	if r.State == Closed || r.State == Cancelled {
		return apperr.New(apperr.Conflict, "distribution.error.round_"+r.State).At("round")
	}
	return apperr.New(apperr.Conflict, "distribution.error.not_out").At("round")
}

// tallyingRound reads and locks a round that takes tallies (out or back),
// for a team member who runs rounds.
func tallyingRound(ctx context.Context, tx *db.Tx, actor access.Actor, roundID int64) (Round, error) {
	if err := actor.Require(access.RunRounds); err != nil {
		return Round{}, err
	}
	r, err := getRound(ctx, tx, actor, roundID, tx.ForUpdate())
	if err != nil {
		return Round{}, err
	}
	if !r.Tallying() {
		return Round{}, refuseTally(r)
	}
	return r, nil
}

// RecordTx records a tally on a round that is out or back, inside the
// caller's transaction (an offline command's). A hand-out must be of a
// product on the round, and meets the site's needs of it.
func RecordTx(ctx context.Context, tx *db.Tx, actor access.Actor, roundID int64, in TallyInput) (Tally, error) {
	r, err := tallyingRound(ctx, tx, actor, roundID)
	if err != nil {
		return Tally{}, err
	}
	if err := in.check(r); err != nil {
		return Tally{}, err
	}
	var categoryID int64
	if in.Kind == TallyHandout {
		if err := lineOf(ctx, tx, r.ID, in.ProductID); err != nil {
			return Tally{}, err
		}
		p, err := catalog.GetProduct(ctx, tx, actor, in.ProductID)
		if err != nil {
			return Tally{}, err
		}
		categoryID = p.CategoryID
	}
	id, err := tx.InsertID(ctx, `INSERT INTO round_tallies (org_id, round_id, kind, product_id, age, gender, variant, quantity, command_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, r.ID, in.Kind, in.ProductID, in.Age, in.Gender, in.Variant, in.Quantity, in.CommandID, db.Micros(tx.Now))
	if err != nil {
		return Tally{}, fmt.Errorf("record tally: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundTallied{TallyID: id, Kind: in.Kind, ProductID: in.ProductID, Age: in.Age,
		Gender: in.Gender, Variant: in.Variant, Quantity: in.Quantity, CommandID: in.CommandID}); err != nil {
		return Tally{}, err
	}
	if in.Kind == TallyHandout {
		if _, err := needs.MeetTx(ctx, tx, actor, r.SiteID, in.ProductID, categoryID, in.Quantity, id); err != nil {
			return Tally{}, err
		}
	}
	return Tally{ID: id, RoundID: r.ID, Kind: in.Kind, ProductID: in.ProductID, Age: in.Age, Gender: in.Gender, Variant: in.Variant,
		Quantity: in.Quantity, At: db.FromMicros(db.Micros(tx.Now)), CommandID: in.CommandID}, nil
}

// Record records a tally in a transaction of its own.
func (s *Service) Record(ctx context.Context, actor access.Actor, roundID int64, in TallyInput) (Tally, error) {
	var t Tally
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		t, err = RecordTx(ctx, tx, actor, roundID, in)
		return err
	})
	return t, err
}

// UndoTx takes a tally of a round back (while the round is out or back):
// by the tally's id, or, when tallyID is 0, by the id of the command that
// recorded it. Undoing what is already undone changes nothing.
func UndoTx(ctx context.Context, tx *db.Tx, actor access.Actor, roundID, tallyID int64, commandID string) (Tally, error) {
	r, err := tallyingRound(ctx, tx, actor, roundID)
	if err != nil {
		return Tally{}, err
	}
	q := "SELECT " + tallyCols + " FROM round_tallies WHERE round_id = ? AND "
	arg := any(tallyID)
	if tallyID == 0 {
		if commandID == "" || len(commandID) > MaxCommandID {
			return Tally{}, apperr.New(apperr.Invalid, "distribution.error.undo_what").At("command")
		}
		q += "command_id = ?"
		arg = commandID
	} else {
		q += "id = ?"
	}
	t, err := scanTally(tx.QueryRow(ctx, q, r.ID, arg))
	if db.IsNoRows(err) {
		return Tally{}, apperr.New(apperr.Invalid, "distribution.error.undo_unknown").At("command")
	}
	if err != nil {
		return Tally{}, fmt.Errorf("undo tally: %w", err)
	}
	if t.Undone {
		return t, nil
	}
	if _, err := tx.Exec(ctx, "UPDATE round_tallies SET undone = ? WHERE id = ?", true, t.ID); err != nil {
		return Tally{}, fmt.Errorf("undo tally: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundTallyUndone{TallyID: t.ID}); err != nil {
		return Tally{}, err
	}
	if t.Kind == TallyHandout {
		if err := needs.UnmeetTx(ctx, tx, actor, t.ID); err != nil {
			return Tally{}, err
		}
	}
	t.Undone = true
	return t, nil
}

// Undo takes a tally back in a transaction of its own.
func (s *Service) Undo(ctx context.Context, actor access.Actor, roundID, tallyID int64) (Tally, error) {
	var t Tally
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		t, err = UndoTx(ctx, tx, actor, roundID, tallyID, "")
		return err
	})
	return t, err
}

const tallyCols = "id, round_id, kind, product_id, age, gender, variant, quantity, undone, command_id, created_at"

func scanTally(sc interface{ Scan(...any) error }) (Tally, error) {
	var t Tally
	var at int64
	err := sc.Scan(&t.ID, &t.RoundID, &t.Kind, &t.ProductID, &t.Age, &t.Gender, &t.Variant, &t.Quantity, &t.Undone, &t.CommandID, &at)
	t.At = db.FromMicros(at)
	return t, err
}

// Tallies lists a round's last tallies, newest first (the tally screen
// shows them, with an undo).
func (s *Service) Tallies(ctx context.Context, actor access.Actor, roundID int64, limit int) ([]Tally, error) {
	if _, err := s.Round(ctx, actor, roundID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	var ts []Tally
	err := eachRow(ctx, s.DB, "SELECT "+tallyCols+fmt.Sprintf(" FROM round_tallies WHERE round_id = ? ORDER BY id DESC LIMIT %d", limit), []any{roundID},
		func(scan func(...any) error) error {
			t, err := scanTally(rowScanner(scan))
			if err != nil {
				return err
			}
			ts = append(ts, t)
			return nil
		})
	return ts, err
}

type rowScanner func(...any) error

func (f rowScanner) Scan(dest ...any) error { return f(dest...) }
