package api

import (
	"net/http"
	"strconv"
	"time"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/incident"
)

// Evidence files of an incident: the shareable copy (images, with every
// tag removed) or the original bytes, each opening written to the custody
// log first; and the custody log itself.

func pathIDs(r *http.Request, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, n := range names {
		id, err := strconv.ParseInt(r.PathValue(n), 10, 64)
		if err != nil || id <= 0 {
			return nil, apperr.ErrNotFound()
		}
		out[i] = id
	}
	return out, nil
}

// evidenceFile answers GET /api/v1/incidents/{id}/evidence/{file} (the
// shareable copy) and …/original (the original bytes), named by hash.
func evidenceFile(original bool) handlerFunc {
	return func(a *api, w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if _, err := readParams(r); err != nil {
			return err
		}
		ids, err := pathIDs(r, "id", "file")
		if err != nil {
			return err
		}
		if err := incident.MayView(p.Actor); err != nil {
			return err
		}
		if a.cfg.Evidence == nil {
			return apperr.New(apperr.Unavailable, "incident.error.evidence_off")
		}
		b, ev, err := a.incidents.OpenOf(r.Context(), p.Actor, a.cfg.Evidence, ids[0], ids[1], original)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", ev.MediaType)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Content-SHA256", map[bool]string{true: ev.SHA256, false: ev.SharedSHA256}[original])
		disp := "inline"
		if original {
			disp = "attachment"
		}
		h.Set("Content-Disposition", disp+`; filename="`+ev.SHA256+incident.Extension(ev.MediaType)+`"`)
		w.WriteHeader(http.StatusOK)
		w.Write(b)
		return nil
	}
}

type custodyBody struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      idName    `json:"actor"`
	EvidenceID int64     `json:"evidence_id"`
	SHA256     string    `json:"sha256"`
	Action     string    `json:"action"`
}

// custody answers GET /api/v1/incidents/{id}/custody: every upload, view,
// download and export of the incident's files, file by file in the order
// of the ledger, with the entry (seq) that records each.
func (a *api) custody(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	cs, err := a.incidents.Custody(r.Context(), p.Actor, ids[0])
	if err != nil {
		return err
	}
	out := struct {
		Custody []custodyBody `json:"custody"`
	}{Custody: []custodyBody{}}
	for _, c := range cs {
		out.Custody = append(out.Custody, custodyBody{Seq: c.Seq, At: c.At.UTC(), Actor: idName{ID: c.ActorID, Name: c.ActorName},
			EvidenceID: c.EvidenceID, SHA256: c.File, Action: c.Action})
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// acceptReviewItem answers POST /api/v1/review-items/{id}/accept: for a
// file whose hashes differ (kind hash_mismatch), the server's hash becomes
// the record, with a reason in "note".
func (a *api) acceptReviewItem(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	return a.decideReviewItem(w, r, p, command.AcceptReviewItem)
}
