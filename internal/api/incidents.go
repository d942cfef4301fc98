package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/incident"
)

// incidentBody is an incident as the API answers it. Notes are free text
// and come back only to those who may see the incident.
type incidentBody struct {
	ID                  int64               `json:"id"`
	Site                idName              `json:"site"`
	Kind                string              `json:"kind"`
	StartsAt            time.Time           `json:"starts_at"`
	EndsAt              *time.Time          `json:"ends_at"`
	LegalBasis          string              `json:"legal_basis"`
	Bailiff             string              `json:"bailiff"`
	Interpreter         string              `json:"interpreter"`
	Notice              string              `json:"notice"`
	RecoveryOffered     string              `json:"recovery_offered"`
	PeoplePresent       int64               `json:"people_present"`
	PeopleArrested      int64               `json:"people_arrested"`
	BusShelter          int64               `json:"bus_shelter"`
	BusDetention        int64               `json:"bus_detention"`
	ForceUsed           []string            `json:"force_used"`
	ObserversChecked    int64               `json:"observers_checked"`
	ObserversFined      int64               `json:"observers_fined"`
	ObserversObstructed int64               `json:"observers_obstructed"`
	Forces              []incidentForceBody `json:"forces,omitempty"`
	Items               []incidentItemBody  `json:"items,omitempty"`
	Notes               string              `json:"notes"`
	Evidence            []evidenceBody      `json:"evidence,omitempty"`
	CreatedAt           time.Time           `json:"created_at"`
}

// incidentForceBody is a force present: the organisation's force by id,
// the default's code when it is one, and its name in the reader's
// language (as typed for a force the organisation added or renamed).
type incidentForceBody struct {
	ForceID  int64  `json:"force_id"`
	Force    string `json:"force,omitempty"`
	Name     string `json:"name"`
	Vehicles int64  `json:"vehicles"`
	Officers int64  `json:"officers"`
}

type evidenceBody struct {
	ID             int64      `json:"id"`
	SHA256         string     `json:"sha256"`
	Size           int64      `json:"size"`
	MediaType      string     `json:"media_type"`
	SharedSHA256   string     `json:"shared_sha256"`
	DeviceMismatch bool       `json:"device_mismatch"`
	DeviceSHA256   string     `json:"device_sha256"`
	CapturedAt     *time.Time `json:"captured_at"`
	CapturedFrom   string     `json:"captured_from"`
	UploadedAt     time.Time  `json:"uploaded_at"`
}

func evidenceOf(e incident.Evidence) evidenceBody {
	b := evidenceBody{ID: e.ID, SHA256: e.SHA256, Size: e.Size, MediaType: e.MediaType, SharedSHA256: e.SharedSHA256,
		DeviceMismatch: e.DeviceMismatch, DeviceSHA256: e.DeviceSHA256, UploadedAt: e.CreatedAt.UTC()}
	if !e.CapturedAt.IsZero() {
		t := e.CapturedAt.UTC()
		b.CapturedAt = &t
		b.CapturedFrom = e.CapturedFrom
	}
	return b
}

type incidentItemBody struct {
	Product   idName `json:"product"`
	Seized    int64  `json:"seized"`
	Destroyed int64  `json:"destroyed"`
	Recovered int64  `json:"recovered"`
	NeedID    int64  `json:"need_id"`
	Replaced  int64  `json:"replaced"`
	Owed      int64  `json:"owed"`
}

func incidentOf(in incident.Incident, lang string) incidentBody {
	b := incidentBody{ID: in.ID, Site: idName{ID: in.SiteID, Name: in.SiteName}, Kind: in.Kind, StartsAt: in.StartsAt.UTC(),
		LegalBasis: in.LegalBasis, Bailiff: in.Bailiff, Interpreter: in.Interpreter, Notice: in.Notice, RecoveryOffered: in.RecoveryOffered,
		PeoplePresent: in.PeoplePresent, PeopleArrested: in.PeopleArrested, BusShelter: in.BusShelter, BusDetention: in.BusDetention,
		ForceUsed: append([]string{}, in.ForceUsed...), ObserversChecked: in.ObserversChecked, ObserversFined: in.ObserversFined,
		ObserversObstructed: in.ObserversObstructed, Notes: in.Notes, CreatedAt: in.CreatedAt.UTC()}
	for _, f := range in.Forces {
		b.Forces = append(b.Forces, incidentForceBody{ForceID: f.ForceID, Force: f.Force, Name: f.Label(lang), Vehicles: f.Vehicles, Officers: f.Officers})
	}
	if !in.EndsAt.IsZero() {
		e := in.EndsAt.UTC()
		b.EndsAt = &e
	}
	for _, e := range in.Evidence {
		b.Evidence = append(b.Evidence, evidenceOf(e))
	}
	for _, it := range in.Items {
		b.Items = append(b.Items, incidentItemBody{Product: idName{ID: it.ProductID, Name: it.Name(lang)}, Seized: it.Seized,
			Destroyed: it.Destroyed, Recovered: it.Recovered, NeedID: it.NeedID, Replaced: it.Replaced, Owed: it.Owed})
	}
	return b
}

