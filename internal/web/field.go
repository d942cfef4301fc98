package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/i18n"
)

// The offline field mode's server side for the screens: the endpoint the
// queue (static/queue.js) sends its commands to, and the service worker
// (static/sw.js) that keeps field screens available with no network.

// fieldHeader marks a page the service worker may keep for offline use.
// Only field screens carry it; every other page, and every JSON answer,
// stays off the device.
const fieldHeader = "X-Abri-Field"

// renderField draws a field screen: a page the service worker keeps.
func (s *server) renderField(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, name, title string, data any) {
	w.Header().Set(fieldHeader, "1")
	s.render(w, r, c, status, name, title, data)
}

// syncError is the JSON of a refused batch, as the API words it.
type syncError struct {
	Error struct {
		Code    string  `json:"code"`
		Message string  `json:"message"`
		Field   *string `json:"field"`
	} `json:"error"`
}

func (s *server) writeSyncJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error","field":null}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (s *server) syncFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	e := apperr.As(err)
	status := apperr.Status(e.Code)
	var out syncError
	out.Error.Code, out.Error.Message = string(e.Code), i18n.Message(c.Lang, e)
	if status >= 500 {
		if e.Code != apperr.Unavailable {
			out.Error.Code, out.Error.Message = string(apperr.Internal), c.T("error.internal")
		}
		s.log.Error("web: sync failed", "route", r.Pattern, "err", err)
	}
	if f := apperr.FieldOf(err); f != "" && status < 500 {
		out.Error.Field = &f
	}
	s.writeSyncJSON(w, status, out)
}

// syncCommands answers POST /sync/commands, the queue's endpoint for a
// signed-in browser: a batch of commands in (command.ParseBatch), one
// outcome per command out, with reasons in the person's language. Every
// answer is JSON, a missing session too (401: the queue keeps its commands
// and asks the person to sign in again), so that a sender never mistakes a
// sign-in page for an answer.
func (s *server) syncCommands(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if c.P == nil {
		s.syncFailed(w, r, c, apperr.New(apperr.Unauthorized, "error.unauthorized"))
		return nil
	}
	if err := c.P.Actor.Require(access.SendCommands); err != nil {
		s.syncFailed(w, r, c, err)
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = apperr.Wrap(err, apperr.TooLarge, "error.too_large")
		} else {
			err = apperr.Wrap(err, apperr.Invalid, "command.batch_invalid")
		}
		s.syncFailed(w, r, c, err)
		return nil
	}
	cmds, err := command.ParseBatch(body)
	if err == nil {
		var outs []command.Outcome
		outs, err = command.Apply(r.Context(), s.db, c.P.Actor, cmds)
		if err == nil {
			command.Localize(outs, func(e *apperr.Error) string { return i18n.Message(c.Lang, e) })
			s.writeSyncJSON(w, http.StatusOK, struct {
				Outcomes []command.Outcome `json:"outcomes"`
			}{outs})
			return nil
		}
	}
	s.syncFailed(w, r, c, err)
	return nil
}

// serviceWorker answers GET /sw.js: the worker must be served from the
// root to look after every page, and never be cached for long, so that a
// new version reaches phones at their next visit.
func (s *server) serviceWorker(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	a, ok := s.static.files["sw.js"]
	if !ok {
		return apperr.ErrNotFound()
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	w.WriteHeader(http.StatusOK)
	w.Write(a.body)
	return nil
}
