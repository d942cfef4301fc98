package people

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Coverage is what erasing a card did: what was deleted, what was made
// anonymous (kept without the card), and what stays only as an aggregate.
// Each line has the key "people.coverage.<what>".
type Coverage struct {
	Deleted    []CoverageLine `json:"deleted"`
	Anonymised []CoverageLine `json:"anonymised"`
	Aggregate  []CoverageLine `json:"aggregate"`
}

// CoverageLine is one kind of record and how many of it; Count is 0 for an
// aggregate, which holds no record of the card to count.
type CoverageLine struct {
	What  string `json:"what"`
	Count int64  `json:"count,omitempty"`
}

// Add appends another package's coverage (the shop's checkouts).
func (c *Coverage) Add(o Coverage) {
	c.Deleted = append(c.Deleted, o.Deleted...)
	c.Anonymised = append(c.Anonymised, o.Anonymised...)
	c.Aggregate = append(c.Aggregate, o.Aggregate...)
}

// An Eraser is another package's part of erasing a card: the shop detaches
// its checkouts from the card, keeping the weekly counts per product. It
// runs in the erasing transaction before the card's row goes, and names the
// tables it touches, so that the purge can vacuum them.
type Eraser struct {
	Name   string
	Tables []string
	Erase  func(ctx context.Context, tx *db.Tx, card Card) (Coverage, error)
}

var erasers struct {
	sync.RWMutex
	list []Eraser
}

// RegisterEraser adds an Eraser; call it from an init function.
func RegisterEraser(e Eraser) {
	erasers.Lock()
	defer erasers.Unlock()
	erasers.list = append(erasers.list, e)
}

func registeredErasers() []Eraser {
	erasers.RLock()
	defer erasers.RUnlock()
	return append([]Eraser(nil), erasers.list...)
}

// Reasons a card is erased.
const (
	ErasedOnRequest = "request"
	ErasedExpired   = "expired"
)

// EraseTx erases one card of the actor's base on request, in the caller's
// transaction: one audited action (card.erased names who did it). Call
// Scrub after the transaction commits, so that the deleted bytes leave the
// database files.
func EraseTx(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64) (Coverage, error) {
	c, err := get(ctx, tx, actor, cardID)
	if err != nil {
		return Coverage{}, err
	}
	return erase(ctx, tx, actor, c, ErasedOnRequest)
}

// Erase erases the card a code names in the actor's base, and scrubs the
// database files. It answers what it covered.
func Erase(ctx context.Context, d *db.DB, actor access.Actor, code string) (Coverage, error) {
	return eraseScrubbed(ctx, d, actor, func(tx *db.Tx) (int64, error) {
		c, err := Find(ctx, tx, actor, code)
		return c.ID, err
	})
}

// EraseID is Erase for a card known by id (the card screen).
func EraseID(ctx context.Context, d *db.DB, actor access.Actor, cardID int64) (Coverage, error) {
	return eraseScrubbed(ctx, d, actor, func(*db.Tx) (int64, error) { return cardID, nil })
}

// eraseScrubbed erases the card which names, in a transaction of its own,
// then scrubs the database files.
func eraseScrubbed(ctx context.Context, d *db.DB, actor access.Actor, which func(tx *db.Tx) (int64, error)) (Coverage, error) {
	var cov Coverage
	err := d.InTx(ctx, func(tx *db.Tx) error {
		id, err := which(tx)
		if err != nil {
			return err
		}
		cov, err = EraseTx(ctx, tx, actor, id)
		return err
	})
	if err != nil {
		return Coverage{}, err
	}
	return cov, Scrub(ctx, d)
}

