// Package incident is the shelter-loss log: evictions, seizures, arrests and
// the obstruction of observers at living sites, as a monitor observes and
// states them. People are counted, never named or described. Items seized or
// destroyed and not recovered open replacement needs at the site in the
// incident's own transaction, so the record of a loss is also the order to
// replace it. Only observers, coordinators and admins of the organisation
// see incidents; to everyone else they do not exist.
package incident

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
)

// Service reads and records the incidents of the actor's base.
type Service struct{ DB *db.DB }

// New returns an incident service.
func New(d *db.DB) *Service { return &Service{DB: d} }

// Kinds of incident; each has the key "incident.kind.<kind>".
var Kinds = []string{"eviction", "seizure", "destruction", "identity_check", "violence", "observers", "other"}

// LegalBases stated at an incident; each has the key "incident.legal.<basis>".
var LegalBases = []string{"court_order", "administrative_order", "none_given", "unknown"}

// Answers to a yes-or-no formality; each has the key "incident.answer.<answer>".
var Answers = []string{"yes", "no", "unknown"}

// ForcesUsed lists the force a monitor may see used; each has the key
// "incident.force_used.<force>".
var ForcesUsed = []string{"tear_gas", "batons", "dogs", "other"}

// Limits of what a form may carry.
const (
	MaxCount = 100000
	MaxNotes = 4000
	MaxLines = 50
)

// NotesHintKey is the key of the warning every notes field shows.
const NotesHintKey = "incident.notes_hint"

// ForceLine is one force of the organisation's list present, with what
// was counted of it. A form names the force by ForceID, or a default by
// its code in Force; read back, Force is the default's code ("" for a
// force the organisation added) and Name the organisation's name for it
// ("" for a default not renamed: Label gives it in a language).
type ForceLine struct {
	ForceID  int64  `json:"force_id,omitempty"`
	Force    string `json:"force,omitempty"`
	Name     string `json:"name,omitempty"`
	Vehicles int64  `json:"vehicles"`
	Officers int64  `json:"officers"`
}

// ItemLine is what was taken of one product: seized, destroyed and later
// recovered, and the need that asks for the rest (0 when nothing is owed).
type ItemLine struct {
	ProductID int64 `json:"product_id"`
	Seized    int64 `json:"seized"`
	Destroyed int64 `json:"destroyed"`
	Recovered int64 `json:"recovered"`
	NeedID    int64 `json:"need_id,omitempty"`
}

// Lost is what of a line is owed: seized and destroyed, less what came back.
func (l ItemLine) Lost() int64 { return max(0, l.Seized+l.Destroyed-l.Recovered) }

// Input is the whole form of an incident.
type Input struct {
	SiteID              int64
	Kind                string
	StartsAt            time.Time
	EndsAt              time.Time // zero when not known
	LegalBasis          string
	Bailiff             string
	Interpreter         string
	Notice              string
	RecoveryOffered     string
	PeoplePresent       int64
	PeopleArrested      int64
	BusShelter          int64
	BusDetention        int64
	ForceUsed           []string
	ObserversChecked    int64
	ObserversFined      int64
	ObserversObstructed int64
	Forces              []ForceLine
	Items               []ItemLine
	Notes               string
	CommandID           string // the offline command that carried it, if any
}

func count(field string, n int64) error {
	if n < 0 || n > MaxCount {
		return apperr.New(apperr.Invalid, "incident.error.count", MaxCount).At(field)
	}
	return nil
}