// listIncidents answers GET /api/v1/incidents: newest first, filtered by
// site_id, kind, and from/to (RFC 3339 times the start falls within).
func (a *api) listIncidents(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "site_id", "kind", "from", "to")
	if err != nil {
		return err
	}
	var f incident.Filter
	if s, _ := q.str("site_id"); s != "" {
		if f.SiteID, err = strconv.ParseInt(s, 10, 64); err != nil || f.SiteID <= 0 {
			return apperr.New(apperr.Invalid, keyQueryInteger, "site_id").At("site_id")
		}
	}
	f.Kind, _ = q.str("kind")
	for _, t := range []struct {
		name string
		at   *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s, _ := q.str(t.name); s != "" {
			if *t.at, err = time.Parse(time.RFC3339, s); err != nil {
				return apperr.New(apperr.Invalid, "incident.error.param_time").At(t.name)
			}
		}
	}
	is, err := a.incidents.List(r.Context(), p.Actor, f)
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	out := struct {
		Incidents []incidentBody `json:"incidents"`
	}{Incidents: []incidentBody{}}
	for _, in := range is {
		out.Incidents = append(out.Incidents, incidentOf(in, lang))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createIncident answers POST /api/v1/incidents with the incident as saved,
// its replacement needs opened.
func (a *api) createIncident(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var f incident.Form
	if err := decodeJSON(w, r, &f); err != nil {
		return err
	}
	id, err := a.incidents.Report(r.Context(), p.Actor, f.Input())
	if err != nil {
		return err
	}
	in, err := a.incidents.Get(r.Context(), p.Actor, id)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusCreated, incidentOf(in, langOf(r, p)))
	return nil
}

// getIncident answers GET /api/v1/incidents/{id}.
func (a *api) getIncident(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.ErrNotFound()
	}
	in, err := a.incidents.Get(r.Context(), p.Actor, id)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, incidentOf(in, langOf(r, p)))
	return nil
}

// uploadEvidence answers POST /api/v1/incidents/{id}/evidence: a multipart
// body with the file in "file" and, before it and optional, the SHA-256 the
// device computed at capture in "sha256" (a mismatch makes a review item),
// the device's id for the file in "client_id" (a resend under it is the
// same file) and when it was taken in "captured_at" (RFC 3339). It answers the hash of what arrived.
// The file's name is never used: files are stored by their hash.
func (a *api) uploadEvidence(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.ErrNotFound()
	}
	if _, err := a.incidents.Get(r.Context(), p.Actor, id); err != nil {
		return err
	}
	st := a.cfg.Evidence
	if st == nil {
		return apperr.New(apperr.Unavailable, "incident.error.evidence_off")
	}
	if b, ok := r.Body.(interface{ SetLimit(int64) }); ok {
		b.SetLimit(st.Limit + 1<<20) // room for the multipart framing
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.New(apperr.Invalid, "incident.error.evidence_form").At("file")
	}
	var cp incident.Capture
	for {
		part, err := mr.NextPart()
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return apperr.New(apperr.TooLarge, "incident.error.evidence_too_large", st.Limit>>20).At("file")
			}
			return apperr.New(apperr.Invalid, "incident.error.evidence_form").At("file")
		}
		switch part.FormName() {
		case "sha256", "client_id", "captured_at":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			v := strings.TrimSpace(string(b))
			switch part.FormName() {
			case "sha256":
				cp.SHA256 = strings.ToLower(v)
			case "client_id":
				cp.ClientID = strings.ToLower(v)
			default:
				if v != "" {
					if cp.At, err = time.Parse(time.RFC3339, v); err != nil {
						return apperr.New(apperr.Invalid, "incident.error.param_time").At("captured_at")
					}
				}
			}
		case "file":
			ev, err := a.incidents.UploadCaptured(r.Context(), p.Actor, st, id, part, cp)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return apperr.New(apperr.TooLarge, "incident.error.evidence_too_large", st.Limit>>20).At("file")
			}
			if err != nil {
				return err
			}
			a.writeJSON(w, r, http.StatusCreated, evidenceOf(ev))
			return nil
		}
	}
}

// forceBody is one force of the organisation's list.
type forceBody struct {
	ID      int64  `json:"id"`
	Code    string `json:"code,omitempty"`
	Name    string `json:"name"`
	Retired bool   `json:"retired"`
}

// incidentForces answers GET /api/v1/incidents/forces: the organisation's
// forces an incident's "forces" name by id, the retired ones too (refused
// on new incidents), each named in the reader's language.
func (a *api) incidentForces(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	fs, err := a.incidents.Forces(r.Context(), p.Actor)
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	out := struct {
		Forces []forceBody `json:"forces"`
	}{Forces: []forceBody{}}
	for _, f := range fs {
		out.Forces = append(out.Forces, forceBody{ID: f.ID, Code: f.Code, Name: f.Label(lang), Retired: f.Retired})
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
