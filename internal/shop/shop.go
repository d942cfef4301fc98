// Package shop is the free shop: entitlement rules per base ("1 sleeping
// bag per card per 14 days"), what a card may take now and when its next
// share opens, and checkouts that take items out of the boxes in the base's
// shop locations (through internal/stock) in the same transaction. A card is
// known here by its id only; internal/people owns cards and their codes.
// Shop volunteers, coordinators and admins use the shop; to anyone else it
// does not exist (404).
package shop

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/clock"
	"abri/internal/db"
)

// require lets through the actor when their role uses the shop and may do
// act; a role that does not use the shop gets "not found", so it cannot
// learn that the base runs one.
func require(actor access.Actor, act access.Action) error {
	if err := actor.Require(access.UseShop); err != nil {
		if apperr.Is(err, apperr.Forbidden) {
			return apperr.ErrNotFound()
		}
		return err
	}
	return actor.Require(act)
}

// baseLocation is the time zone of the actor's base.
func baseLocation(ctx context.Context, q db.Queryer, actor access.Actor) (*time.Location, error) {
	var zone string
	if err := q.QueryRow(ctx, `SELECT time_zone FROM bases WHERE id = ? AND org_id = ?`,
		actor.BaseID, actor.OrgID).Scan(&zone); err != nil {
		return nil, fmt.Errorf("shop: base time zone: %w", err)
	}
	return account.Location(zone), nil
}

// Week is the Monday (YYYY-MM-DD) of t's ISO week in loc, the base's zone:
// the shop counts checkouts, cards served and refusals by such weeks, and
// keeps an erased card's checkouts as counts per such week. It is the one
// definition (clock.WeekOf).
func Week(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return clock.WeekOf(t, loc).Format(time.DateOnly)
}
