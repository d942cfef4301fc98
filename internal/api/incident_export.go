package api

import (
	"io"
	"net/http"
	"time"

	"abri/internal/account"
	"abri/internal/i18n"
	"abri/internal/incident"
)

// exportIncidents answers GET /api/v1/incidents/export?ids=1,2: the signed
// ZIP bundle of those incidents (docs/evidence.md). The export is written
// into the ledger and each file's custody log before the first byte goes
// out; an error after that cuts the connection, so no client keeps a
// bundle that looks whole.
func (a *api) exportIncidents(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "ids")
	if err != nil {
		return err
	}
	req := incident.ExportRequest{Lang: langOf(r, p), Zone: p.Location()}
	for _, v := range q.v["ids"] {
		ids, err := incident.ParseIDs(v)
		if err != nil {
			return err
		}
		req.IDs = append(req.IDs, ids...)
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="abri-incidents-`+i18n.Day(p.Location(), a.cfg.DB.Clock.Now())+`.zip"`)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	sent := &sentWriter{w: w}
	err = a.incidents.Export(r.Context(), p.Actor, a.cfg.Evidence, a.cfg.BundleKey, req, sent)
	if err == nil {
		return nil
	}
	if !sent.any {
		h.Del("Content-Disposition")
		h.Set("Content-Type", "application/json")
		return err
	}
	if r.Context().Err() == nil {
		a.log.ErrorContext(r.Context(), "api: bundle cut short", "route", r.Pattern, "err", err.Error())
	}
	panic(http.ErrAbortHandler)
}

// sentWriter tells whether anything went out.
type sentWriter struct {
	w   io.Writer
	any bool
}

func (s *sentWriter) Write(b []byte) (int, error) {
	s.any = s.any || len(b) > 0
	return s.w.Write(b)
}