func erase(ctx context.Context, tx *db.Tx, actor access.Actor, c Card, reason string) (Coverage, error) {
	var cov Coverage
	for _, e := range registeredErasers() {
		part, err := e.Erase(ctx, tx, c)
		if err != nil {
			return Coverage{}, fmt.Errorf("erase card: %s: %w", e.Name, err)
		}
		cov.Add(part)
	}
	res, err := tx.Exec(ctx, "UPDATE card_access_log SET card_id = NULL WHERE card_id = ? AND org_id = ?", c.ID, c.OrgID)
	if err != nil {
		return Coverage{}, fmt.Errorf("erase card: access log: %w", err)
	}
	logged, _ := res.RowsAffected()
	res, err = tx.Exec(ctx, "DELETE FROM card_fields WHERE card_id = ? AND org_id = ?", c.ID, c.OrgID)
	if err != nil {
		return Coverage{}, fmt.Errorf("erase card: fields: %w", err)
	}
	fields, _ := res.RowsAffected()
	if _, err := tx.Exec(ctx, "DELETE FROM cards WHERE id = ? AND org_id = ?", c.ID, c.OrgID); err != nil {
		return Coverage{}, fmt.Errorf("erase card: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "card", c.ID, CardErased{Reason: reason}); err != nil {
		return Coverage{}, err
	}
	deleted := []CoverageLine{{What: "card", Count: 1}, {What: "code_hmac", Count: 1}, {What: "household", Count: 1}}
	if fields > 0 {
		deleted = append(deleted, CoverageLine{What: "fields", Count: fields})
	}
	cov.Deleted = append(deleted, cov.Deleted...)
	cov.Anonymised = append([]CoverageLine{{What: "access_log", Count: logged}, {What: "ledger", Count: 0}}, cov.Anonymised...)
	cov.Aggregate = append([]CoverageLine{{What: "cards_served_week"}}, cov.Aggregate...)
	return cov, nil
}

// PurgeResult is what a purge erased.
type PurgeResult struct {
	Cards     int // cards past their retention, erased
	AccessLog int // access log entries past the retention, deleted
}

// Purge erases, in every base, the cards unused for longer than the base's
// retention (counted from the last use, or the issue when never used) and
// the access log entries older than it, then scrubs the database files.
// serve runs it daily; `abri purge` runs it at once.
func Purge(ctx context.Context, d *db.DB, now time.Time) (PurgeResult, error) {
	var res PurgeResult
	rows, err := d.Query(ctx, `SELECT org_id, base_id FROM cards UNION SELECT org_id, base_id FROM card_access_log`)
	if err != nil {
		return res, fmt.Errorf("purge cards: %w", err)
	}
	type base struct{ org, id int64 }
	var bases []base
	for rows.Next() {
		var b base
		if err := rows.Scan(&b.org, &b.id); err != nil {
			rows.Close()
			return res, fmt.Errorf("purge cards: %w", err)
		}
		bases = append(bases, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("purge cards: %w", err)
	}
	for _, b := range bases {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			st, err := settingsOf(ctx, tx, b.org, b.id)
			if err != nil {
				return err
			}
			cutoff := db.Micros(now.AddDate(0, 0, -st.RetentionDays))
			rows, err := tx.Query(ctx, "SELECT "+cardCols+` WHERE org_id = ? AND base_id = ?
				AND CASE WHEN last_used_at > created_at THEN last_used_at ELSE created_at END < ?`, b.org, b.id, cutoff)
			if err != nil {
				return fmt.Errorf("purge cards: %w", err)
			}
			var expired []Card
			for rows.Next() {
				c, err := scanCard(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("purge cards: %w", err)
				}
				expired = append(expired, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("purge cards: %w", err)
			}
			actor := access.SystemActor(b.org, b.id)
			for _, c := range expired {
				if _, err := erase(ctx, tx, actor, c, ErasedExpired); err != nil {
					return err
				}
			}
			r, err := tx.Exec(ctx, "DELETE FROM card_access_log WHERE org_id = ? AND base_id = ? AND at < ?", b.org, b.id, cutoff)
			if err != nil {
				return fmt.Errorf("purge card access log: %w", err)
			}
			n, _ := r.RowsAffected()
			res.Cards += len(expired)
			res.AccessLog += int(n)
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if res.Cards+res.AccessLog == 0 {
		return res, nil
	}
	return res, Scrub(ctx, d)
}

// Scrub makes deleted card data leave the database files. On SQLite, where
// secure_delete already zeroes deleted rows and freed pages in place, it
// checkpoints the write-ahead log into the database and truncates it, so no
// old page stays in the WAL. On PostgreSQL it vacuums the tables erasure
// touches, so that dead row versions are reclaimed.
func Scrub(ctx context.Context, d *db.DB) error {
	if d.Dialect == db.SQLite {
		if _, err := d.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return fmt.Errorf("scrub: checkpoint: %w", err)
		}
		return nil
	}
	tables := []string{"cards", "card_fields", "card_access_log"}
	for _, e := range registeredErasers() {
		tables = append(tables, e.Tables...)
	}
	if _, err := d.Exec(ctx, "VACUUM "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("scrub: vacuum: %w", err)
	}
	return nil
}
