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

// Get returns one incident of the actor's base with its forces and items.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (Incident, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return Incident{}, err
	}
	in, err := scanIncident(s.DB.QueryRow(ctx, "SELECT "+incidentCols+" WHERE i.id = ? AND i.org_id = ? AND i.base_id = ?", id, actor.OrgID, actor.BaseID))
	if db.IsNoRows(err) {
		return in, apperr.ErrNotFound()
	}
	if err != nil {
		return in, fmt.Errorf("read incident: %w", err)
	}
	rows, err := s.DB.Query(ctx, "SELECT force, vehicles, officers FROM incident_forces WHERE incident_id = ? AND org_id = ?", id, actor.OrgID)
	if err != nil {
		return in, fmt.Errorf("read incident forces: %w", err)
	}
	forces := map[string]ForceLine{}
	for rows.Next() {
		var f ForceLine
		if err := rows.Scan(&f.Force, &f.Vehicles, &f.Officers); err != nil {
			rows.Close()
			return in, fmt.Errorf("read incident forces: %w", err)
		}
		forces[f.Force] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, fmt.Errorf("read incident forces: %w", err)
	}
	for _, f := range Forces {
		if l, ok := forces[f]; ok {
			in.Forces = append(in.Forces, l)
		}
	}
	if in.Evidence, err = s.evidenceOf(ctx, actor, id); err != nil {
		return in, err
	}
	rows, err = s.DB.Query(ctx, `SELECT it.product_id, it.seized, it.destroyed, it.recovered, it.need_id, p.name, COALESCE(p.gender, ''),
		p.base_id IS NULL, COALESCE(n.met, 0), COALESCE(n.quantity, 0), COALESCE(n.state, '')
		FROM incident_items it JOIN products p ON p.id = it.product_id LEFT JOIN needs n ON n.id = it.need_id
		WHERE it.incident_id = ? AND it.org_id = ? ORDER BY it.product_id`, id, actor.OrgID)
	if err != nil {
		return in, fmt.Errorf("read incident items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		var quantity int64
		var state string
		if err := rows.Scan(&it.ProductID, &it.Seized, &it.Destroyed, &it.Recovered, &it.NeedID, &it.ProductName, &it.Gender,
			&it.Standard, &it.Replaced, &quantity, &state); err != nil {
			return in, fmt.Errorf("read incident items: %w", err)
		}
		if state != "cancelled" && quantity > it.Replaced {
			it.Owed = quantity - it.Replaced
		}
		in.Items = append(in.Items, it)
	}
	return in, rows.Err()
}

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

// evidenceOf lists an incident's files, oldest first (their hashes only:
// reading a file is Open, which the custody log records).
func (s *Service) evidenceOf(ctx context.Context, actor access.Actor, id int64) ([]Evidence, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+evidenceCols+" FROM incident_evidence WHERE incident_id = ? AND org_id = ? ORDER BY id", id, actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("read incident evidence: %w", err)
	}
	defer rows.Close()
	var es []Evidence
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, fmt.Errorf("read incident evidence: %w", err)
		}
		es = append(es, e.Evidence)
	}
	return es, rows.Err()
}
