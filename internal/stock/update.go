package stock

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// Change is what a person changes on one box. Nil fields stay as they are.
// Version is the version the person saw; if the box changed since, nothing
// is saved and the error carries the box as it is now.
type Change struct {
	Version    int64
	LocationID *int64
	State      *State
	Items      *int64
	Size       *string
	Quantity   *float64 // measured goods, in Unit
	Unit       string
	ExpiresOn  *string
	Comment    *string
	Tags       *[]string
}

// StaleError is the cause inside a Conflict when someone else saved the box
// first: Current is the box as it is now, Changed the fields that differ from
// what the person saw.
type StaleError struct {
	Current Box
	Seen    int64
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("box %s changed: version %d, seen %d", e.Current.Code, e.Current.Version, e.Seen)
}

// Needs is the permission the change takes: moving a box and changing its
// state are the distribution team's work too; changing what is in it, its
// expiry, comment or tags is the warehouse's.
func (ch Change) Needs() access.Action {
	if ch.Items != nil || ch.Size != nil || ch.Quantity != nil || ch.ExpiresOn != nil || ch.Comment != nil || ch.Tags != nil {
		return access.EditStock
	}
	return access.MoveStock
}

// UpdateBox applies a change to one box, checking the version.
func (s *Service) UpdateBox(ctx context.Context, actor access.Actor, code string, ch Change) (Box, error) {
	if err := actor.Require(ch.Needs()); err != nil {
		return Box{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Box{}, err
	}
	var out Box
	// Concurrent changes of the organisation's boxes share a transaction,
	// each in a savepoint of its own (db.InTxGroup): a stale version or a
	// refused state change here undoes this change alone.
	// On PostgreSQL the changes sharing a transaction read their boxes
	// together before the first runs (boxFetch).
	err = s.DB.InTxGroupPrefetch(ctx, actor.OrgID, newBoxFetch(actor, c, ch.LocationID), func(tx *db.Tx) error {
		b, to, err := boxToChange(ctx, tx, actor, c, ch.LocationID)
		if err != nil {
			return err
		}
		if ch.Version != b.Version {
			return &apperr.Error{Code: apperr.Conflict, Key: "stock.error.stale", Err: &StaleError{Current: b, Seen: ch.Version}}
		}
		out, err = applyChangeTo(ctx, tx, actor, b, ch, to)
		return err
	})
	if err != nil {
		return Box{}, err
	}
	return out, nil
}

// boxEdit collects one change to a box read in this transaction: the
// columns to set, the ledger event, and the box as the totals will see it.
type boxEdit struct {
	b, after Box
	to       *moveTarget // the location moved to, when already read
	ev       BoxChange
	set      []string
	args     []any
	changed  int  // fields changed
	tags     bool // the tags changed (they live in their own table)
}

func (e *boxEdit) put(col string, stored any) {
	e.changed++
	e.set = append(e.set, col+" = ?")
	e.args = append(e.args, stored)
}

// applyChange checks and writes one change to a box read in this
// transaction, and its ledger event: each field is checked on its own, in
// order (a move may bring the location's default state; an explicit state
// wins). It does nothing when nothing changes. It returns the box as the
// change left it, built from what the transaction knows rather than read
// again.
func applyChange(ctx context.Context, tx *db.Tx, actor access.Actor, b Box, ch Change) (Box, error) {
	return applyChangeTo(ctx, tx, actor, b, ch, nil)
}

// applyChangeTo is applyChange with the location moved to already read
// (boxToChange), or nil.
func applyChangeTo(ctx context.Context, tx *db.Tx, actor access.Actor, b Box, ch Change, to *moveTarget) (Box, error) {
	e := &boxEdit{b: b, after: b, ev: BoxChange{Code: b.Code}, to: to}
	for _, step := range []func() error{
		func() error { return e.location(ctx, tx, actor, ch) },
		func() error { return e.state(ch) },
		func() error { return e.items(ch) },
		func() error { return e.content(ctx, tx, ch) },
		func() error { return e.expiry(ch) },
		func() error { return e.comment(ch) },
		func() error { return e.setTags(ctx, tx, actor, ch) },
	} {
		if err := step(); err != nil {
			return Box{}, err
		}
	}
	if e.changed == 0 {
		return b, nil
	}
	if err := e.save(ctx, tx, actor); err != nil {
		return Box{}, err
	}
	e.after.Version++
	e.after.UpdatedAt = db.FromMicros(db.Micros(tx.Now))
	return e.after, nil
}

// location moves the box to a live location of the base; without a state
// of its own, the box takes the location's default state (moveState).
func (e *boxEdit) location(ctx context.Context, tx *db.Tx, actor access.Actor, ch Change) error {
	if ch.LocationID == nil || *ch.LocationID == e.b.LocationID {
		return nil
	}
	if !e.b.State.Movable() {
		return apperr.New(apperr.Invalid, "stock.error.not_movable")
	}
	var loc place.Location
	var err error
	if e.to != nil && e.to.id == *ch.LocationID {
		loc, err = e.to.loc, e.to.err
	} else {
		loc, err = liveLocation(ctx, tx, actor, *ch.LocationID)
	}
	if err != nil {
		return err
	}
	e.put("location_id", loc.ID)
	e.ev.LocationID = &ledger.Delta[int64]{From: e.b.LocationID, To: loc.ID}
	e.after.LocationID, e.after.LocationName = loc.ID, loc.Name
	if ch.State == nil {
		e.after.State = moveState(e.b.State, State(loc.DefaultState))
	}
	return nil
}

// state changes the box's state (asked for, or brought by a move) along an
// allowed transition.
func (e *boxEdit) state(ch Change) error {
	if ch.State != nil {
		if _, err := ParseState(string(*ch.State)); err != nil {
			return apperr.As(err).At("state")
		}
		e.after.State = *ch.State
	}
	if e.after.State == e.b.State {
		return nil
	}
	if !CanMove(e.b.State, e.after.State) {
		return apperr.New(apperr.Invalid, "stock.error.state_move").At("state")
	}
	e.put("state", string(e.after.State))
	e.ev.State = &ledger.Delta[State]{From: e.b.State, To: e.after.State}
	return nil
}

func (e *boxEdit) items(ch Change) error {
	if ch.Items == nil || *ch.Items == e.b.Items {
		return nil
	}
	if *ch.Items < 0 || *ch.Items > MaxItems {
		return apperr.New(apperr.Invalid, "stock.error.items_range", MaxItems).At("items")
	}
	e.put("items", *ch.Items)
	e.ev.Items = &ledger.Delta[int64]{From: e.b.Items, To: *ch.Items}
	e.after.Items = *ch.Items
	return nil
}

// content changes the size, or the quantity of measured goods, checked
// against the product together.
func (e *boxEdit) content(ctx context.Context, tx *db.Tx, ch Change) error {
	if ch.Size == nil && ch.Quantity == nil {
		return nil
	}
	b := e.b
	p := productOf(b)
	size, qty, unit := b.Size, 0.0, ""
	if ch.Size != nil {
		size = *ch.Size
	}
	if p.Measure != "" {
		qty = b.Quantity()
	}
	if ch.Quantity != nil {
		// For counted goods too, so that checkContent refuses it.
		qty, unit = *ch.Quantity, ch.Unit
	}
	sz, mil, err := checkContent(ctx, tx, p, size, qty, unit)
	if err != nil {
		return err
	}
	if sz != b.Size {
		e.put("size", sz)
		e.ev.Size = &ledger.Delta[string]{From: b.Size, To: sz}
		e.after.Size = sz
	}
	if mil != b.MeasureMil {
		e.put("measure", mil)
		e.ev.Measure = &ledger.Delta[int64]{From: b.MeasureMil, To: mil}
		e.after.MeasureMil = mil
	}
	return nil
}

func (e *boxEdit) expiry(ch Change) error {
	if ch.ExpiresOn == nil {
		return nil
	}
	d, err := checkDate(*ch.ExpiresOn)
	if err != nil || d == e.b.ExpiresOn {
		return err
	}
	e.put("expires_on", d)
	e.ev.ExpiresOn = &ledger.Delta[string]{From: e.b.ExpiresOn, To: d}
	e.after.ExpiresOn = d
	return nil
}

func (e *boxEdit) comment(ch Change) error {
	if ch.Comment == nil {
		return nil
	}
	cm, err := checkComment(*ch.Comment)
	if err != nil || cm == e.b.Comment {
		return err
	}
	// The comment's text stays out of the ledger.
	e.put("comment", cm)
	e.after.Comment = cm
	e.ev.CommentChanged = true
	e.ev.CommentSet = ptrTo(cm != "")
	return nil
}

// setTags replaces the box's tags when the set differs; the ledger keeps
// the tags' ids, not the names people typed.
func (e *boxEdit) setTags(ctx context.Context, tx *db.Tx, actor access.Actor, ch Change) error {
	if ch.Tags == nil {
		return nil
	}
	tags, err := checkTags(*ch.Tags)
	if err != nil {
		return err
	}
	old, nt := slices.Clone(e.b.Tags), slices.Clone(tags)
	slices.Sort(old)
	slices.Sort(nt)
	if slices.Equal(old, nt) {
		return nil
	}
	oldIDs, err := tagIDsOf(ctx, tx, e.b.ID)
	if err != nil {
		return err
	}
	if err := setTags(ctx, tx, actor, e.b.ID, tags); err != nil {
		return err
	}
	newIDs, err := tagIDsOf(ctx, tx, e.b.ID)
	if err != nil {
		return err
	}
	e.ev.TagIDs = &ledger.Delta[[]int64]{From: oldIDs, To: newIDs}
	e.after.Tags = nil // as tagsOf reads them: by name, nil when none
	if len(nt) > 0 {
		e.after.Tags = nt
	}
	e.changed++
	e.tags = true
	return nil
}

// save writes the collected change, its ledger event and the totals.
func (e *boxEdit) save(ctx context.Context, tx *db.Tx, actor access.Actor) error {
	b := e.b
	set := append(e.set, "version = version + 1", "updated_at = ?")
	args := append(e.args, db.Micros(tx.Now), b.ID, actor.OrgID, actor.BaseID)
	// The box is locked and every value checked: the update, the ledger
	// event and the totals need no answer, and in a shared transaction on
	// PostgreSQL go with the next statement (db.Tx.ExecLater).
	if err := tx.ExecLaterOne(ctx, "UPDATE boxes SET "+strings.Join(set, ", ")+" WHERE id = ? AND org_id = ? AND base_id = ?", args...); err != nil {
		return fmt.Errorf("update box %s: %w", b.Code, err)
	}
	// The kind names the change a person made: a move (which may bring the
	// location's state with it), a change of state alone, or an edit.
	moved, stated := e.ev.LocationID != nil, e.ev.State != nil
	var event ledger.Payload = BoxUpdated{e.ev}
	switch {
	case moved && (e.changed == 1 || e.changed == 2 && stated):
		event = BoxMoved{e.ev}
	case stated && e.changed == 1:
		event = BoxStateChanged{e.ev}
	}
	if _, err := ledger.Append(ctx, tx, actor, "box", b.ID, event); err != nil {
		return err
	}
	return addTotals(ctx, tx,
		totalChange{keyOf(b, actor.OrgID, actor.BaseID), -1, -b.Items, -b.MeasureMil},
		totalChange{keyOf(e.after, actor.OrgID, actor.BaseID), 1, e.after.Items, e.after.MeasureMil})
}

// moveState is the state a box takes when moved to a location with a default
// state: a box that was given out, lost or scrapped comes back into stock when
// put on a shelf; a reserved box stays reserved on a shelf.
func moveState(from, locDefault State) State {
	if locDefault == InStock && (from == Reserved || from == Received) {
		return from
	}
	if CanMove(from, locDefault) {
		return locDefault
	}
	return from
}

// Outcome is what a bulk action did with one code: the code as given, the
// box's code when it could be read, the box after the change, or why it
// did not change.
type Outcome struct {
	Input string
	Code  string // "" when the input is not a code
	Box   Box    // after the change; zero when Err is set
	Err   error  // nil when the box changed or already was as asked
}

// OK tells whether the box changed or already was as asked.
func (o Outcome) OK() bool { return o.Err == nil }

// BulkResult is the outcome of each code of a bulk action, in the order the
// codes were given, each code once (a code given twice is reported where it
// was first given).
type BulkResult struct{ Outcomes []Outcome }

// Changed counts the boxes that changed or already were as asked.
func (r BulkResult) Changed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.OK() {
			n++
		}
	}
	return n
}

