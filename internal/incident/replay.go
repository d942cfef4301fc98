package incident

import (
	"context"
	"fmt"
	"strings"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of incidents for `abri verify`: every incident row, its
// forces and its items as the events say. The notes are not in the ledger,
// so only their presence is checked.

func init() {
	ledger.RegisterProjection("incidents", func() ledger.Projection { return &incidentReplay{is: map[int64]*replayed{}} })
}

type replayed struct {
	r       IncidentReported
	base    int64
	created int64
	last    ledger.Touch
}

type replayedEvidence struct {
	u        EvidenceUploaded
	base, at int64
	last     ledger.Touch
}

type replayedForce struct {
	added   bool // by a force.added; a default otherwise
	name    string
	retired bool
	last    ledger.Touch
}

type incidentReplay struct {
	is     map[int64]*replayed
	ev     map[int64]*replayedEvidence
	forces map[int64]*replayedForce
}

func (r *incidentReplay) force(id int64) *replayedForce {
	if r.forces == nil {
		r.forces = map[int64]*replayedForce{}
	}
	if r.forces[id] == nil {
		r.forces[id] = &replayedForce{}
	}
	return r.forces[id]
}

func (r *incidentReplay) Apply(e ledger.Event, p ledger.Payload) {
	if e.Entity == "incident_force" {
		f := r.force(e.EntityID)
		switch p := p.(type) {
		case ForceAdded:
			f.added, f.name = true, p.Name
		case ForceRenamed:
			f.name = p.Name
		case ForceRetired:
			f.retired = p.Retired
		default:
			return
		}
		f.last = ledger.TouchOf(e)
		return
	}
	if u, ok := p.(EvidenceUploaded); ok && e.Entity == "evidence" {
		if r.ev == nil {
			r.ev = map[int64]*replayedEvidence{}
		}
		r.ev[e.EntityID] = &replayedEvidence{u: u, base: e.BaseID, at: db.Micros(e.At), last: ledger.TouchOf(e)}
		return
	}
	if rep, ok := p.(IncidentReported); ok && e.Entity == "incident" {
		r.is[e.EntityID] = &replayed{r: rep, base: e.BaseID, created: db.Micros(e.At), last: ledger.TouchOf(e)}
	}
}

func (r *incidentReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, site, starts, ends, present, arrested, shelter, detention, checked, fined, obstructed, created int64
		var kind, legal, bailiff, interpreter, notice, recovery, used, notes, command string
		if err := scan(&id, &base, &site, &kind, &starts, &ends, &legal, &bailiff, &interpreter, &notice, &recovery, &present,
			&arrested, &shelter, &detention, &used, &checked, &fined, &obstructed, &notes, &command, &created); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("incident %d", id)
		x := r.is[id]
		if x == nil {
			ds.Unexpected("incidents", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("incidents", row, x.last, c, want, got) }
		e := x.r
		col("base_id", x.base, base)
		col("site_id", e.SiteID, site)
		col("kind", e.Kind, kind)
		col("starts_at", e.StartsAt, starts)
		col("ends_at", e.EndsAt, ends)
		col("legal_basis", e.LegalBasis, legal)
		col("bailiff", e.Bailiff, bailiff)
		col("interpreter", e.Interpreter, interpreter)
		col("notice", e.Notice, notice)
		col("recovery_offered", e.RecoveryOffered, recovery)
		col("people_present", e.PeoplePresent, present)
		col("people_arrested", e.PeopleArrested, arrested)
		col("bus_shelter", e.BusShelter, shelter)
		col("bus_detention", e.BusDetention, detention)
		col("force_used", strings.Join(e.ForceUsed, ","), used)
		col("observers_checked", e.ObserversChecked, checked)
		col("observers_fined", e.ObserversFined, fined)
		col("observers_obstructed", e.ObserversObstructed, obstructed)
		col("notes (present)", e.HasNotes, notes != "")
		col("command_id", e.CommandID, command)
		col("created_at", x.created, created)
		return nil
	}, `SELECT id, base_id, site_id, kind, starts_at, ends_at, legal_basis, bailiff, interpreter, notice, recovery_offered,
		people_present, people_arrested, bus_shelter, bus_detention, force_used, observers_checked, observers_fined,
		observers_obstructed, notes, command_id, created_at FROM incidents WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify incidents: %w", err)
	}
	for id, x := range r.is {
		if !seen[id] {
			ds.Missing("incidents", fmt.Sprintf("incident %d", id), x.last)
		}
	}
	type key struct {
		id   int64
		line string
	}
	lines := map[key]bool{}
	codes, err := r.compareForces(ctx, q, org, &ds)
	if err != nil {
		return nil, err
	}
	// A line of an event names its force by id, or (version 1) a default
	// by its code: the list's row of that code.
	forceOf := func(l ForceLine) int64 {
		if l.ForceID != 0 {
			return l.ForceID
		}
		return codes[l.Force]
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, force, vehicles, officers int64
		if err := scan(&id, &force, &vehicles, &officers); err != nil {
			return err
		}
		lines[key{id, fmt.Sprintf("force %d", force)}] = true
		row := fmt.Sprintf("incident %d force %d", id, force)
		x := r.is[id]
		var want *ForceLine
		if x != nil {
			for i := range x.r.Forces {
				if forceOf(x.r.Forces[i]) == force {
					want = &x.r.Forces[i]
				}
			}
		}
		if want == nil {
			ds.Unexpected("incident_force_lines", row)
			return nil
		}
		ds.Col("incident_force_lines", row, x.last, "vehicles", want.Vehicles, vehicles)
		ds.Col("incident_force_lines", row, x.last, "officers", want.Officers, officers)
		return nil
	}, "SELECT incident_id, force_id, vehicles, officers FROM incident_force_lines WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify incident forces: %w", err)
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, product, seized, destroyed, recovered, need int64
		if err := scan(&id, &product, &seized, &destroyed, &recovered, &need); err != nil {
			return err
		}
		lines[key{id, fmt.Sprintf("product %d", product)}] = true
		row := fmt.Sprintf("incident %d product %d", id, product)
		x := r.is[id]
		var want *ItemLine
		if x != nil {
			for i := range x.r.Items {
				if x.r.Items[i].ProductID == product {
					want = &x.r.Items[i]
				}
			}
		}
		if want == nil {
			ds.Unexpected("incident_items", row)
			return nil
		}
		col := func(c string, w, g any) { ds.Col("incident_items", row, x.last, c, w, g) }
		col("seized", want.Seized, seized)
		col("destroyed", want.Destroyed, destroyed)
		col("recovered", want.Recovered, recovered)
		col("need_id", want.NeedID, need)
		return nil
	}, "SELECT incident_id, product_id, seized, destroyed, recovered, need_id FROM incident_items WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify incident items: %w", err)
	}
	if err := r.compareEvidence(ctx, q, org, &ds); err != nil {
		return nil, err
	}
	for id, x := range r.is {
		for _, f := range x.r.Forces {
			if !lines[key{id, fmt.Sprintf("force %d", forceOf(f))}] {
				ds.Missing("incident_force_lines", fmt.Sprintf("incident %d force %d", id, forceOf(f)), x.last)
			}
		}
		for _, it := range x.r.Items {
			if !lines[key{id, fmt.Sprintf("product %d", it.ProductID)}] {
				ds.Missing("incident_items", fmt.Sprintf("incident %d product %d", id, it.ProductID), x.last)
			}
		}
	}
	return ds, nil
}

func (r *incidentReplay) compareEvidence(ctx context.Context, q ledger.Reader, org int64, ds *ledger.Diffs) error {
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, incident, size, created, captured int64
		var sum, media, shared, device, from string
		var client *string
		if err := scan(&id, &base, &incident, &sum, &size, &media, &shared, &created, &client, &device, &captured, &from); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("evidence %d", id)
		x := r.ev[id]
		if x == nil {
			ds.Unexpected("incident_evidence", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("incident_evidence", row, x.last, c, want, got) }
		col("base_id", x.base, base)
		col("incident_id", x.u.IncidentID, incident)
		col("sha256", x.u.SHA256, sum)
		col("size", x.u.Size, size)
		col("media_type", x.u.MediaType, media)
		col("shared_sha256", x.u.SharedSHA256, shared)
		col("created_at", x.at, created)
		var c string
		if client != nil {
			c = *client
		}
		col("client_id", x.u.ClientID, c)
		col("device_sha256", x.u.DeviceSHA256, device)
		col("captured_at", x.u.CapturedAt, captured)
		wantFrom := x.u.CapturedFrom
		if wantFrom == "" && x.u.CapturedAt != 0 {
			wantFrom = CapturedChosen // the first uploads timed files when chosen
		}
		col("captured_from", wantFrom, from)
		return nil
	}, `SELECT id, base_id, incident_id, sha256, size, media_type, shared_sha256, created_at, client_id, device_sha256, captured_at, captured_from
		FROM incident_evidence WHERE org_id = ?`, org)
	if err != nil {
		return fmt.Errorf("verify incident evidence: %w", err)
	}
	for id, x := range r.ev {
		if !seen[id] {
			ds.Missing("incident_evidence", fmt.Sprintf("evidence %d", id), x.last)
		}
	}
	return nil
}

// compareForces checks the organisation's list of forces against the
// events: a row with a code is a default, there from the organisation's
// start (the migration or first use put it there, not an event); any
// other row needs its incident.force_added. It answers the rows' ids by
// code, for lines of events that named a default by its code.
func (r *incidentReplay) compareForces(ctx context.Context, q ledger.Reader, org int64, ds *ledger.Diffs) (map[string]int64, error) {
	codes := map[string]int64{}
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, retired int64
		var code, name string
		if err := scan(&id, &code, &name, &retired); err != nil {
			return err
		}
		seen[id] = true
		if code != "" {
			codes[code] = id
		}
		row := fmt.Sprintf("force %d", id)
		x := r.forces[id]
		if x == nil {
			x = &replayedForce{}
		}
		if code == "" && !x.added || code != "" && x.added {
			ds.Unexpected("incident_force_list", row)
			return nil
		}
		ds.Col("incident_force_list", row, x.last, "name", x.name, name)
		ds.Col("incident_force_list", row, x.last, "retired", x.retired, retired != 0)
		return nil
	}, "SELECT id, code, name, retired_at FROM incident_force_list WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify incident forces: %w", err)
	}
	for id, x := range r.forces {
		if !seen[id] {
			ds.Missing("incident_force_list", fmt.Sprintf("force %d", id), x.last)
		}
	}
	return codes, nil
}
