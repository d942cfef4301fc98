package people

import (
	"context"
	"crypto/hmac"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
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
	// The time is the transaction's (or, for a read outside one, the
	// database's clock), never the process's own.
	var at time.Time
	switch q := q.(type) {
	case *db.Tx:
		at = q.Now
	case *db.DB:
		at = q.Clock.Now()
	default:
		return fmt.Errorf("log card access: %T has no clock", q)
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

// Export is what abri holds on one card, for its holder (the right of
// access): the card, its household, its optional fields. The shop adds the
// checkouts still linked to it (shop.History).
type Export struct {
	Card   Card
	Fields Fields
}

// ExportTx reads what abri holds on a card of the actor's base for its
// holder, who shows the card: the code must be the card's. Only an
// administrator exports; the export is written to the access log, once
// (reading the fields for it is part of the export, not a second entry).
func ExportTx(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64, code string) (Export, error) {
	if err := require(actor, access.ExportCard); err != nil {
		return Export{}, err
	}
	c, err := get(ctx, tx, actor, cardID)
	if err != nil {
		return Export{}, err
	}
	parsed, err := ParseCode(code)
	if err != nil {
		return Export{}, err
	}
	k, err := keys()
	if err != nil {
		return Export{}, err
	}
	var mac []byte
	if err := tx.QueryRow(ctx, "SELECT code_hmac FROM cards WHERE id = ?", c.ID).Scan(&mac); err != nil {
		return Export{}, fmt.Errorf("export card: %w", err)
	}
	if !hmac.Equal(mac, k.codeMAC(actor.BaseID, parsed)) {
		return Export{}, apperr.New(apperr.Invalid, "people.error.export_code").At("code")
	}
	f, err := readFields(ctx, tx, k, actor, c.ID)
	if err != nil {
		return Export{}, err
	}
	if err := logAccess(ctx, tx, actor, c.ID, AccessExport); err != nil {
		return Export{}, err
	}
	return Export{Card: c, Fields: f}, nil
}
