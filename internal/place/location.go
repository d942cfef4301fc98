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
	LocationShop  = "shop" // the free shop's shelves: checkouts take items from boxes here
)

// LocationKinds lists the kinds of location.
var LocationKinds = []string{LocationShelf, LocationRoom, LocationVan, LocationSite, LocationShop}

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
type LocationFilter = Filter

func (in LocationInput) name() string { return in.Name }

var locations = &named[Location, LocationInput]{
	table:    "locations",
	entity:   "location",
	cols:     "id, org_id, base_id, name, kind, default_state, position, archived, created_at",
	order:    "position, name, id",
	scan:     scanLocation,
	view:     access.ViewLocations,
	manage:   access.ManageLocations,
	taken:    "place.error.location_taken",
	archived: LocationArchived{},
	restored: LocationRestored{},
}

func scanLocation(sc scanner) (Location, error) {
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
	return locations.get(ctx, q, actor, id)
}

// Location returns one location of the actor's base.
func (s *Service) Location(ctx context.Context, actor access.Actor, id int64) (Location, error) {
	return locations.get(ctx, s.DB, actor, id)
}

// Locations lists the locations of the actor's base in display order;
// archived ones only when asked.
func (s *Service) Locations(ctx context.Context, actor access.Actor, f LocationFilter) ([]Location, error) {
	return locations.list(ctx, s.DB, actor, f)
}

func locationFields(in LocationInput) LocationFields {
	return LocationFields{Name: in.Name, Kind: in.Kind, DefaultState: in.DefaultState, Position: in.Position}
}

// CreateLocation adds a location to the actor's base; Position 0 puts it
// after the last one.
func (s *Service) CreateLocation(ctx context.Context, actor access.Actor, in LocationInput) (Location, error) {
	var l Location
	err := locations.create(ctx, s.DB, actor, in, func(tx *db.Tx, in LocationInput) (int64, ledger.Payload, error) {
		if in.Position == 0 {
			if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM locations WHERE base_id = ?", actor.BaseID).Scan(&in.Position); err != nil {
				return 0, nil, fmt.Errorf("position: %w", err)
			}
		}
		id, err := tx.InsertID(ctx, `INSERT INTO locations (org_id, base_id, name, kind, default_state, position, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, in.Name, in.Kind, in.DefaultState, in.Position, db.Micros(tx.Now))
		if err != nil {
			return 0, nil, err
		}
		l = Location{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, Name: in.Name, Kind: in.Kind,
			DefaultState: in.DefaultState, Position: in.Position, CreatedAt: tx.Now}
		return id, LocationCreated(locationFields(in)), nil
	})
	if err != nil {
		return Location{}, err
	}
	return l, nil
}

// UpdateLocation changes a location's name, kind, default state and, when
// Position is not 0, its position.
func (s *Service) UpdateLocation(ctx context.Context, actor access.Actor, id int64, in LocationInput) (Location, error) {
	var l Location
	err := locations.update(ctx, s.DB, actor, id, in, func(tx *db.Tx, old Location, in LocationInput) (ledger.Payload, error) {
		if in.Position == 0 {
			in.Position = old.Position
		}
		if _, err := tx.Exec(ctx, "UPDATE locations SET name = ?, kind = ?, default_state = ?, position = ? WHERE id = ?",
			in.Name, in.Kind, in.DefaultState, in.Position, id); err != nil {
			return nil, err
		}
		l = old
		l.Name, l.Kind, l.DefaultState, l.Position = in.Name, in.Kind, in.DefaultState, in.Position
		return LocationUpdated(locationFields(in)), nil
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
	return locations.archive(ctx, s.DB, actor, id, archived)
}
