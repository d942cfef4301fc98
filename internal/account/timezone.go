package account

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones known on machines without a zoneinfo database

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// DefaultTimeZone is the zone of a base nobody has set one for.
const DefaultTimeZone = "UTC"

// ParseTimeZone checks an IANA time zone name ("Europe/Paris") as
// time.LoadLocation knows it. "Local" and "" are refused: the server's own
// zone says nothing about where a base is.
func ParseTimeZone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.New(apperr.Invalid, "error.time_zone_required").At("time_zone")
	}
	if len(s) > 64 || strings.EqualFold(s, "Local") {
		return "", apperr.New(apperr.Invalid, "error.time_zone_unknown").At("time_zone")
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return "", apperr.New(apperr.Invalid, "error.time_zone_unknown").At("time_zone")
	}
	return loc.String(), nil
}

var zones sync.Map // name → *time.Location

// Location is the time zone of that name, UTC when the name is not one
// (a base's zone was checked when it was set; this only guards reading).
func Location(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// SetTimeZone sets the time zone of the actor's base; every time abri shows
// for the base is then in that zone. Its ledger event carries the zone.
func (s *Service) SetTimeZone(ctx context.Context, actor access.Actor, zone string) error {
	if err := actor.Require(access.ManageBase); err != nil {
		return err
	}
	zone, err := ParseTimeZone(zone)
	if err != nil {
		return err
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		var old string
		err := tx.QueryRow(ctx, "SELECT time_zone FROM bases WHERE id = ? AND org_id = ?", actor.BaseID, actor.OrgID).Scan(&old)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("read base: %w", err)
		}
		if old == zone {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE bases SET time_zone = ? WHERE id = ? AND org_id = ?", zone, actor.BaseID, actor.OrgID); err != nil {
			return fmt.Errorf("set time zone: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "base", actor.BaseID, BaseTimeZoneSet{TimeZone: zone})
		return err
	})
}
