package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/i18n"
	"abri/internal/ledger"
)

// The forces a monitor may mark present are the organisation's own list.
// Every organisation starts with the seven DefaultForces (a code, no name:
// each reader sees it in their language); a coordinator or admin adds the
// forces their area has, renames any (a renamed force shows its name as
// typed) and retires those no longer seen. A retired force stays on the
// incidents that name it and is not offered on new ones.

// DefaultForces are the forces every organisation starts with; each has
// the key "incident.force.<code>".
var DefaultForces = []string{"national_police", "riot_police", "gendarmerie", "border_police", "municipal_police", "cleaning_contractor", "other"}

// MaxForceName is the longest name a force may be given, in characters.
const MaxForceName = 80

// MaxForces is how many forces an organisation's list holds at most.
const MaxForces = 60

// Force is one force of the organisation's list.
type Force struct {
	ID      int64  `json:"id"`
	Code    string `json:"code,omitempty"` // one of DefaultForces; "" for one the organisation added
	Name    string `json:"name,omitempty"` // as typed; "" shows the default's name in the reader's language
	Retired bool   `json:"retired"`
}

// Label is the force's name for a reader: as the organisation typed it,
// or the default's in the reader's language.
func (f Force) Label(lang string) string { return forceLabel(lang, f.Code, f.Name) }

func forceLabel(lang, code, name string) string {
	if name != "" || code == "" {
		return name
	}
	return i18n.T(lang, "incident.force."+code)
}

// Label is the name of the force of a line, for a reader.
func (l ForceLine) Label(lang string) string { return forceLabel(lang, l.Force, l.Name) }

// ForceAdded adds a force to the organisation's list (entity
// "incident_force"), under the name a coordinator typed.
type ForceAdded struct {
	Name string `json:"name"`
}

// ForceRenamed gives a force of the list a new name; code names the
// default it was (absent for one the organisation added).
type ForceRenamed struct {
	Name string `json:"name"`
	Code string `json:"code,omitempty"`
}

// ForceRetired takes a force off the list offered on new incidents
// (Retired true) or puts it back (false); incidents that name it keep it.
type ForceRetired struct {
	Retired bool   `json:"retired"`
	Code    string `json:"code,omitempty"`
}

func (ForceAdded) EventKind() string   { return "incident.force_added" }
func (ForceAdded) EventVersion() int   { return 1 }
func (ForceRenamed) EventKind() string { return "incident.force_renamed" }
func (ForceRenamed) EventVersion() int { return 1 }
func (ForceRetired) EventKind() string { return "incident.force_retired" }
func (ForceRetired) EventVersion() int { return 1 }

func init() {
	ledger.Register[ForceAdded]()
	ledger.Register[ForceRenamed]()
	ledger.Register[ForceRetired]()
}

// seedForces gives an organisation the default forces it does not have
// yet (organisations made before the list were given theirs by the
// migration; a new one gets them on first use). The defaults are part of
// every organisation from its start, so they are not events.
func seedForces(ctx context.Context, tx *db.Tx, org int64) error {
	have := map[string]bool{}
	if err := scanForces(ctx, tx, org, func(f Force) { have[f.Code] = true }); err != nil {
		return err
	}
	for _, code := range DefaultForces {
		if have[code] {
			continue
		}
		// Two first uses at once both find the defaults missing: the
		// second's insert does nothing.
		if _, err := tx.Exec(ctx, "INSERT INTO incident_force_list (org_id, code, created_at) VALUES (?, ?, ?) ON CONFLICT (org_id, code) WHERE code <> '' DO NOTHING",
			org, code, db.Micros(tx.Now)); err != nil {
			return fmt.Errorf("seed forces: %w", err)
		}
	}
	return nil
}

func scanForces(ctx context.Context, q ledger.Reader, org int64, each func(Force)) error {
	rows, err := q.Query(ctx, "SELECT id, code, name, retired_at FROM incident_force_list WHERE org_id = ? ORDER BY id", org)
	if err != nil {
		return fmt.Errorf("read forces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Force
		var retired int64
		if err := rows.Scan(&f.ID, &f.Code, &f.Name, &retired); err != nil {
			return fmt.Errorf("read forces: %w", err)
		}
		f.Retired = retired != 0
		each(f)
	}
	return rows.Err()
}

// Forces lists the organisation's forces in the order they were added,
// the retired ones too (a form offers only the others: Offered).
func (s *Service) Forces(ctx context.Context, actor access.Actor) ([]Force, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, err
	}
	var fs []Force
	if err := scanForces(ctx, s.DB, actor.OrgID, func(f Force) { fs = append(fs, f) }); err != nil {
		return nil, err
	}
	defaults := 0
	for _, f := range fs {
		if f.Code != "" {
			defaults++
		}
	}
	if defaults == len(DefaultForces) {
		return fs, nil
	}
	// An organisation made since the list came: its defaults, once.
	fs = fs[:0]
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := seedForces(ctx, tx, actor.OrgID); err != nil {
			return err
		}
		return scanForces(ctx, tx, actor.OrgID, func(f Force) { fs = append(fs, f) })
	})
	return fs, err
}

// Offered is the forces a new incident may name: those not retired.
func Offered(fs []Force) []Force {
	return slices.DeleteFunc(slices.Clone(fs), func(f Force) bool { return f.Retired })
}

// MayManageForces answers what a change to the list answers an actor who
// may not make it, without reading anything: not found to those who may
// not see incidents, forbidden to observers; nil to coordinators and
// admins.
func MayManageForces(actor access.Actor) error {
	if err := require(actor, access.ViewIncidents); err != nil {
		return err
	}
	return actor.Require(access.ManageIncidentForces)
}

