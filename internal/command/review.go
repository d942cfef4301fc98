package command

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Review item kinds and states.
const (
	KindNeedsReview = "needs_review"
	KindConflict    = "conflict"

	StateOpen      = "open"
	StateApplied   = "applied"
	StateDismissed = "dismissed"
)

// MaxNote is the longest dismissal note, in characters.
const MaxNote = 500

// ReviewItem is a command a coordinator has to decide about.
type ReviewItem struct {
	ID       int64
	BaseID   int64
	ClientID string // the command's id, made on the device
	Kind     string // KindNeedsReview or KindConflict
	Type     string
	Target   string
	Payload  json.RawMessage
	MadeAt   time.Time // the device's clock
	// Reason is why it could not apply, to translate.
	Reason     *apperr.Error
	State      string
	Note       string // why it was dismissed
	Result     json.RawMessage
	SentBy     int64
	SentByName string
	CreatedAt  time.Time // when the server received it
	ResolvedBy int64
	ResolvedAt time.Time
}

// Command is the item's command as it stands now (after an apply, with the
// target and payload it was applied with).
func (r ReviewItem) Command() Command {
	return Command{ID: r.ClientID, Type: r.Type, Target: r.Target, Payload: r.Payload, MadeAt: r.MadeAt}
}

const reviewColumns = `r.id, r.base_id, r.client_id, r.kind, r.type, r.target, r.payload, r.made_at, r.reason_key, r.reason_args,
	r.state, r.note, r.result, r.created_by, COALESCE(u.display_name, ''), r.created_at, r.resolved_by, r.resolved_at`

const reviewFrom = ` FROM review_items r LEFT JOIN users u ON u.id = r.created_by AND u.org_id = r.org_id`

func scanReview(scan func(...any) error) (ReviewItem, error) {
	var r ReviewItem
	var payload, key, args, result string
	var made, created, resolved int64
	if err := scan(&r.ID, &r.BaseID, &r.ClientID, &r.Kind, &r.Type, &r.Target, &payload, &made, &key, &args,
		&r.State, &r.Note, &result, &r.SentBy, &r.SentByName, &created, &r.ResolvedBy, &resolved); err != nil {
		return r, err
	}
	r.Payload = json.RawMessage(payload)
	if result != "" {
		r.Result = json.RawMessage(result)
	}
	r.Reason = reasonOf(key, args)
	r.MadeAt, r.CreatedAt, r.ResolvedAt = db.FromMicros(made), db.FromMicros(created), db.FromMicros(resolved)
	return r, nil
}

// ListReviewItems lists the review items of the actor's base, newest first:
// the open ones, or with all every one (at most 500).
func ListReviewItems(ctx context.Context, d *db.DB, actor access.Actor, all bool) ([]ReviewItem, error) {
	if err := actor.Require(access.ReviewCommands); err != nil {
		return nil, err
	}
	q := "SELECT " + reviewColumns + reviewFrom + " WHERE r.org_id = ? AND r.base_id = ?"
	args := []any{actor.OrgID, actor.BaseID}
	if !all {
		q += " AND r.state = ?"
		args = append(args, StateOpen)
	}
	q += " ORDER BY r.id DESC LIMIT 500"
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list review items: %w", err)
	}
	defer rows.Close()
	items := []ReviewItem{}
	for rows.Next() {
		r, err := scanReview(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list review items: %w", err)
		}
		items = append(items, r)
	}
	return items, rows.Err()
}

// CountOpenReviewItems is how many review items of the actor's base wait
// for a decision (0 for a role that may not review them).
func CountOpenReviewItems(ctx context.Context, d *db.DB, actor access.Actor) (int, error) {
	if !actor.Can(access.ReviewCommands) {
		return 0, nil
	}
	var n int
	err := d.QueryRow(ctx, "SELECT COUNT(*) FROM review_items WHERE org_id = ? AND base_id = ? AND state = ?",
		actor.OrgID, actor.BaseID, StateOpen).Scan(&n)
	return n, err
}

// GetReviewItem reads one review item of the actor's base; another base's
// or organisation's is not found.
func GetReviewItem(ctx context.Context, d *db.DB, actor access.Actor, id int64) (ReviewItem, error) {
	if err := actor.Require(access.ReviewCommands); err != nil {
		return ReviewItem{}, err
	}
	return getReview(ctx, d, actor, id, "")
}

