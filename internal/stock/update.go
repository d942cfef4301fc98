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

// UpdateBox applies a change to one box, checking the version.
func (s *Service) UpdateBox(ctx context.Context, actor access.Actor, code string, ch Change) (Box, error) {
	act := access.EditStock
	if ch.Items == nil && ch.Size == nil && ch.Quantity == nil && ch.ExpiresOn == nil && ch.Comment == nil && ch.Tags == nil {
		act = access.MoveStock // only location and state: the distribution team may too
	}
	if err := actor.Require(act); err != nil {
		return Box{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Box{}, err
	}
	var out Box
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := lockBoxes(ctx, tx, actor, c); err != nil {
			return err
		}
		b, err := boxByCode(ctx, tx, actor, c)
		if err != nil {
			return err
		}
		if ch.Version != b.Version {
			return &apperr.Error{Code: apperr.Conflict, Key: "stock.error.stale", Err: &StaleError{Current: b, Seen: ch.Version}}
		}
		if err := applyChange(ctx, tx, actor, b, ch); err != nil {
			return err
		}
		out, err = boxByCode(ctx, tx, actor, c)
		return err
	})
	return out, err
}

// applyChange checks and writes one change to a box read in this
// transaction, and its ledger event. It does nothing when nothing changes.
func applyChange(ctx context.Context, tx *db.Tx, actor access.Actor, b Box, ch Change) error {
	ev := BoxChange{Code: b.Code} // the ledger event
	changed := 0                  // fields changed
	set := []string{}
	args := []any{}
	put := func(col string, stored any) {
		changed++
		set = append(set, col+" = ?")
		args = append(args, stored)
	}
	after := b // what the totals see once the change is made
	state := b.State
	if ch.LocationID != nil && *ch.LocationID != b.LocationID {
		if !b.State.Movable() {
			return apperr.New(apperr.Invalid, "stock.error.not_movable")
		}
		loc, err := liveLocation(ctx, tx, actor, *ch.LocationID)
		if err != nil {
			return err
		}
		put("location_id", loc.ID)
		ev.LocationID = &ledger.Delta[int64]{From: b.LocationID, To: loc.ID}
		after.LocationID = loc.ID
		if ch.State == nil {
			state = moveState(b.State, State(loc.DefaultState))
		}
	}
	if ch.State != nil {
		if _, err := ParseState(string(*ch.State)); err != nil {
			return err
		}
		state = *ch.State
	}
	if state != b.State {
		if !CanMove(b.State, state) {
			return apperr.New(apperr.Invalid, "stock.error.state_move")
		}
		put("state", string(state))
		ev.State = &ledger.Delta[State]{From: b.State, To: state}
		after.State = state
	}
	if ch.Items != nil && *ch.Items != b.Items {
		if *ch.Items < 0 || *ch.Items > MaxItems {
			return apperr.New(apperr.Invalid, "stock.error.items_range", MaxItems)
		}
		put("items", *ch.Items)
		ev.Items = &ledger.Delta[int64]{From: b.Items, To: *ch.Items}
		after.Items = *ch.Items
	}
	if ch.Size != nil || ch.Quantity != nil {
		p := productOf(b)
		size, qty := b.Size, 0.0
		if ch.Size != nil {
			size = *ch.Size
		}
		if p.Measure != "" {
			qty = b.Quantity()
		}
		if ch.Quantity != nil {
			// For counted goods too, so that checkContent refuses it.
			qty = *ch.Quantity
		}
		unit := ch.Unit
		if ch.Quantity == nil {
			unit = ""
		}
		sz, mil, err := checkContent(ctx, tx, p, size, qty, unit)
		if err != nil {
			return err
		}
		if sz != b.Size {
			put("size", sz)
			ev.Size = &ledger.Delta[string]{From: b.Size, To: sz}
			after.Size = sz
		}
		if mil != b.MeasureMil {
			put("measure", mil)
			ev.Measure = &ledger.Delta[int64]{From: b.MeasureMil, To: mil}
			after.MeasureMil = mil
		}
	}
	if ch.ExpiresOn != nil {
		d, err := checkDate(*ch.ExpiresOn)
		if err != nil {
			return err
		}
		if d != b.ExpiresOn {
			put("expires_on", d)
			ev.ExpiresOn = &ledger.Delta[string]{From: b.ExpiresOn, To: d}
		}
	}
	if ch.Comment != nil {
		cm, err := checkComment(*ch.Comment)
		if err != nil {
			return err
		}
		if cm != b.Comment {
			// The comment's text stays out of the ledger.
			put("comment", cm)
			ev.CommentChanged = true
			ev.CommentSet = ptrTo(cm != "")
		}
	}
	tagsChanged := false
	if ch.Tags != nil {
		tags, err := checkTags(*ch.Tags)
		if err != nil {
			return err
		}
		old := slices.Clone(b.Tags)
		slices.Sort(old)
		nt := slices.Clone(tags)
		slices.Sort(nt)
		if !slices.Equal(old, nt) {
			oldIDs, err := tagIDsOf(ctx, tx, b.ID)
			if err != nil {
				return err
			}
			if err := setTags(ctx, tx, actor, b.ID, tags); err != nil {
				return err
			}
			newIDs, err := tagIDsOf(ctx, tx, b.ID)
			if err != nil {
				return err
			}
			ev.TagIDs = &ledger.Delta[[]int64]{From: oldIDs, To: newIDs} // ids, not the typed names
			changed++
			tagsChanged = true
		}
	}
	if len(set) == 0 && !tagsChanged {
		return nil
	}
	set = append(set, "version = version + 1", "updated_at = ?")
	args = append(args, db.Micros(tx.Now), b.ID, actor.OrgID, actor.BaseID)
	if _, err := tx.Exec(ctx, "UPDATE boxes SET "+strings.Join(set, ", ")+" WHERE id = ? AND org_id = ? AND base_id = ?", args...); err != nil {
		return fmt.Errorf("update box %s: %w", b.Code, err)
	}
	// The kind names the change a person made: a move (which may bring the
	// location's state with it), a change of state alone, or an edit.
	moved, stated := ev.LocationID != nil, ev.State != nil
	var event ledger.Payload = BoxUpdated{ev}
	switch {
	case moved && (changed == 1 || changed == 2 && stated):
		event = BoxMoved{ev}
	case stated && changed == 1:
		event = BoxStateChanged{ev}
	}
	if _, err := ledger.Append(ctx, tx, actor, "box", b.ID, event); err != nil {
		return err
	}
	return addTotals(ctx, tx,
		totalChange{keyOf(b, actor.OrgID, actor.BaseID), -1, -b.Items, -b.MeasureMil},
		totalChange{keyOf(after, actor.OrgID, actor.BaseID), 1, after.Items, after.MeasureMil})
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

// BulkResult says what a bulk action did to each code.
type BulkResult struct {
	Done   []string         // codes changed (or already as asked)
	Failed map[string]error // code → why not
	Boxes  map[string]Box   // the boxes after the change, by code
}

// bulk runs one change on many boxes in one transaction. A box that cannot
// take it is reported and left as it was; the others change.
func (s *Service) bulk(ctx context.Context, actor access.Actor, act access.Action, codes []string, ch Change) (BulkResult, error) {
	res := BulkResult{Failed: map[string]error{}, Boxes: map[string]Box{}}
	if err := actor.Require(act); err != nil {
		return res, err
	}
	if len(codes) == 0 || len(codes) > 500 {
		return res, apperr.New(apperr.Invalid, "stock.error.batch_size", 500)
	}
	boxes := map[string]Box{} // by code, as read and locked
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var order []string
		seen := map[string]bool{}
		for _, raw := range codes {
			c, err := ParseCode(raw)
			if err != nil {
				res.Failed[raw] = err
				continue
			}
			if !seen[c] {
				seen[c] = true
				order = append(order, c)
			}
		}
		// Lock every box, in code order, before changing any. Each change
		// appends to the ledger, which locks the organisation's chain head
		// until commit; locking boxes after that, or in scan order, would let
		// two bulk changes on PostgreSQL each wait for the other.
		if err := lockBoxes(ctx, tx, actor, order...); err != nil {
			return err
		}
		for _, c := range order {
			b, err := boxByCode(ctx, tx, actor, c)
			if err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					return err
				}
				res.Failed[c] = err
				continue
			}
			boxes[c] = b
		}
		for _, c := range order {
			b, ok := boxes[c]
			if !ok {
				continue
			}
			ch.Version = b.Version
			if err := applyChange(ctx, tx, actor, b, ch); err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					return err
				}
				res.Failed[c] = err
				continue
			}
			res.Done = append(res.Done, c)
		}
		return nil
	})
	if err != nil {
		return BulkResult{}, err
	}
	ids := make([]int64, 0, len(res.Done))
	for _, c := range res.Done {
		ids = append(ids, boxes[c].ID)
	}
	after, err := s.boxesByID(ctx, s.DB, actor, ids)
	if err != nil {
		return BulkResult{}, err
	}
	for _, b := range after {
		res.Boxes[b.Code] = b
	}
	return res, nil
}

