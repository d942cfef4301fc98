package command

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// A hash mismatch is a review item that no command made: a file arrived
// whose SHA-256, recomputed on the server, differs from the one the device
// computed at capture (a file changed or cut short on the way, or on the
// phone). There is nothing to apply again; a coordinator either accepts the
// server's hash as the record, saying why, or dismisses the item, saying
// why. Both go into the ledger; the reasons stay out of it, like every note.

// KindHashMismatch is the review kind of a file whose hashes differ.
const KindHashMismatch = "hash_mismatch"

// StateAccepted: a coordinator accepted the server's hash as the record.
const StateAccepted = "accepted"

// Mismatch is what a domain says about a file whose hashes differ. The
// payload holds the hashes and ids, never the file or its name.
type Mismatch struct {
	ClientID string // the file's id made on the device, or "" (then one is made from Target)
	Type     string // e.g. "evidence.upload"
	Target   string // e.g. "evidence:7"
	Payload  []byte // JSON
	Reason   *apperr.Error
}

// NewHashMismatch records a review item of kind hash_mismatch in tx, with
// its review_item.created event, and returns its id.
func NewHashMismatch(ctx context.Context, tx *db.Tx, actor access.Actor, m Mismatch) (int64, error) {
	c := Command{ID: m.ClientID, Type: m.Type, Target: m.Target, Payload: m.Payload, MadeAt: tx.Now}
	if c.ID == "" {
		c.ID = m.Target
	}
	return newReviewItem(ctx, tx, actor, c, ContentHash(c), KindHashMismatch, m.Reason, 0)
}

// AcceptReviewItem accepts the server's hash as the record of an open
// hash-mismatch item, with a reason (required, at most MaxNote
// characters, kept out of the ledger like every note). Any other kind of
// item is refused: it has a command to apply or dismiss.
func AcceptReviewItem(ctx context.Context, d *db.DB, actor access.Actor, id int64, note string) (ReviewItem, error) {
	if err := actor.Require(access.ReviewCommands); err != nil {
		return ReviewItem{}, err
	}
	note = strings.TrimSpace(note)
	var out ReviewItem
	err := d.InTx(ctx, func(tx *db.Tx) error {
		r, err := openForUpdate(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.Kind != KindHashMismatch {
			return apperr.New(apperr.Invalid, "command.accept_kind")
		}
		if err := checkNote(note, "command.accept_note_missing"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET state = ?, note = ?, resolved_by = ?, resolved_at = ?, version = version + 1
			WHERE id = ? AND org_id = ?`, StateAccepted, note, actor.UserID, db.Micros(tx.Now), id, actor.OrgID); err != nil {
			return fmt.Errorf("accept review item: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "review_item", id, ReviewItemAccepted{}); err != nil {
			return err
		}
		out, err = getReview(ctx, tx, actor, id, "")
		return err
	})
	return out, err
}

// checkNote refuses a missing or overlong reason, at the note field.
func checkNote(note, missingKey string) error {
	if note == "" {
		return apperr.New(apperr.Invalid, missingKey).At("note")
	}
	if utf8.RuneCountInString(note) > MaxNote || !utf8.ValidString(note) {
		return apperr.New(apperr.Invalid, "command.note_long", MaxNote).At("note")
	}
	return nil
}

// ReviewItemAccepted: a coordinator accepted the server's hash of a file
// as the record, with a reason that stays out of the ledger.
type ReviewItemAccepted struct{}

func (ReviewItemAccepted) EventKind() string { return "review_item.accepted" }
func (ReviewItemAccepted) EventVersion() int { return 1 }

func init() { ledger.Register[ReviewItemAccepted]() }

// ResultOf is the result of a command of the actor's base that has
// applied, at once or later from its review item, for a follow-up that
// names the command by its device id (a photo sent after the incident it
// belongs to). A command that waits for review is a Conflict (try again
// later); one set aside is Invalid at "command"; one never received is not
// found.
func ResultOf(ctx context.Context, d *db.DB, actor access.Actor, clientID, typ string) (json.RawMessage, error) {
	clientID = strings.ToLower(strings.TrimSpace(clientID))
	var outcome, result, reviewState, reviewResult string
	err := d.QueryRow(ctx, `SELECT c.outcome, c.result, COALESCE(r.state, ''), COALESCE(r.result, '')
		FROM commands c LEFT JOIN review_items r ON r.id = c.review_item_id AND r.org_id = c.org_id
		WHERE c.org_id = ? AND c.base_id = ? AND c.client_id = ? AND c.type = ?`, actor.OrgID, actor.BaseID, clientID, typ).
		Scan(&outcome, &result, &reviewState, &reviewResult)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("look up command: %w", err)
	}
	switch {
	case Status(outcome) == Applied && result != "":
		return json.RawMessage(result), nil
	case reviewState == StateApplied && reviewResult != "":
		return json.RawMessage(reviewResult), nil
	case reviewState == StateDismissed:
		// Set aside for good: what follows it has nowhere to go.
		return nil, apperr.New(apperr.Invalid, "command.set_aside").At("command")
	}
	return nil, apperr.New(apperr.Conflict, "command.not_applied")
}
