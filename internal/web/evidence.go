package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"abri/internal/apperr"
	"abri/internal/incident"
)

// Evidence on the incident page: view a file's shareable copy (no tags)
// or download its original bytes, each written to the custody log before a
// byte leaves; and the endpoint the offline queue sends an incident's
// photos to once its report has applied.

// evidenceFile serves one file of an incident: the shareable copy inline
// (view), or the original as a download.
func (s *server) evidenceFile(original bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		file, err := pathID(r, "file")
		if err != nil {
			return err
		}
		if err := incident.MayView(c.P.Actor); err != nil {
			return err
		}
		if s.evidence == nil {
			return apperr.New(apperr.Unavailable, "incident.error.evidence_off")
		}
		b, ev, err := s.incidentSvc.OpenOf(r.Context(), c.P.Actor, s.evidence, id, file, original)
		if err != nil {
			return err
		}
		writeEvidence(w, b, ev, original)
		return nil
	}
}

// writeEvidence sends a file's bytes, named by its hash (the name it was
// taken under is never kept), never cached.
func writeEvidence(w http.ResponseWriter, b []byte, ev incident.Evidence, original bool) {
	h := w.Header()
	h.Set("Content-Type", ev.MediaType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	name := ev.SHA256 + incident.Extension(ev.MediaType)
	if original {
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	} else {
		h.Set("Content-Disposition", `inline; filename="shared-`+name+`"`)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// syncEvidence answers POST /sync/evidence: a photo or file the incident
// form took on the phone, sent by the queue once the "incident.report"
// command it belongs to has applied. The multipart body names that command
// ("command"), the file's own id made on the phone ("client_id"), the
// SHA-256 the phone computed at capture ("sha256"), when it was taken
// ("captured_at", RFC 3339) and then the file ("file"). Every answer is
// JSON; a file sent again under its id is answered as the first time.
func (s *server) syncEvidence(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if c.P == nil {
		s.syncFailed(w, r, c, apperr.New(apperr.Unauthorized, "error.unauthorized"))
		return nil
	}
	ev, err := s.receiveEvidence(r, c, 0)
	if err != nil {
		s.syncFailed(w, r, c, err)
		return nil
	}
	s.writeSyncJSON(w, http.StatusCreated, evidenceJSON{ID: ev.ID, IncidentID: ev.IncidentID, SHA256: ev.SHA256, Size: ev.Size,
		MediaType: ev.MediaType, SharedSHA256: ev.SharedSHA256, DeviceMismatch: ev.DeviceMismatch})
	return nil
}

type evidenceJSON struct {
	ID             int64  `json:"id"`
	IncidentID     int64  `json:"incident_id"`
	SHA256         string `json:"sha256"`
	Size           int64  `json:"size"`
	MediaType      string `json:"media_type"`
	SharedSHA256   string `json:"shared_sha256"`
	DeviceMismatch bool   `json:"device_mismatch"`
}

// receiveEvidence reads a multipart upload: the fields the device may
// send about the file ("sha256", "client_id", "captured_at",
// "captured_from"), then the file ("file"). The file goes to the incident
// given, or, when that is 0, to the one the offline command named in
// "command" made.
func (s *server) receiveEvidence(r *http.Request, c *reqCtx, incidentID int64) (incident.Evidence, error) {
	if err := incident.MayView(c.P.Actor); err != nil {
		return incident.Evidence{}, err
	}
	if s.evidence == nil {
		return incident.Evidence{}, apperr.New(apperr.Unavailable, "incident.error.evidence_off")
	}
	tooLarge := apperr.New(apperr.TooLarge, "incident.error.evidence_too_large", s.evidence.Limit>>20).At("file")
	mr, err := r.MultipartReader()
	if err != nil {
		return incident.Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_form").At("file")
	}
	var cmd string
	var cp incident.Capture
	for {
		part, err := mr.NextPart()
		if err != nil {
			var big *http.MaxBytesError
			if errors.As(err, &big) {
				return incident.Evidence{}, tooLarge
			}
			return incident.Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_form").At("file")
		}
		field := func() string {
			b, _ := io.ReadAll(io.LimitReader(part, 200))
			return strings.TrimSpace(string(b))
		}
		switch part.FormName() {
		case "command":
			cmd = field()
		case "client_id":
			cp.ClientID = strings.ToLower(field())
		case "sha256":
			cp.SHA256 = field()
		case "captured_at":
			if v := field(); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return incident.Evidence{}, apperr.New(apperr.Invalid, "incident.error.param_time").At("captured_at")
				}
				cp.At = t
			}
		case "captured_from":
			cp.From = field()
		case "file":
			id := incidentID
			if id == 0 {
				if cmd == "" {
					return incident.Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_command").At("command")
				}
				if id, err = s.incidentSvc.ReportedBy(r.Context(), c.P.Actor, cmd); err != nil {
					return incident.Evidence{}, err
				}
			}
			ev, err := s.incidentSvc.UploadCaptured(r.Context(), c.P.Actor, s.evidence, id, part, cp)
			var big *http.MaxBytesError
			if errors.As(err, &big) {
				return incident.Evidence{}, tooLarge
			}
			return ev, err
		}
	}
}

// uploadEvidence answers POST /incidents/{id}/evidence: the incident
// page's file form, a plain multipart post that works without JavaScript.
// Then the server alone computes the file's SHA-256 (the page says so);
// with JavaScript the page also sends the hash the phone computed and the
// file's own time, as the offline form does.
func (s *server) uploadEvidence(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ev, err := s.receiveEvidence(r, c, id)
	if err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderIncident(w, r, c, status, id, fieldError{ID: "evidence-file", Msg: msg})
		}
		return err
	}
	if ev.DeviceSHA256 == "" {
		s.setFlash(w, r, "incident.evidence.flash_server_hash")
	} else {
		s.setFlash(w, r, "incident.evidence.flash_device_hash")
	}
	redirect(w, r, "/incidents/"+strconv.FormatInt(id, 10)+"#incident-evidence")
	return nil
}