// Failed counts the codes that did not change.
func (r BulkResult) Failed() int { return len(r.Outcomes) - r.Changed() }

// Of is the outcome of a code (as given or canonical).
func (r BulkResult) Of(code string) (Outcome, bool) {
	for _, o := range r.Outcomes {
		if o.Input == code || o.Code != "" && o.Code == code {
			return o, true
		}
	}
	return Outcome{}, false
}

// MaxBulk is how many boxes one bulk action may change.
const MaxBulk = 500

// bulk runs a change on many boxes in one transaction; change gives each box
// its own (tags differ per box). A box that cannot take it is reported and
// left as it was; the others change.
func (s *Service) bulk(ctx context.Context, actor access.Actor, act access.Action, codes []string, prepare func(tx *db.Tx) error,
	change func(Box) Change) (BulkResult, error) {
	if err := actor.Require(act); err != nil {
		return BulkResult{}, err
	}
	if len(codes) == 0 || len(codes) > MaxBulk {
		return BulkResult{}, apperr.New(apperr.Invalid, "stock.error.batch_size", MaxBulk).At("codes")
	}
	var res BulkResult
	at := map[string]int{} // canonical code → its outcome
	var order []string     // the codes that read, once each
	for _, raw := range codes {
		c, err := ParseCode(raw)
		key := c
		if err != nil {
			key = "\x00" + raw
		}
		if _, dup := at[key]; dup {
			continue
		}
		at[key] = len(res.Outcomes)
		res.Outcomes = append(res.Outcomes, Outcome{Input: raw, Code: c, Err: err})
		if err == nil {
			order = append(order, c)
		}
	}
	err := s.DB.InTxGroup(ctx, actor.OrgID, func(tx *db.Tx) error {
		if prepare != nil {
			if err := prepare(tx); err != nil {
				return err
			}
		}
		// Lock every box, in code order, before changing any. Each change
		// appends to the ledger, which locks the organisation's chain head
		// until commit; locking boxes after that, or in scan order, would let
		// two bulk changes on PostgreSQL each wait for the other.
		if err := lockBoxes(ctx, tx, actor, order...); err != nil {
			return err
		}
		boxes := map[string]Box{}
		for _, c := range order {
			b, err := boxByCode(ctx, tx, actor, c)
			if err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					return err
				}
				res.Outcomes[at[c]].Err = err
				continue
			}
			boxes[c] = b
		}
		for _, c := range order {
			b, ok := boxes[c]
			if !ok {
				continue
			}
			ch := change(b)
			ch.Version = b.Version
			after, err := applyChange(ctx, tx, actor, b, ch)
			if err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					return err
				}
				res.Outcomes[at[c]].Err = err
				continue
			}
			res.Outcomes[at[c]].Box = after
		}
		return nil
	})
	if err != nil {
		return BulkResult{}, err
	}
	return res, nil
}

