package incident_test

import (
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

func forceByCode(t *testing.T, fs []incident.Force, code string) incident.Force {
	t.Helper()
	for _, f := range fs {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("no force %q in %+v", code, fs)
	return incident.Force{}
}

// Each organisation has its own list of forces: the seven defaults, shown
// in the reader's language, and those a coordinator adds, renames and
// retires. A retired force stays on the incidents that name it and is
// refused on new ones; each change is an event verify replays.
func TestForcesPerOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		fs, err := w.s.Forces(ctx, w.obs)
		w.must(err)
		if len(fs) != len(incident.DefaultForces) {
			t.Fatalf("a new organisation's forces: %+v", fs)
		}
		riot := forceByCode(t, fs, "riot_police")
		if en, fr := riot.Label("en"), riot.Label("fr"); en == fr || en != "Riot police" {
			t.Errorf("a default reads %q in English and %q in French", en, fr)
		}
		// Another organisation's list is its own.
		other, err := w.s.Forces(ctx, w.foreign)
		w.must(err)
		if forceByCode(t, other, "riot_police").ID == riot.ID {
			t.Error("two organisations share a force")
		}

		// Observers may not change the list; another organisation's
		// force does not exist; a name already on the list is refused
		// (a default's, in any language, in any case).
		if _, err := w.s.AddForce(ctx, w.obs, "Préfecture"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an observer adds a force: %v", err)
		}
		foreignCoord := w.foreign
		foreignCoord.Role = access.Coordinator
		if _, err := w.s.RenameForce(ctx, foreignCoord, riot.ID, "X"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation renames a force: %v", err)
		}
		for _, name := range []string{"riot POLICE", "  ", strings.Repeat("x", incident.MaxForceName+1)} {
			if _, err := w.s.AddForce(ctx, w.coord, name); err == nil {
				t.Errorf("force %q added", name)
			}
		}
		pref, err := w.s.AddForce(ctx, w.coord, "  Préfecture   services ")
		w.must(err)
		if pref.Name != "Préfecture services" || pref.Code != "" || pref.Label("ar") != "Préfecture services" {
			t.Errorf("added %+v", pref)
		}
		if _, err := w.s.AddForce(ctx, w.admin, "préfecture SERVICES"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second force of the same name: %v", err)
		}

		// An incident names the organisation's forces by id, or a default
		// by its code (forms queued before the list came).
		in := w.eviction()
		in.Forces = []incident.ForceLine{{ForceID: pref.ID, Vehicles: 1}, {Force: "riot_police", Officers: 40}}
		id, err := w.s.Report(ctx, w.obs, in)
		w.must(err)
		got, err := w.s.Get(ctx, w.coord, id)
		w.must(err)
		if len(got.Forces) != 2 || got.Forces[0].ForceID != riot.ID || got.Forces[1].Label("fr") != "Préfecture services" {
			t.Fatalf("forces read back %+v", got.Forces)
		}

		// Retired, it stays on the incident and is refused on a new one;
		// offered again, it is taken again.
		_, err = w.s.RetireForce(ctx, w.coord, pref.ID, true)
		w.must(err)
		fs, err = w.s.Forces(ctx, w.obs)
		w.must(err)
		for _, f := range incident.Offered(fs) {
			if f.ID == pref.ID {
				t.Error("a retired force is offered")
			}
		}
		got, err = w.s.Get(ctx, w.coord, id)
		w.must(err)
		if len(got.Forces) != 2 {
			t.Errorf("the incident lost its retired force: %+v", got.Forces)
		}
		in.Forces = []incident.ForceLine{{ForceID: pref.ID, Vehicles: 1}}
		if _, err := w.s.Report(ctx, w.obs, in); apperr.FieldOf(err) != "forces" {
			t.Errorf("a retired force on a new incident: %v", err)
		}
		in.Forces = []incident.ForceLine{{ForceID: forceByCode(t, other, "riot_police").ID}}
		if _, err := w.s.Report(ctx, w.obs, in); apperr.FieldOf(err) != "forces" {
			t.Errorf("another organisation's force on an incident: %v", err)
		}
		_, err = w.s.RetireForce(ctx, w.coord, pref.ID, false)
		w.must(err)
		in.Forces = []incident.ForceLine{{ForceID: pref.ID, Vehicles: 1}}
		_, err = w.s.Report(ctx, w.obs, in)
		w.must(err)

		// A default renamed shows as typed, in every language.
		riot, err = w.s.RenameForce(ctx, w.admin, riot.ID, "CRS")
		w.must(err)
		if riot.Label("fr") != "CRS" || riot.Code != "riot_police" {
			t.Errorf("renamed %+v", riot)
		}

		// verify replays the list: a name changed by hand is named.
		_, err = d.Exec(ctx, "UPDATE incident_force_list SET name = 'Police' WHERE id = ?", pref.ID)
		w.must(err)
		rep, err := ledger.Verify(ctx, d)
		w.must(err)
		if rep.OK() || !strings.Contains(rep.Differences[0].String(), "incident_force_list") {
			t.Errorf("a force renamed by hand: verify says %v", rep.Differences)
		}
		_, err = d.Exec(ctx, "UPDATE incident_force_list SET name = ? WHERE id = ?", pref.Name, pref.ID)
		w.must(err)
	})
}