// clean checks the form, field by field, and puts it in its stored shape.
func (in Input) clean() (Input, error) {
	if in.SiteID <= 0 {
		return in, apperr.New(apperr.Invalid, "incident.error.site_required").At("site")
	}
	if !slices.Contains(Kinds, in.Kind) {
		return in, apperr.New(apperr.Invalid, "incident.error.kind").At("kind")
	}
	if in.StartsAt.IsZero() {
		return in, apperr.New(apperr.Invalid, "incident.error.start_required").At("starts_at")
	}
	if !in.EndsAt.IsZero() && in.EndsAt.Before(in.StartsAt) {
		return in, apperr.New(apperr.Invalid, "incident.error.end_before_start").At("ends_at")
	}
	if in.LegalBasis == "" {
		in.LegalBasis = "unknown"
	}
	if !slices.Contains(LegalBases, in.LegalBasis) {
		return in, apperr.New(apperr.Invalid, "incident.error.choice").At("legal_basis")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"bailiff", &in.Bailiff}, {"interpreter", &in.Interpreter}, {"notice", &in.Notice}, {"recovery_offered", &in.RecoveryOffered}} {
		if *f.v == "" {
			*f.v = "unknown"
		}
		if !slices.Contains(Answers, *f.v) {
			return in, apperr.New(apperr.Invalid, "incident.error.choice").At(f.name)
		}
	}
	for _, c := range []struct {
		name string
		n    int64
	}{{"people_present", in.PeoplePresent}, {"people_arrested", in.PeopleArrested}, {"bus_shelter", in.BusShelter},
		{"bus_detention", in.BusDetention}, {"observers_checked", in.ObserversChecked}, {"observers_fined", in.ObserversFined},
		{"observers_obstructed", in.ObserversObstructed}} {
		if err := count(c.name, c.n); err != nil {
			return in, err
		}
	}
	used := map[string]bool{}
	for _, f := range in.ForceUsed {
		if !slices.Contains(ForcesUsed, f) {
			return in, apperr.New(apperr.Invalid, "incident.error.choice").At("force_used")
		}
		used[f] = true
	}
	in.ForceUsed = in.ForceUsed[:0:0]
	for _, f := range ForcesUsed {
		if used[f] {
			in.ForceUsed = append(in.ForceUsed, f)
		}
	}
	if len(in.Forces) > MaxLines || len(in.Items) > MaxLines {
		return in, apperr.New(apperr.Invalid, "incident.error.too_many_lines", MaxLines).At("items")
	}
	for _, f := range in.Forces {
		if err := count("forces", f.Vehicles); err != nil {
			return in, err
		}
		if err := count("forces", f.Officers); err != nil {
			return in, err
		}
	}
	items := map[int64]bool{}
	for _, l := range in.Items {
		if l.ProductID <= 0 {
			return in, apperr.New(apperr.Invalid, "incident.error.product_unknown").At("items")
		}
		for _, n := range []int64{l.Seized, l.Destroyed, l.Recovered} {
			if err := count("items", n); err != nil {
				return in, err
			}
		}
		if l.Seized+l.Destroyed == 0 && l.Recovered == 0 {
			return in, apperr.New(apperr.Invalid, "incident.error.empty_line").At("items")
		}
		if items[l.ProductID] {
			return in, apperr.New(apperr.Invalid, "incident.error.duplicate_line").At("items")
		}
		items[l.ProductID] = true
	}
	sort.Slice(in.Items, func(i, j int) bool { return in.Items[i].ProductID < in.Items[j].ProductID })
	in.Notes = strings.TrimSpace(in.Notes)
	if utf8.RuneCountInString(in.Notes) > MaxNotes {
		return in, apperr.New(apperr.Invalid, "incident.error.notes_long", MaxNotes).At("notes")
	}
	if len(in.CommandID) > 100 {
		return in, apperr.New(apperr.Invalid, "incident.error.choice").At("command_id")
	}
	return in, nil
}

// MayView answers what Get and List answer an actor who may not see
// incidents (not found), without reading any: nil when they may.
func MayView(actor access.Actor) error { return require(actor, access.ViewIncidents) }

// require answers NotFound rather than Forbidden: to anyone who may not see
// incidents, they do not exist.
func require(actor access.Actor, act access.Action) error {
	err := actor.Require(act)
	if apperr.Is(err, apperr.Forbidden) {
		return apperr.ErrNotFound()
	}
	return err
}

// Report records an incident at a living site of the actor's base, and
// opens a replacement need at the site for every product still owed.
func (s *Service) Report(ctx context.Context, actor access.Actor, in Input) (int64, error) {
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = ReportTx(ctx, tx, actor, in)
		return err
	})
	return id, err
}