// MoveBoxes moves boxes to a location (scanning mode). A location that is
// not one of the base's live ones refuses the whole batch: nothing moves.
func (s *Service) MoveBoxes(ctx context.Context, actor access.Actor, codes []string, locationID int64) (BulkResult, error) {
	check := func(tx *db.Tx) error {
		_, err := liveLocation(ctx, tx, actor, locationID)
		return err
	}
	return s.bulk(ctx, actor, access.MoveStock, codes, check, func(Box) Change { return Change{LocationID: &locationID} })
}

// SetState changes the state of boxes.
func (s *Service) SetState(ctx context.Context, actor access.Actor, codes []string, state State) (BulkResult, error) {
	if _, err := ParseState(string(state)); err != nil {
		return BulkResult{}, apperr.As(err).At("state")
	}
	return s.bulk(ctx, actor, access.MoveStock, codes, nil, func(Box) Change { return Change{State: &state} })
}

// TagBoxes adds a tag to (or, with remove, takes it off) boxes, in one
// transaction like a move.
func (s *Service) TagBoxes(ctx context.Context, actor access.Actor, codes []string, tag string, remove bool) (BulkResult, error) {
	if err := actor.Require(access.EditStock); err != nil {
		return BulkResult{}, err
	}
	tags, err := checkTags([]string{tag})
	if err != nil {
		return BulkResult{}, err
	}
	if len(tags) == 0 {
		return BulkResult{}, apperr.New(apperr.Invalid, "stock.error.tag_required").At("tag")
	}
	return s.bulk(ctx, actor, access.EditStock, codes, nil, func(b Box) Change {
		nt := slices.DeleteFunc(slices.Clone(b.Tags), func(t string) bool { return t == tags[0] })
		if !remove {
			nt = append(nt, tags[0])
		}
		return Change{Tags: &nt}
	})
}

func ptrTo[T any](v T) *T { return &v }
