package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/i18n"
)

// The offline commands of field screens (internal/command): a batch in,
// one answer per command out; and the review items of commands that could
// not apply.

// commandsBody is the answer to a batch: one outcome per command, in the
// batch's order.
type commandsBody struct {
	Outcomes []command.Outcome `json:"outcomes"`
}

// readCommands reads a batch of commands from the request body (at most
// MaxBody). Anything malformed refuses the whole batch with a 400 naming
// the field; more than command.MaxBatch commands is a 413.
func readCommands(w http.ResponseWriter, r *http.Request) ([]command.Command, error) {
	if r.ContentLength > MaxBody {
		return nil, apperr.New(apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if isTooLarge(err) {
			return nil, apperr.Wrap(err, apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
		}
		return nil, apperr.Wrap(err, apperr.Invalid, keyJSONInvalid)
	}
	if len(body) == 0 {
		return nil, apperr.New(apperr.Invalid, keyBodyEmpty)
	}
	return command.ParseBatch(body)
}

// applyCommands applies a batch as the caller and answers the outcomes,
// with reasons in the request's language (Accept-Language, else English).
// An endpoint for one target (a round's) checks the batch with
// command.RequireTarget first and then calls this.
func (a *api) applyCommands(w http.ResponseWriter, r *http.Request, p account.Principal, cmds []command.Command) error {
	outs, err := command.Apply(r.Context(), a.cfg.DB, p.Actor, cmds)
	if err != nil {
		return err
	}
	lang := i18n.Match(r.Header.Get("Accept-Language"))
	command.Localize(outs, func(e *apperr.Error) string { return i18n.Message(lang, e) })
	a.writeJSON(w, r, http.StatusOK, commandsBody{Outcomes: outs})
	return nil
}

// postCommands answers POST /api/v1/commands.
func (a *api) postCommands(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := p.Actor.Require(access.SendCommands); err != nil {
		return err
	}
	cmds, err := readCommands(w, r)
	if err != nil {
		return err
	}
	return a.applyCommands(w, r, p, cmds)
}

// reviewItemBody is a review item as the API shows it; the ReviewItem
// schema of openapi.json.
type reviewItemBody struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	State      string          `json:"state"`
	Command    command.Command `json:"command"`
	Reason     string          `json:"reason"`
	Note       string          `json:"note"`
	Result     json.RawMessage `json:"result"`
	SentBy     idName          `json:"sent_by"`
	ReceivedAt time.Time       `json:"received_at"`
	ResolvedAt *time.Time      `json:"resolved_at"`
}

func reviewItemOf(it command.ReviewItem, lang string) reviewItemBody {
	out := reviewItemBody{ID: it.ID, Kind: it.Kind, State: it.State, Command: it.Command(), Note: it.Note, Result: it.Result,
		SentBy: idName{it.SentBy, it.SentByName}, ReceivedAt: it.CreatedAt.UTC()}
	out.Command.MadeAt = out.Command.MadeAt.UTC()
	if it.Reason != nil {
		out.Reason = i18n.Message(lang, it.Reason)
	}
	if out.Result == nil {
		out.Result = json.RawMessage("null")
	}
	if !it.ResolvedAt.IsZero() {
		t := it.ResolvedAt.UTC()
		out.ResolvedAt = &t
	}
	return out
}

// listReviewItems answers GET /api/v1/review-items: the open items of the
// token's base, or with ?state=all every one.
func (a *api) listReviewItems(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	all := false
	switch s := r.URL.Query().Get("state"); s {
	case "", command.StateOpen:
	case "all":
		all = true
	default:
		return apperr.New(apperr.Invalid, "command.state_filter").At("state")
	}
	items, err := command.ListReviewItems(r.Context(), a.cfg.DB, p.Actor, all)
	if err != nil {
		return err
	}
	lang := i18n.Match(r.Header.Get("Accept-Language"))
	out := make([]reviewItemBody, len(items))
	for i, it := range items {
		out[i] = reviewItemOf(it, lang)
	}
	a.writeJSON(w, r, http.StatusOK, map[string]any{"review_items": out})
	return nil
}

// reviewApply is the body of POST /api/v1/review-items/{id}/apply.
type reviewApply struct {
	Target  string          `json:"target"`
	Payload json.RawMessage `json:"payload"`
}

// applyReviewItem answers POST /api/v1/review-items/{id}/apply.
func (a *api) applyReviewItem(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := p.Actor.Require(access.ReviewCommands); err != nil {
		return err
	}
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	var in reviewApply
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := command.ApplyReviewItem(r.Context(), a.cfg.DB, p.Actor, id, in.Target, in.Payload)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, reviewItemOf(it, i18n.Match(r.Header.Get("Accept-Language"))))
	return nil
}

// reviewDismiss is the body of POST /api/v1/review-items/{id}/dismiss.
type reviewDismiss struct {
	Note string `json:"note"`
}

// dismissReviewItem answers POST /api/v1/review-items/{id}/dismiss.
func (a *api) dismissReviewItem(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	return a.decideReviewItem(w, r, p, command.DismissReviewItem)
}

// decideReviewItem reads {"note"} and decides an open review item with it
// (dismiss, or accept a file's server hash).
func (a *api) decideReviewItem(w http.ResponseWriter, r *http.Request, p account.Principal,
	decide func(context.Context, *db.DB, access.Actor, int64, string) (command.ReviewItem, error)) error {
	if err := p.Actor.Require(access.ReviewCommands); err != nil {
		return err
	}
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	var in reviewDismiss
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := decide(r.Context(), a.cfg.DB, p.Actor, id, in.Note)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, reviewItemOf(it, i18n.Match(r.Header.Get("Accept-Language"))))
	return nil
}

// reviewID reads the {id} of a review item's path; a malformed one is not
// found, as a missing one is.
func reviewID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.ErrNotFound()
	}
	return id, nil
}
