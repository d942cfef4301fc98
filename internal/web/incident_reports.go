package web

import (
	"net/http"
	"time"

	"abri/internal/i18n"
	"abri/internal/incident"
)

// exportIncidents answers the incident list's export button: a signed ZIP
// of the incidents ticked, or with scope=shown of every incident the
// list's filters show. It is a POST, not a link: each export is written
// into the custody log of every file it carries, so another site must not
// be able to start one.
func (s *server) exportIncidents(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := incident.MayView(c.P.Actor); err != nil {
		return err
	}
	req := incident.ExportRequest{Lang: c.Lang, Zone: c.zone()}
	if r.PostForm.Get("scope") == "shown" {
		is, err := s.incidentSvc.List(r.Context(), c.P.Actor, incidentFilter(r.PostForm, c))
		if err != nil {
			return err
		}
		for _, in := range is {
			req.IDs = append(req.IDs, in.ID)
		}
	} else {
		for _, v := range r.PostForm["ids"] {
			ids, err := incident.ParseIDs(v)
			if err != nil {
				return err
			}
			req.IDs = append(req.IDs, ids...)
		}
	}
	return s.sendBundle(w, r, c, req)
}

// sendBundle streams the bundle. Before its first byte an error is an
// ordinary error page; after it, the connection is cut so the browser
// reports a failed download rather than keeping a file that looks whole.
func (s *server) sendBundle(w http.ResponseWriter, r *http.Request, c *reqCtx, req incident.ExportRequest) error {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="abri-incidents-`+i18n.Day(c.zone(), s.db.Clock.Now())+`.zip"`)
	h.Set("Cache-Control", "no-store")
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	sent := &countingWriter{w: w}
	err := s.incidentSvc.Export(r.Context(), c.P.Actor, s.evidence, s.bundleKey, req, sent)
	if err == nil {
		return nil
	}
	if sent.n == 0 {
		h.Del("Content-Disposition")
		h.Del("Content-Type")
		return err
	}
	if r.Context().Err() == nil {
		s.log.Error("web: bundle cut short", "route", r.Pattern, "err", err.Error())
	}
	panic(http.ErrAbortHandler)
}
