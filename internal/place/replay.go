package place

import (
	"context"
	"database/sql"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of sites and locations for `abri verify`. A site's note is
// not in the ledger; whether there is one is, until a change of the note
// whose event (before version 2 of site.updated) said only that it changed.

func init() {
	ledger.RegisterProjection("place", func() ledger.Projection {
		return &placeReplay{locations: map[int64]*replayedLocation{}, sites: map[int64]*replayedSite{}}
	})
}

type replayedLocation struct {
	base      int64
	f         LocationFields
	archived  bool
	createdAt int64
	last      ledger.Touch
}

type replayedSite struct {
	base       int64
	name, kind string
	note       int8 // 0 unknown, 1 none, 2 a note
	public     bool // has a public description
	pin        *Pin
	archived   bool
	createdAt  int64
	last       ledger.Touch
}

type placeReplay struct {
	locations map[int64]*replayedLocation
	sites     map[int64]*replayedSite
}

func (r *placeReplay) Apply(e ledger.Event, p ledger.Payload) {
	t := ledger.TouchOf(e)
	switch e.Entity {
	case "location":
		if c, ok := p.(LocationCreated); ok {
			r.locations[e.EntityID] = &replayedLocation{base: e.BaseID, f: LocationFields(c), createdAt: db.Micros(e.At), last: t}
			return
		}
		l := r.locations[e.EntityID]
		if l == nil {
			return // Compare reports the row, if any
		}
		switch p := p.(type) {
		case LocationUpdated:
			l.f = LocationFields(p)
		case LocationArchived:
			l.archived = true
		case LocationRestored:
			l.archived = false
		default:
			return
		}
		l.last = t
	case "site":
		if c, ok := p.(SiteCreated); ok {
			s := &replayedSite{base: e.BaseID, name: c.Name, kind: c.Kind, note: 1, public: c.HasPublicNote, pin: c.Pin, createdAt: db.Micros(e.At), last: t}
			if c.HasNote {
				s.note = 2
			}
			r.sites[e.EntityID] = s
			return
		}
		s := r.sites[e.EntityID]
		if s == nil {
			return
		}
		switch p := p.(type) {
		case SiteUpdated:
			s.name, s.kind = p.Name, p.Kind
			// Before version 3 a site had no public description or pin.
			s.public, s.pin = p.HasPublicNote != nil && *p.HasPublicNote, p.Pin
			switch {
			case p.HasNote != nil && *p.HasNote:
				s.note = 2
			case p.HasNote != nil:
				s.note = 1
			case p.NoteChanged:
				s.note = 0 // version 1: changed, to what is not recorded
			}
		case SiteArchived:
			s.archived = true
		case SiteRestored:
			s.archived = false
		default:
			return
		}
		s.last = t
	}
}

func (r *placeReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, pos, at int64
		var name, kind, state string
		var archived bool
		if err := scan(&id, &base, &name, &kind, &state, &pos, &archived, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("location %d (%s)", id, name)
		l := r.locations[id]
		if l == nil {
			ds.Unexpected("locations", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("locations", row, l.last, c, want, got) }
		col("base_id", l.base, base)
		col("name", l.f.Name, name)
		col("kind", l.f.Kind, kind)
		col("default_state", l.f.DefaultState, state)
		col("position", l.f.Position, pos)
		col("archived", l.archived, archived)
		col("created_at", l.createdAt, at)
		return nil
	}, "SELECT id, base_id, name, kind, default_state, position, archived, created_at FROM locations WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify locations: %w", err)
	}
	for id, l := range r.locations {
		if !seen[id] {
			ds.Missing("locations", fmt.Sprintf("location %d (%s)", id, l.f.Name), l.last)
		}
	}
	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, at int64
		var name, kind string
		var hasNote, hasPublic, archived bool
		var lat, lon sql.NullInt64
		if err := scan(&id, &base, &name, &kind, &hasNote, &hasPublic, &lat, &lon, &archived, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("site %d (%s)", id, name)
		s := r.sites[id]
		if s == nil {
			ds.Unexpected("sites", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("sites", row, s.last, c, want, got) }
		col("base_id", s.base, base)
		col("name", s.name, name)
		col("kind", s.kind, kind)
		if s.note != 0 {
			col("note", s.note == 2, hasNote)
		}
		col("public_note", s.public, hasPublic)
		wlat, wlon := s.pin.e6()
		col("lat_e6", wlat, nullable(lat))
		col("lon_e6", wlon, nullable(lon))
		col("archived", s.archived, archived)
		col("created_at", s.createdAt, at)
		return nil
	}, "SELECT id, base_id, name, kind, note <> '', public_note <> '', lat_e6, lon_e6, archived, created_at FROM sites WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify sites: %w", err)
	}
	for id, s := range r.sites {
		if !seen[id] {
			ds.Missing("sites", fmt.Sprintf("site %d (%s)", id, s.name), s.last)
		}
	}
	return ds, nil
}

// nullable is a stored number as the pin's e6 gives it: nil for NULL.
func nullable(n sql.NullInt64) any {
	if !n.Valid {
		return nil
	}
	return n.Int64
}
