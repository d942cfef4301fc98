package place

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Location kinds; each has the translation key "place.location.kind.<kind>".
const (
	LocationShelf = "shelf"
	LocationRoom  = "room"
	LocationVan   = "van"
	LocationSite  = "site" // a distribution point boxes are taken to
)

// LocationKinds lists the kinds of location.
var LocationKinds = []string{LocationShelf, LocationRoom, LocationVan, LocationSite}

// The states a box takes when it is moved to a location. They are box states
// of the warehouse; each has the translation key "place.location.state.<s>".
const (
	StateInStock   = "in_stock"
	StateHandedOut = "handed_out"
	StateLost      = "lost"
	StateScrap     = "scrap"
)

// LocationStates lists the states a location may give the boxes moved there.
var LocationStates = []string{StateInStock, StateHandedOut, StateLost, StateScrap}

// Location is a place in a base where boxes are kept.
type Location struct {
	ID           int64
	OrgID        int64
	BaseID       int64
	Name         string
	Kind         string
	DefaultState string
	Position     int64 // display order within the base
	Archived     bool
	CreatedAt    time.Time
}

// LocationInput is what a person fills in to create or change a location.
type LocationInput struct {
	Name         string
	Kind         string
	DefaultState string // "" means in_stock
	Position     int64  // 0 on creation means after the last one; 0 on update keeps it
}

func (in LocationInput) clean() (LocationInput, error) {
	var err error
	if in.Name, err = cleanName(in.Name); err != nil {
		return in, err
	}
	if !oneOf(in.Kind, LocationKinds) {
		return in, apperr.New(apperr.Invalid, "place.error.location_kind_unknown")
	}
	if in.DefaultState == "" {
		in.DefaultState = StateInStock
	}
	if !oneOf(in.DefaultState, LocationStates) {
		return in, apperr.New(apperr.Invalid, "place.error.location_state_unknown")
	}
	if in.Position < 0 || in.Position > 1_000_000 {
		return in, apperr.New(apperr.Invalid, "place.error.position_invalid")
	}
	return in, nil
}

// LocationFilter narrows a list of locations.
type LocationFilter struct {
	Kind            string // "" for every kind
	IncludeArchived bool
}

const locationCols = "id, org_id, base_id, name, kind, default_state, position, archived, created_at"

func scanLocation(sc interface{ Scan(...any) error }) (Location, error) {
	var l Location
	var at int64
	err := sc.Scan(&l.ID, &l.OrgID, &l.BaseID, &l.Name, &l.Kind, &l.DefaultState, &l.Position, &l.Archived, &at)
	l.CreatedAt = db.FromMicros(at)
	return l, err
}

// GetLocation returns a location of the actor's base, archived or not, for
// use inside another domain's transaction (moving a box checks its
// destination here). Another base's or organisation's location is NotFound.
func GetLocation(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Location, error) {
	if err := actor.Require(access.ViewLocations); err != nil {
		return Location{}, err
	}
	l, err := scanLocation(q.QueryRow(ctx, "SELECT "+locationCols+" FROM locations WHERE id = ? AND base_id = ? AND org_id = ?", id, actor.BaseID, actor.OrgID))
	if db.IsNoRows(err) {
		return l, apperr.ErrNotFound()
	}
	if err != nil {
		return l, fmt.Errorf("read location: %w", err)
	}
	return l, nil
}

// Location returns one location of the actor's base.
func (s *Service) Location(ctx context.Context, actor access.Actor, id int64) (Location, error) {
	return GetLocation(ctx, s.DB, actor, id)
}