// ReportTx records an incident inside a transaction (the offline command
// applies it in its batch's).
func ReportTx(ctx context.Context, tx *db.Tx, actor access.Actor, in Input) (int64, error) {
	if err := require(actor, access.ReportIncidents); err != nil {
		return 0, err
	}
	in, err := in.clean()
	if err != nil {
		return 0, err
	}
	site, err := place.GetSite(ctx, tx, actor, in.SiteID)
	if apperr.Is(err, apperr.NotFound) || err == nil && site.Archived {
		return 0, apperr.New(apperr.Invalid, "incident.error.site_unknown").At("site")
	}
	if err != nil {
		return 0, err
	}
	for _, l := range in.Items {
		_, err := catalog.GetProduct(ctx, tx, actor, l.ProductID)
		if apperr.Is(err, apperr.NotFound) {
			return 0, apperr.New(apperr.Invalid, "incident.error.product_unknown").At("items")
		}
		if err != nil {
			return 0, err
		}
	}
	if in.Forces, err = resolveForces(ctx, tx, actor.OrgID, in.Forces); err != nil {
		return 0, err
	}
	var ends int64
	if !in.EndsAt.IsZero() {
		ends = db.Micros(in.EndsAt)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO incidents (org_id, base_id, site_id, kind, starts_at, ends_at, legal_basis, bailiff, interpreter,
		notice, recovery_offered, people_present, people_arrested, bus_shelter, bus_detention, force_used, observers_checked,
		observers_fined, observers_obstructed, notes, command_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		actor.OrgID, actor.BaseID, in.SiteID, in.Kind, db.Micros(in.StartsAt), ends, in.LegalBasis, in.Bailiff, in.Interpreter,
		in.Notice, in.RecoveryOffered, in.PeoplePresent, in.PeopleArrested, in.BusShelter, in.BusDetention,
		strings.Join(in.ForceUsed, ","), in.ObserversChecked, in.ObserversFined, in.ObserversObstructed, in.Notes, in.CommandID,
		db.Micros(tx.Now))
	if err != nil {
		return 0, fmt.Errorf("report incident: %w", err)
	}
	for _, f := range in.Forces {
		if _, err := tx.Exec(ctx, "INSERT INTO incident_force_lines (incident_id, force_id, org_id, vehicles, officers) VALUES (?, ?, ?, ?, ?)",
			id, f.ForceID, actor.OrgID, f.Vehicles, f.Officers); err != nil {
			return 0, fmt.Errorf("report incident forces: %w", err)
		}
	}
	for i, l := range in.Items {
		if lost := l.Lost(); lost > 0 {
			in.Items[i].NeedID, err = needs.OpenForIncidentTx(ctx, tx, actor, needs.Input{SiteID: in.SiteID, ProductID: l.ProductID,
				Quantity: min(lost, needs.MaxNeed), Urgency: needs.MaxUrgency})
			if err != nil {
				return 0, err
			}
		}
		l = in.Items[i]
		if _, err := tx.Exec(ctx, "INSERT INTO incident_items (incident_id, product_id, org_id, seized, destroyed, recovered, need_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, l.ProductID, actor.OrgID, l.Seized, l.Destroyed, l.Recovered, l.NeedID); err != nil {
			return 0, fmt.Errorf("report incident items: %w", err)
		}
	}
	_, err = ledger.Append(ctx, tx, actor, "incident", id, IncidentReported{SiteID: in.SiteID, Kind: in.Kind,
		StartsAt: db.Micros(in.StartsAt), EndsAt: ends, LegalBasis: in.LegalBasis, Bailiff: in.Bailiff, Interpreter: in.Interpreter,
		Notice: in.Notice, RecoveryOffered: in.RecoveryOffered, PeoplePresent: in.PeoplePresent, PeopleArrested: in.PeopleArrested,
		BusShelter: in.BusShelter, BusDetention: in.BusDetention, ForceUsed: in.ForceUsed, ObserversChecked: in.ObserversChecked,
		ObserversFined: in.ObserversFined, ObserversObstructed: in.ObserversObstructed, Forces: in.Forces, Items: in.Items,
		HasNotes: in.Notes != "", CommandID: in.CommandID})
	return id, err
}
