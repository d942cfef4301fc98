package incident

import (
	"context"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Incident is one recorded incident, as read back.
type Incident struct {
	ID                  int64
	SiteID              int64
	SiteName            string
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
	Notes               string
	CreatedAt           time.Time
	Forces              []ForceLine
	Items               []Item
	Evidence            []Evidence
}

// Item is a line of items taken with its product and how far its need has
// been met.
type Item struct {
	ItemLine
	ProductName string
	Gender      string
	Standard    bool
	Replaced    int64 // met by hand-outs at the site
	Owed        int64 // still wanted (0 once met or cancelled)
}

// Name is the product's name in a language.
func (it Item) Name(lang string) string {
	return catalog.ProductDisplayName(lang, it.ProductName, it.Gender, it.Standard)
}

// Lost adds up what the incident took and did not give back.
func (in Incident) Lost() (lost, replaced, owed int64) {
	for _, it := range in.Items {
		lost += it.Lost()
		replaced += it.Replaced
		owed += it.Owed
	}
	return
}

const incidentCols = `i.id, i.site_id, s.name, i.kind, i.starts_at, i.ends_at, i.legal_basis, i.bailiff, i.interpreter, i.notice,
	i.recovery_offered, i.people_present, i.people_arrested, i.bus_shelter, i.bus_detention, i.force_used, i.observers_checked,
	i.observers_fined, i.observers_obstructed, i.notes, i.created_at FROM incidents i JOIN sites s ON s.id = i.site_id`

func scanIncident(sc interface{ Scan(...any) error }) (Incident, error) {
	var in Incident
	var starts, ends, created int64
	var used string
	err := sc.Scan(&in.ID, &in.SiteID, &in.SiteName, &in.Kind, &starts, &ends, &in.LegalBasis, &in.Bailiff, &in.Interpreter, &in.Notice,
		&in.RecoveryOffered, &in.PeoplePresent, &in.PeopleArrested, &in.BusShelter, &in.BusDetention, &used, &in.ObserversChecked,
		&in.ObserversFined, &in.ObserversObstructed, &in.Notes, &created)
	in.StartsAt, in.CreatedAt = db.FromMicros(starts), db.FromMicros(created)
	if ends != 0 {
		in.EndsAt = db.FromMicros(ends)
	}
	if used != "" {
		in.ForceUsed = strings.Split(used, ",")
	}
	return in, err
}

// Get returns one incident of the actor's base with its forces, items
// and files.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (Incident, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return Incident{}, err
	}
	is, err := readIncidents(ctx, s.DB, actor, []int64{id})
	if err != nil {
		return Incident{}, err
	}
	return is[0], nil
}

// readIncidents reads the chosen incidents of the actor's base, in the
// order of ids, with their forces, items and files: four queries whatever
// their number, so that inside a transaction they are one snapshot. An id
// not of the base is NotFound.
func readIncidents(ctx context.Context, q ledger.Reader, actor access.Actor, ids []int64) ([]Incident, error) {
	in := "?" + strings.Repeat(", ?", len(ids)-1)
	args := []any{actor.OrgID, actor.BaseID}
	for _, id := range ids {
		args = append(args, id)
	}
	byID := map[int64]*Incident{}
	out := make([]Incident, len(ids))
	rows, err := q.Query(ctx, "SELECT "+incidentCols+" WHERE i.org_id = ? AND i.base_id = ? AND i.id IN ("+in+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	read := map[int64]Incident{}
	for rows.Next() {
		x, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read incidents: %w", err)
		}
		read[x.ID] = x
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	for i, id := range ids {
		x, ok := read[id]
		if !ok {
			return nil, apperr.ErrNotFound()
		}
		out[i] = x
		byID[id] = &out[i]
	}
	// The lines are of the organisation's incidents, all of which were
	// found in its base above.
	lineArgs := append([]any{actor.OrgID}, args[2:]...)
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id int64
		var f ForceLine
		if err := scan(&id, &f.ForceID, &f.Force, &f.Name, &f.Vehicles, &f.Officers); err != nil {
			return err
		}
		byID[id].Forces = append(byID[id].Forces, f)
		return nil
	}, `SELECT fl.incident_id, fl.force_id, l.code, l.name, fl.vehicles, fl.officers
		FROM incident_force_lines fl JOIN incident_force_list l ON l.id = fl.force_id
		WHERE fl.org_id = ? AND fl.incident_id IN (`+in+`) ORDER BY fl.incident_id, fl.force_id`, lineArgs...)
	if err != nil {
		return nil, fmt.Errorf("read incident forces: %w", err)
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id int64
		var it Item
		var quantity int64
		var state string
		if err := scan(&id, &it.ProductID, &it.Seized, &it.Destroyed, &it.Recovered, &it.NeedID, &it.ProductName, &it.Gender,
			&it.Standard, &it.Replaced, &quantity, &state); err != nil {
			return err
		}
		if state != "cancelled" && quantity > it.Replaced {
			it.Owed = quantity - it.Replaced
		}
		byID[id].Items = append(byID[id].Items, it)
		return nil
	}, `SELECT it.incident_id, it.product_id, it.seized, it.destroyed, it.recovered, it.need_id, p.name, COALESCE(p.gender, ''),
		p.base_id IS NULL, COALESCE(n.met, 0), COALESCE(n.quantity, 0), COALESCE(n.state, '')
		FROM incident_items it JOIN products p ON p.id = it.product_id LEFT JOIN needs n ON n.id = it.need_id
		WHERE it.org_id = ? AND it.incident_id IN (`+in+`) ORDER BY it.incident_id, it.product_id`, lineArgs...)
	if err != nil {
		return nil, fmt.Errorf("read incident items: %w", err)
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		e, err := scanEvidence(scanner(scan))
		if err != nil {
			return err
		}
		byID[e.IncidentID].Evidence = append(byID[e.IncidentID].Evidence, e.Evidence)
		return nil
	}, "SELECT "+evidenceCols+" FROM incident_evidence WHERE org_id = ? AND incident_id IN ("+in+") ORDER BY id", lineArgs...)
	if err != nil {
		return nil, fmt.Errorf("read incident evidence: %w", err)
	}
	return out, nil
}

// scanner makes a scan function a row for scanEvidence.
type scanner func(...any) error

func (s scanner) Scan(dest ...any) error { return s(dest...) }

// Filter narrows the list of incidents.
type Filter struct {
	SiteID   int64
	Kind     string
	From, To time.Time // starts within [From, To); zero is open
}

// MaxList is how many incidents a list shows at most, newest first.
const MaxList = 500

// List lists the incidents of the actor's base, newest first, without
// their lines.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filter) ([]Incident, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, err
	}
	where, args, err := f.where(actor)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, fmt.Sprintf("SELECT %s%s ORDER BY i.starts_at DESC, i.id DESC LIMIT %d", incidentCols, where, MaxList), args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var is []Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		is = append(is, in)
	}
	return is, rows.Err()
}
