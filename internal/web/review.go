package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/i18n"
	"abri/internal/incident"
)

// The review screen: a coordinator's list of the commands that could not
// apply, each with why, and what to do with it (apply again, to another
// target, with an adjusted payload; or dismiss with a note).

type reviewRow struct {
	ID         int64
	Kind       string
	State      string
	Type       string
	Target     string
	Payload    string
	Reason     string
	Note       string
	SentBy     string
	MadeAt     string // the device's clock
	ReceivedAt string
	Open       bool
	// Mismatch is a hash-mismatch item's payload, read for a person
	// rather than shown as JSON.
	Mismatch *incident.Mismatch
}

type reviewPage struct {
	Items   []reviewRow
	All     bool
	Error   string
	ErrorID int64
	Typed   struct{ Target, Payload, Note string }
}

func reviewRowOf(c *reqCtx, it command.ReviewItem) reviewRow {
	row := reviewRow{ID: it.ID, Kind: it.Kind, State: it.State, Type: it.Type, Target: it.Target, Payload: string(it.Payload),
		Note: it.Note, SentBy: it.SentByName, MadeAt: c.when(it.MadeAt),
		ReceivedAt: c.when(it.CreatedAt), Open: it.State == command.StateOpen}
	if it.Reason != nil {
		row.Reason = i18n.Message(c.Lang, it.Reason)
	}
	if it.Kind == command.KindHashMismatch {
		if m, ok := incident.MismatchOf(it.Payload); ok {
			row.Mismatch = &m
		}
	}
	return row
}

func (s *server) review(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderReview(w, r, c, http.StatusOK, reviewPage{All: r.URL.Query().Get("state") == "all"})
}

func (s *server) renderReview(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p reviewPage) error {
	items, err := command.ListReviewItems(r.Context(), s.db, c.P.Actor, p.All)
	if err != nil {
		return err
	}
	for _, it := range items {
		p.Items = append(p.Items, reviewRowOf(c, it))
	}
	s.render(w, r, c, status, "review", "web.review.title", p)
	return nil
}

// applyReview answers POST /review/{id}/apply: the form's target and
// payload (either left as they were) are applied as the coordinator.
func (s *server) applyReview(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	target, payload := strings.TrimSpace(r.PostForm.Get("target")), strings.TrimSpace(r.PostForm.Get("payload"))
	var raw json.RawMessage
	if payload != "" {
		raw = json.RawMessage(payload)
	}
	// "Apply anyway" of a checkout a rule refused: the coordinator's
	// reason goes into the payload as its override.
	if reason := strings.TrimSpace(r.PostForm.Get("override")); reason != "" {
		if raw == nil {
			it, err := command.GetReviewItem(r.Context(), s.db, c.P.Actor, id)
			if err != nil {
				return err
			}
			raw = it.Payload
		}
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil && m != nil {
			m["override"] = reason
			raw, _ = json.Marshal(m)
			payload = string(raw)
		}
	}
	if _, err := command.ApplyReviewItem(r.Context(), s.db, c.P.Actor, id, target, raw); err != nil {
		return s.reviewRefused(w, r, c, id, err, target, payload, "")
	}
	s.setFlash(w, r, "web.flash.review_applied")
	redirect(w, r, "/review")
	return nil
}

// dismissReview answers POST /review/{id}/dismiss.
func (s *server) dismissReview(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.decideReview(w, r, c, command.DismissReviewItem, "web.flash.review_dismissed")
}

// acceptReview answers POST /review/{id}/accept: for a file whose hashes
// differ, the server's hash is accepted as the record, with a reason.
func (s *server) acceptReview(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.decideReview(w, r, c, command.AcceptReviewItem, "evidence.flash.accepted")
}

// decideReview decides an open review item with the form's note.
func (s *server) decideReview(w http.ResponseWriter, r *http.Request, c *reqCtx,
	decide func(context.Context, *db.DB, access.Actor, int64, string) (command.ReviewItem, error), flash string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	note := r.PostForm.Get("note")
	if _, err := decide(r.Context(), s.db, c.P.Actor, id, note); err != nil {
		return s.reviewRefused(w, r, c, id, err, "", "", note)
	}
	s.setFlash(w, r, flash)
	redirect(w, r, "/review")
	return nil
}

// reviewRefused shows the list again with the refusal at the item, and
// what was typed kept.
func (s *server) reviewRefused(w http.ResponseWriter, r *http.Request, c *reqCtx, id int64, err error, target, payload, note string) error {
	msg, status := formError(c, err)
	if msg == "" {
		if !apperr.Is(err, apperr.Forbidden) {
			return err
		}
		msg, status = errText(c, err), http.StatusForbidden
	}
	p := reviewPage{Error: msg, ErrorID: id}
	p.Typed.Target, p.Typed.Payload, p.Typed.Note = target, payload, note
	return s.renderReview(w, r, c, status, p)
}