func getReview(ctx context.Context, q db.Queryer, actor access.Actor, id int64, suffix string) (ReviewItem, error) {
	r, err := scanReview(q.QueryRow(ctx, "SELECT "+reviewColumns+reviewFrom+" WHERE r.id = ? AND r.org_id = ? AND r.base_id = ?"+suffix,
		id, actor.OrgID, actor.BaseID).Scan)
	if db.IsNoRows(err) {
		return r, apperr.ErrNotFound()
	}
	if err != nil {
		return r, fmt.Errorf("read review item: %w", err)
	}
	return r, nil
}

// openForUpdate reads an open review item in tx, locked.
func openForUpdate(ctx context.Context, tx *db.Tx, actor access.Actor, id int64) (ReviewItem, error) {
	// The lock is on review_items only: PostgreSQL refuses FOR UPDATE on the
	// nullable side of an outer join.
	suffix := ""
	if tx.ForUpdate() != "" {
		suffix = " FOR UPDATE OF r"
	}
	r, err := getReview(ctx, tx, actor, id, suffix)
	if err != nil {
		return r, err
	}
	if r.State != StateOpen {
		return r, apperr.New(apperr.Conflict, "command.review_resolved")
	}
	return r, nil
}

// ApplyReviewItem applies an open review item's command again, as the
// actor, with target and payload (an empty one keeps the item's: so one
// call is "apply to another round", "adjust" or both). When the handler
// refuses, its error is returned and nothing changes: the item stays open.
func ApplyReviewItem(ctx context.Context, d *db.DB, actor access.Actor, id int64, target string, payload json.RawMessage) (ReviewItem, error) {
	if err := actor.Require(access.ReviewCommands); err != nil {
		return ReviewItem{}, err
	}
	var out ReviewItem
	err := d.InTx(ctx, func(tx *db.Tx) error {
		r, err := openForUpdate(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.Kind == KindHashMismatch {
			return apperr.New(apperr.Invalid, "command.apply_kind")
		}
		c := r.Command()
		if target = strings.TrimSpace(target); target != "" {
			c.Target = target
		}
		if len(payload) > 0 {
			c.Payload = payload
		}
		if err := c.Validate(); err != nil {
			return err
		}
		h := handlerOf(c.Type)
		if h == nil {
			return apperr.New(apperr.Invalid, "command.type_unknown", c.Type).At("type")
		}
		var result any
		if err := tx.Savepoint(ctx, func() error {
			res, err := runHandler(ctx, tx, actor, c, h)
			result = res
			return err
		}); err != nil {
			return err
		}
		res, err := encodeResult(result)
		if err != nil {
			return fmt.Errorf("review item %d: result: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET state = ?, target = ?, payload = ?, result = ?, resolved_by = ?, resolved_at = ?, version = version + 1
			WHERE id = ? AND org_id = ?`, StateApplied, c.Target, string(c.Payload), string(res), actor.UserID, db.Micros(tx.Now), id, actor.OrgID); err != nil {
			return fmt.Errorf("apply review item: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "review_item", id, ReviewItemApplied{Target: c.Target, PayloadHash: payloadHash(c.Payload), Result: res}); err != nil {
			return err
		}
		out, err = getReview(ctx, tx, actor, id, "")
		return err
	})
	return out, err
}

// DismissReviewItem sets an open review item aside with a note saying why
// (required, at most MaxNote characters; like every note, it stays out of
// the ledger, which records only that the item was dismissed).
func DismissReviewItem(ctx context.Context, d *db.DB, actor access.Actor, id int64, note string) (ReviewItem, error) {
	if err := actor.Require(access.ReviewCommands); err != nil {
		return ReviewItem{}, err
	}
	note = strings.TrimSpace(note)
	var out ReviewItem
	err := d.InTx(ctx, func(tx *db.Tx) error {
		// The item first: another base's is not found, whatever the note.
		if _, err := openForUpdate(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := checkNote(note, "command.note_missing"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET state = ?, note = ?, resolved_by = ?, resolved_at = ?, version = version + 1
			WHERE id = ? AND org_id = ?`, StateDismissed, note, actor.UserID, db.Micros(tx.Now), id, actor.OrgID); err != nil {
			return fmt.Errorf("dismiss review item: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "review_item", id, ReviewItemDismissed{}); err != nil {
			return err
		}
		var err error
		out, err = getReview(ctx, tx, actor, id, "")
		return err
	})
	return out, err
}
