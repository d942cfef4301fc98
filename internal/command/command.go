// Package command applies what field screens queued on a device while the
// network was away. A device sends commands, each with an id it made; the
// server applies each exactly once whatever the retries, keeps every command
// it has seen, and turns a command it cannot apply into a review item for a
// coordinator instead of dropping it. Each field capability registers its
// command types here (Register); this package knows none of them.
package command

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
)

// Command is one thing a person did on a field screen, as the device queued
// it.
type Command struct {
	// ID is a UUID the device made, in RFC 4122 text form; it is kept in
	// lower case. Ids are unique within an organisation.
	ID string `json:"id"`
	// Type names the registered handler, e.g. "round.tally".
	Type string `json:"type"`
	// Target is what the command applies to, e.g. "round:42"; the type's
	// handler parses it (ParseTarget helps).
	Target  string          `json:"target"`
	Payload json.RawMessage `json:"payload"`
	// MadeAt is the device's clock when the person acted, kept beside the
	// server's receipt time: device clocks are often wrong.
	MadeAt time.Time `json:"made_at"`
}

// Status is what became of a command.
type Status string

const (
	// Applied: the handler applied it now.
	Applied Status = "applied"
	// AlreadyApplied: the same id with the same content was applied
	// before; the first result is answered again and nothing changes.
	AlreadyApplied Status = "already_applied"
	// Conflict: the same id came before with other content; nothing
	// changes and a review item holds the new content.
	Conflict Status = "conflict"
	// NeedsReview: it could not apply (the round was closed, the type is
	// unknown, …); a review item holds it for a coordinator.
	NeedsReview Status = "needs_review"
)

// Outcome is the answer for one command. Every status acknowledges the id:
// the device may forget the command.
type Outcome struct {
	ID     string          `json:"id"`
	Status Status          `json:"status"`
	Result json.RawMessage `json:"result,omitempty"`
	// Reason says why a command did not apply, in the request's language
	// (filled by Localize from Err).
	Reason       string `json:"reason,omitempty"`
	ReviewItemID int64  `json:"review_item_id,omitempty"`
	// Err is the reason as a translatable error; nil when applied.
	Err *apperr.Error `json:"-"`
}

// MarshalJSON writes every field, null when empty: result when the
// handler answered nothing or the command did not apply, reason and
// review_item_id when it applied.
func (o Outcome) MarshalJSON() ([]byte, error) {
	var w struct {
		ID           string          `json:"id"`
		Status       Status          `json:"status"`
		Result       json.RawMessage `json:"result"`
		Reason       *string         `json:"reason"`
		ReviewItemID *int64          `json:"review_item_id"`
	}
	w.ID, w.Status, w.Result = o.ID, o.Status, o.Result
	if len(w.Result) == 0 {
		w.Result = json.RawMessage("null")
	}
	if o.Reason != "" {
		w.Reason = &o.Reason
	}
	if o.ReviewItemID != 0 {
		w.ReviewItemID = &o.ReviewItemID
	}
	return json.Marshal(w)
}

// Localize fills each outcome's Reason from its Err with message, which
// turns an error into text in the request's language (i18n.Message).
func Localize(outs []Outcome, message func(*apperr.Error) string) {
	for i := range outs {
		if outs[i].Err != nil {
			outs[i].Reason = message(outs[i].Err)
		}
	}
}

// A Handler applies one command inside tx, which is already inside the
// command's own savepoint. It checks the actor's permission first
// (actor.Require) and writes its domain's ledger event. It returns a result
// to store and send back (encoded as JSON; nil is sent as no result). An
// error means the command cannot apply: the savepoint is rolled back and the
// command becomes a review item whose reason is the error (an apperr error
// keeps its translation key; any other is shown as an internal error).
type Handler func(ctx context.Context, tx *db.Tx, actor access.Actor, c Command) (result any, err error)

var handlers = struct {
	sync.RWMutex
	m map[string]Handler
}{m: map[string]Handler{}}

// Register makes h the handler of a command type. Call it from the domain
// package's init; registering a type twice panics.
func Register(typ string, h Handler) {
	if !validType(typ) {
		panic(fmt.Sprintf("command: bad type name %q", typ))
	}
	handlers.Lock()
	defer handlers.Unlock()
	if _, ok := handlers.m[typ]; ok {
		panic(fmt.Sprintf("command: type %s registered twice", typ))
	}
	handlers.m[typ] = h
}

// Types lists the registered command types, sorted.
func Types() []string {
	handlers.RLock()
	defer handlers.RUnlock()
	ts := make([]string, 0, len(handlers.m))
	for t := range handlers.m {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

func handlerOf(typ string) Handler {
	handlers.RLock()
	defer handlers.RUnlock()
	return handlers.m[typ]
}

// ParseTarget splits a target "kind:id" and checks its kind: ParseTarget(c.Target, "round")
// gives the round's id, or an Invalid error about the target.
func ParseTarget(target, kind string) (int64, error) {
	k, num, ok := strings.Cut(target, ":")
	var id int64
	if ok && k == kind && num != "" && len(num) <= 18 {
		for _, r := range num {
			if r < '0' || r > '9' {
				id = 0
				break
			}
			id = id*10 + int64(r-'0')
		}
	}
	if id <= 0 {
		return 0, apperr.New(apperr.Invalid, "command.target_invalid", kind).At("target")
	}
	return id, nil
}

// Target makes the target text of a kind and id: Target("round", 42) is
// "round:42".
func Target(kind string, id int64) string { return fmt.Sprintf("%s:%d", kind, id) }

// RequireTarget checks that every command of a batch is about target: an
// endpoint for one thing (POST /api/v1/rounds/{id}/commands) refuses, as a
// 400 for the batch, a command about anything else.
func RequireTarget(cmds []Command, target string) error {
	for i, c := range cmds {
		if c.Target != target {
			return apperr.New(apperr.Invalid, "command.target_other", i+1, target).At(fmt.Sprintf("commands[%d].target", i))
		}
	}
	return nil
}
