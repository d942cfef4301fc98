package incident

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
)

// Form is an incident as JSON: the body of POST /api/v1/incidents and the
// payload of the offline command "incident.report". Times are RFC 3339.
type Form struct {
	SiteID              int64       `json:"site_id"`
	Kind                string      `json:"kind"`
	StartsAt            time.Time   `json:"starts_at"`
	EndsAt              *time.Time  `json:"ends_at,omitempty"`
	LegalBasis          string      `json:"legal_basis,omitempty"`
	Bailiff             string      `json:"bailiff,omitempty"`
	Interpreter         string      `json:"interpreter,omitempty"`
	Notice              string      `json:"notice,omitempty"`
	RecoveryOffered     string      `json:"recovery_offered,omitempty"`
	PeoplePresent       int64       `json:"people_present,omitempty"`
	PeopleArrested      int64       `json:"people_arrested,omitempty"`
	BusShelter          int64       `json:"bus_shelter,omitempty"`
	BusDetention        int64       `json:"bus_detention,omitempty"`
	ForceUsed           []string    `json:"force_used,omitempty"`
	ObserversChecked    int64       `json:"observers_checked,omitempty"`
	ObserversFined      int64       `json:"observers_fined,omitempty"`
	ObserversObstructed int64       `json:"observers_obstructed,omitempty"`
	Forces              []ForceLine `json:"forces,omitempty"`
	Items               []ItemLine  `json:"items,omitempty"`
	Notes               string      `json:"notes,omitempty"`
}

// DecodeForm reads a form strictly: an unknown field is refused.
func DecodeForm(raw []byte) (Form, error) {
	var f Form
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, apperr.Wrap(err, apperr.Invalid, "incident.error.form").At("payload")
	}
	return f, nil
}

// Input is the form as the domain takes it.
func (f Form) Input() Input {
	in := Input{SiteID: f.SiteID, Kind: f.Kind, StartsAt: f.StartsAt, LegalBasis: f.LegalBasis, Bailiff: f.Bailiff,
		Interpreter: f.Interpreter, Notice: f.Notice, RecoveryOffered: f.RecoveryOffered, PeoplePresent: f.PeoplePresent,
		PeopleArrested: f.PeopleArrested, BusShelter: f.BusShelter, BusDetention: f.BusDetention, ForceUsed: f.ForceUsed,
		ObserversChecked: f.ObserversChecked, ObserversFined: f.ObserversFined, ObserversObstructed: f.ObserversObstructed,
		Forces: f.Forces, Items: f.Items, Notes: f.Notes}
	if f.EndsAt != nil {
		in.EndsAt = *f.EndsAt
	}
	for i := range in.Items {
		in.Items[i].NeedID = 0 // the server opens the needs
	}
	return in
}

// CmdReport is the offline command of the incident form: the whole form as
// one command targeting its site, "site:<id>". What cannot apply (a site
// archived since, a product unknown) becomes a review item with the reason.
const CmdReport = "incident.report"

// Reported is what the command answers: the incident's id.
type Reported struct {
	ID int64 `json:"id"`
}

func init() {
	command.Register(CmdReport, func(ctx context.Context, tx *db.Tx, actor access.Actor, c command.Command) (any, error) {
		site, err := command.ParseTarget(c.Target, "site")
		if err != nil {
			return nil, err
		}
		f, err := DecodeForm(c.Payload)
		if err != nil {
			return nil, err
		}
		in := f.Input()
		in.SiteID, in.CommandID = site, c.ID
		id, err := ReportTx(ctx, tx, actor, in)
		if err != nil {
			return nil, err
		}
		return Reported{ID: id}, nil
	})
}