// Locations lists the locations of the actor's base in display order;
// archived ones only when asked.
func (s *Service) Locations(ctx context.Context, actor access.Actor, f LocationFilter) ([]Location, error) {
	if err := actor.Require(access.ViewLocations); err != nil {
		return nil, err
	}
	q := "SELECT " + locationCols + " FROM locations WHERE base_id = ? AND org_id = ?"
	args := []any{actor.BaseID, actor.OrgID}
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if !f.IncludeArchived {
		q += " AND archived = ?"
		args = append(args, false)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY archived, position, name, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	defer rows.Close()
	var ls []Location
	for rows.Next() {
		l, err := scanLocation(rows)
		if err != nil {
			return nil, fmt.Errorf("list locations: %w", err)
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

func locationNameFree(ctx context.Context, tx *db.Tx, baseID, exceptID int64, name string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM locations WHERE base_id = ? AND LOWER(name) = LOWER(?) AND id <> ?", baseID, name, exceptID).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, "place.error.location_taken")
	}
	if !db.IsNoRows(err) {
		return fmt.Errorf("check location name: %w", err)
	}
	return nil
}

func locationFields(in LocationInput) LocationFields {
	return LocationFields{Name: in.Name, Kind: in.Kind, DefaultState: in.DefaultState, Position: in.Position}
}

// CreateLocation adds a location to the actor's base.
func (s *Service) CreateLocation(ctx context.Context, actor access.Actor, in LocationInput) (Location, error) {
	if err := actor.Require(access.ManageLocations); err != nil {
		return Location{}, err
	}
	in, err := in.clean()
	if err != nil {
		return Location{}, err
	}
	var l Location
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := locationNameFree(ctx, tx, actor.BaseID, 0, in.Name); err != nil {
			return err
		}
		if in.Position == 0 {
			if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM locations WHERE base_id = ?", actor.BaseID).Scan(&in.Position); err != nil {
				return fmt.Errorf("create location: position: %w", err)
			}
		}
		id, err := tx.InsertID(ctx, `INSERT INTO locations (org_id, base_id, name, kind, default_state, position, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, in.Name, in.Kind, in.DefaultState, in.Position, db.Micros(tx.Now))
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "place.error.location_taken")
		}
		if err != nil {
			return fmt.Errorf("create location: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "location", id, LocationCreated(locationFields(in))); err != nil {
			return err
		}
		l = Location{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, Name: in.Name, Kind: in.Kind,
			DefaultState: in.DefaultState, Position: in.Position, CreatedAt: tx.Now}
		return nil
	})
	if err != nil {
		return Location{}, err
	}
	return l, nil
}

// UpdateLocation changes a location's name, kind, default state and, when
// Position is not 0, its position.
func (s *Service) UpdateLocation(ctx context.Context, actor access.Actor, id int64, in LocationInput) (Location, error) {
	if err := actor.Require(access.ManageLocations); err != nil {
		return Location{}, err
	}
	in, err := in.clean()
	if err != nil {
		return Location{}, err
	}
	var l Location
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := scanLocation(tx.QueryRow(ctx, "SELECT "+locationCols+" FROM locations WHERE id = ? AND base_id = ? AND org_id = ?"+tx.ForUpdate(),
			id, actor.BaseID, actor.OrgID))
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("update location: %w", err)
		}
		if in.Position == 0 {
			in.Position = old.Position
		}
		if err := locationNameFree(ctx, tx, actor.BaseID, id, in.Name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE locations SET name = ?, kind = ?, default_state = ?, position = ? WHERE id = ?",
			in.Name, in.Kind, in.DefaultState, in.Position, id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "place.error.location_taken")
		}
		if err != nil {
			return fmt.Errorf("update location: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "location", id, LocationUpdated(locationFields(in))); err != nil {
			return err
		}
		l = old
		l.Name, l.Kind, l.DefaultState, l.Position = in.Name, in.Kind, in.DefaultState, in.Position
		return nil
	})
	if err != nil {
		return Location{}, err
	}
	return l, nil
}

// ArchiveLocation archives a location (archived true) or brings it back.
// Boxes already there keep their location; an archived one is no longer
// offered as a destination. Setting what is already set writes no event.
func (s *Service) ArchiveLocation(ctx context.Context, actor access.Actor, id int64, archived bool) error {
	if err := actor.Require(access.ManageLocations); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var was bool
		err := tx.QueryRow(ctx, "SELECT archived FROM locations WHERE id = ? AND base_id = ? AND org_id = ?"+tx.ForUpdate(),
			id, actor.BaseID, actor.OrgID).Scan(&was)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("archive location: %w", err)
		}
		if was == archived {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE locations SET archived = ? WHERE id = ?", archived, id); err != nil {
			return fmt.Errorf("archive location: %w", err)
		}
		var event ledger.Payload = LocationRestored{}
		if archived {
			event = LocationArchived{}
		}
		_, err = ledger.Append(ctx, tx, actor, "location", id, event)
		return err
	})
}