// MoveBoxes moves boxes to a location (scanning mode).
func (s *Service) MoveBoxes(ctx context.Context, actor access.Actor, codes []string, locationID int64) (BulkResult, error) {
	return s.bulk(ctx, actor, access.MoveStock, codes, Change{LocationID: &locationID})
}

// SetState changes the state of boxes.
func (s *Service) SetState(ctx context.Context, actor access.Actor, codes []string, state State) (BulkResult, error) {
	if _, err := ParseState(string(state)); err != nil {
		return BulkResult{}, err
	}
	return s.bulk(ctx, actor, access.MoveStock, codes, Change{State: &state})
}

// TagBoxes adds a tag to (or, with remove, takes it off) boxes.
func (s *Service) TagBoxes(ctx context.Context, actor access.Actor, codes []string, tag string, remove bool) (BulkResult, error) {
	res := BulkResult{Failed: map[string]error{}, Boxes: map[string]Box{}}
	if err := actor.Require(access.EditStock); err != nil {
		return res, err
	}
	if len(codes) == 0 || len(codes) > 500 {
		return res, apperr.New(apperr.Invalid, "stock.error.batch_size", 500)
	}
	tags, err := checkTags([]string{tag})
	if err != nil {
		return res, err
	}
	if len(tags) == 0 {
		return res, apperr.New(apperr.Invalid, "stock.error.tag_required")
	}
	// Tags differ per box, so each box gets its own change.
	for _, raw := range codes {
		b, err := s.Box(ctx, actor, raw)
		if err != nil {
			res.Failed[raw] = err
			continue
		}
		nt := slices.DeleteFunc(slices.Clone(b.Tags), func(t string) bool { return t == tags[0] })
		if !remove {
			nt = append(nt, tags[0])
		}
		nb, err := s.UpdateBox(ctx, actor, b.Code, Change{Version: b.Version, Tags: &nt})
		if err != nil {
			res.Failed[b.Code] = err
			continue
		}
		res.Done = append(res.Done, b.Code)
		res.Boxes[b.Code] = nb
	}
	return res, nil
}

func ptrTo[T any](v T) *T { return &v }