func (s *Service) forceChange(ctx context.Context, actor access.Actor, fn func(tx *db.Tx, fs []Force) error) error {
	if err := MayManageForces(actor); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := seedForces(ctx, tx, actor.OrgID); err != nil {
			return err
		}
		var fs []Force
		if err := scanForces(ctx, tx, actor.OrgID, func(f Force) { fs = append(fs, f) }); err != nil {
			return err
		}
		return fn(tx, fs)
	})
}

// cleanForceName checks a typed name: not empty, not too long, not the
// name of another force of the list (in any case, in any language the
// defaults show in).
func cleanForceName(name string, fs []Force, except int64) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", apperr.New(apperr.Invalid, "incident.error.force_name").At("name")
	}
	if utf8.RuneCountInString(name) > MaxForceName {
		return "", apperr.New(apperr.Invalid, "incident.error.force_name_long", MaxForceName).At("name")
	}
	for _, f := range fs {
		if f.ID == except {
			continue
		}
		for _, lang := range i18n.Languages {
			if strings.EqualFold(f.Label(lang), name) {
				return "", apperr.New(apperr.Conflict, "incident.error.force_taken").At("name")
			}
		}
	}
	return name, nil
}

func findForce(fs []Force, id int64) (Force, error) {
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return Force{}, apperr.ErrNotFound()
}

// AddForce adds a force to the organisation's list under a typed name.
func (s *Service) AddForce(ctx context.Context, actor access.Actor, name string) (Force, error) {
	var f Force
	err := s.forceChange(ctx, actor, func(tx *db.Tx, fs []Force) error {
		if len(fs) >= MaxForces {
			return apperr.New(apperr.Invalid, "incident.error.force_too_many", MaxForces).At("name")
		}
		var err error
		if f.Name, err = cleanForceName(name, fs, 0); err != nil {
			return err
		}
		if f.ID, err = tx.InsertID(ctx, "INSERT INTO incident_force_list (org_id, name, created_at) VALUES (?, ?, ?)", actor.OrgID, f.Name, db.Micros(tx.Now)); err != nil {
			return fmt.Errorf("add force: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "incident_force", f.ID, ForceAdded{Name: f.Name})
		return err
	})
	return f, err
}

// RenameForce gives a force of the list a new name; a default renamed
// shows its new name as typed, in every language.
func (s *Service) RenameForce(ctx context.Context, actor access.Actor, id int64, name string) (Force, error) {
	var f Force
	err := s.forceChange(ctx, actor, func(tx *db.Tx, fs []Force) error {
		var err error
		if f, err = findForce(fs, id); err != nil {
			return err
		}
		if name, err = cleanForceName(name, fs, id); err != nil {
			return err
		}
		if name == f.Name {
			return nil // a no-op says so on the screen; nothing to record
		}
		f.Name = name
		if _, err := tx.Exec(ctx, "UPDATE incident_force_list SET name = ? WHERE id = ? AND org_id = ?", name, id, actor.OrgID); err != nil {
			return fmt.Errorf("rename force: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "incident_force", id, ForceRenamed{Name: name, Code: f.Code})
		return err
	})
	return f, err
}

// RetireForce takes a force off the list new incidents offer (retired
// true), or puts it back (false). Incidents that name it keep it.
func (s *Service) RetireForce(ctx context.Context, actor access.Actor, id int64, retired bool) (Force, error) {
	var f Force
	err := s.forceChange(ctx, actor, func(tx *db.Tx, fs []Force) error {
		var err error
		if f, err = findForce(fs, id); err != nil {
			return err
		}
		if f.Retired == retired {
			return nil
		}
		f.Retired = retired
		var at int64
		if retired {
			at = db.Micros(tx.Now)
		}
		if _, err := tx.Exec(ctx, "UPDATE incident_force_list SET retired_at = ? WHERE id = ? AND org_id = ?", at, id, actor.OrgID); err != nil {
			return fmt.Errorf("retire force: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "incident_force", id, ForceRetired{Retired: retired, Code: f.Code})
		return err
	})
	return f, err
}

// resolveForces checks an incident's force lines against the
// organisation's list and puts them in its order: each names a force by
// id, or a default by its code (forms queued on phones before the list
// came do). A force retired, unknown or of another organisation is
// refused at "forces".
func resolveForces(ctx context.Context, tx *db.Tx, org int64, lines []ForceLine) ([]ForceLine, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	if err := seedForces(ctx, tx, org); err != nil {
		return nil, err
	}
	var fs []Force
	if err := scanForces(ctx, tx, org, func(f Force) { fs = append(fs, f) }); err != nil {
		return nil, err
	}
	byID := map[int64]ForceLine{}
	for _, l := range lines {
		var found *Force
		for i := range fs {
			if l.ForceID > 0 && fs[i].ID == l.ForceID || l.ForceID == 0 && l.Force != "" && fs[i].Code == l.Force {
				found = &fs[i]
			}
		}
		if found == nil || l.ForceID > 0 && l.Force != "" && l.Force != found.Code {
			return nil, apperr.New(apperr.Invalid, "incident.error.force_unknown").At("forces")
		}
		if found.Retired {
			return nil, apperr.New(apperr.Invalid, "incident.error.force_retired").At("forces")
		}
		if _, dup := byID[found.ID]; dup {
			return nil, apperr.New(apperr.Invalid, "incident.error.duplicate_line").At("forces")
		}
		byID[found.ID] = ForceLine{ForceID: found.ID, Force: found.Code, Vehicles: l.Vehicles, Officers: l.Officers}
	}
	var out []ForceLine
	for _, f := range fs {
		if l, ok := byID[f.ID]; ok {
			out = append(out, l)
		}
	}
	return out, nil
}
