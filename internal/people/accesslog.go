package people

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/db"
)

// What an access log entry records; each has the key "people.access.<what>".
const (
	AccessFieldsRead = "fields_read" // someone read a card's personal fields
	AccessLookup     = "lookup"      // an administrator looked a card up
	AccessExport     = "export"      // card data left abri in an export
)

// AccessEntry is one line of the access log: who, when, what, which card
// (0 once the card is erased).
type AccessEntry struct {
	UserID   int64
	UserName string
	CardID   int64
	What     string
	At       time.Time
}

func logAccess(ctx context.Context, q db.Queryer, actor access.Actor, cardID int64, what string) error {
	var at time.Time
	switch q := q.(type) {
	case *db.Tx:
		at = q.Now
	case *db.DB:
		at = q.Clock.Now()
	default:
		at = time.Now()
	}
	if _, err := q.Exec(ctx, "INSERT INTO card_access_log (org_id, base_id, user_id, card_id, what, at) VALUES (?, ?, ?, ?, ?, ?)",
		actor.OrgID, actor.BaseID, actor.UserID, cardID, what, db.Micros(at)); err != nil {
		return fmt.Errorf("log card access: %w", err)
	}
	return nil
}

// LogExport records that card data of the actor's base left abri in an
// export (cardID 0: data of many cards).
func LogExport(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64) error {
	if err := require(actor, access.UseCards); err != nil {
		return err
	}
	return logAccess(ctx, tx, actor, cardID, AccessExport)
}

// AccessLog lists the access log of the actor's base, newest first, at
// most limit entries. Only administrators see it.
func AccessLog(ctx context.Context, q db.Queryer, actor access.Actor, limit int) ([]AccessEntry, error) {
	if err := require(actor, access.ViewCardAccessLog); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := q.Query(ctx, `SELECT l.user_id, COALESCE(u.display_name, ''), COALESCE(l.card_id, 0), l.what, l.at
		FROM card_access_log l LEFT JOIN users u ON u.id = l.user_id
		WHERE l.org_id = ? AND l.base_id = ? ORDER BY l.at DESC, l.id DESC LIMIT ?`, actor.OrgID, actor.BaseID, limit)
	if err != nil {
		return nil, fmt.Errorf("read card access log: %w", err)
	}
	defer rows.Close()
	var out []AccessEntry
	for rows.Next() {
		var e AccessEntry
		var at int64
		if err := rows.Scan(&e.UserID, &e.UserName, &e.CardID, &e.What, &at); err != nil {
			return nil, fmt.Errorf("read card access log: %w", err)
		}
		e.At = db.FromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
