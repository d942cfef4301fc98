// Package headcount is the quick count: people served at a site, one tap
// one person, as anonymous counts only (an age band and a gender, each
// optional). Taps are offline commands (internal/command), so a count made
// with no network is kept on the phone and counted exactly once.
package headcount

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// CommandType is the quick count's command: target "site:ID", payload Tap.
const CommandType = "headcount.add"

// Ages and Genders are the values a tap may carry; "" is "not noted".
var (
	Ages    = []string{"child", "adult", ""}
	Genders = []string{"woman", "man", "other", "unknown", ""}
)

// MaxN bounds one tap: a person is one; an undo takes one back.
const MaxN = 50

// Tap is the payload of a quick-count command: N people (1 for a tap, -1
// for an undo) of one age band and gender.
type Tap struct {
	Age    string `json:"age"`
	Gender string `json:"gender"`
	N      int64  `json:"n"`
}

// Band is one age band and gender.
type Band struct {
	Age, Gender string
}

// Totals are a site's counts for a day.
type Totals struct {
	SiteID int64
	Day    string
	ByBand map[Band]int64
	All    int64
}

// Recorded is the ledger event of a tap (entity "headcount", the row's id).
type Recorded struct {
	SiteID int64  `json:"site_id"`
	Day    string `json:"day"`
	Age    string `json:"age"`
	Gender string `json:"gender"`
	N      int64  `json:"n"`
	MadeAt int64  `json:"made_at"`
}

func (Recorded) EventKind() string { return "headcount.recorded" }
func (Recorded) EventVersion() int { return 1 }

func init() {
	ledger.Register[Recorded]()
	command.Register(CommandType, apply)
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// Day is the day a tap counts for: the date of the device's clock in the
// base's time zone, so a count made at 00:30 in Paris is that night's, as the
// volunteers at the site and the coordinator's screen both see it.
func Day(loc *time.Location, t time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02")
}

// baseLocation is the time zone of the actor's base.
func baseLocation(ctx context.Context, tx *db.Tx, actor access.Actor) (*time.Location, error) {
	var zone string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM bases WHERE id = ? AND org_id = ?`,
		actor.BaseID, actor.OrgID).Scan(&zone); err != nil {
		return nil, fmt.Errorf("headcount: base time zone: %w", err)
	}
	return account.Location(zone), nil
}

// apply is the command handler: one tap at a live site of the actor's base.
// An undo that would take a band below zero for the day is refused (it
// becomes a review item).
func apply(ctx context.Context, tx *db.Tx, actor access.Actor, c command.Command) (any, error) {
	if err := actor.Require(access.RecordHeadcount); err != nil {
		return nil, err
	}
	siteID, err := command.ParseTarget(c.Target, "site")
	if err != nil {
		return nil, err
	}
	var t Tap
	if err := json.Unmarshal(c.Payload, &t); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "headcount.tap_invalid").At("payload")
	}
	if !oneOf(t.Age, Ages) || !oneOf(t.Gender, Genders) || t.N == 0 || t.N > MaxN || t.N < -MaxN {
		return nil, apperr.New(apperr.Invalid, "headcount.tap_invalid").At("payload")
	}
	site, err := place.GetSite(ctx, tx, actor, siteID)
	if err != nil {
		return nil, err
	}
	if site.Archived {
		return nil, apperr.New(apperr.Invalid, "headcount.site_archived", site.Name)
	}
	loc, err := baseLocation(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	day := Day(loc, c.MadeAt)
	if t.N < 0 {
		var have int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM headcounts
			WHERE org_id = ? AND base_id = ? AND site_id = ? AND day = ? AND age = ? AND gender = ?`,
			actor.OrgID, actor.BaseID, siteID, day, t.Age, t.Gender).Scan(&have); err != nil {
			return nil, fmt.Errorf("headcount: %w", err)
		}
		if have+t.N < 0 {
			return nil, apperr.New(apperr.Invalid, "headcount.undo_below_zero")
		}
	}
	id, err := tx.InsertID(ctx, `INSERT INTO headcounts (org_id, base_id, site_id, day, age, gender, n, made_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		actor.OrgID, actor.BaseID, siteID, day, t.Age, t.Gender, t.N, db.Micros(c.MadeAt), actor.UserID, db.Micros(tx.Now))
	if err != nil {
		return nil, fmt.Errorf("headcount: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "headcount", id, Recorded{SiteID: siteID, Day: day, Age: t.Age, Gender: t.Gender, N: t.N, MadeAt: db.Micros(c.MadeAt)}); err != nil {
		return nil, err
	}
	return map[string]any{"site_id": siteID, "day": day}, nil
}

// SiteTotals are the counts of one site of the actor's base on a day.
func SiteTotals(ctx context.Context, d *db.DB, actor access.Actor, siteID int64, day string) (Totals, error) {
	if err := actor.Require(access.RecordHeadcount); err != nil {
		return Totals{}, err
	}
	if _, err := place.GetSite(ctx, d, actor, siteID); err != nil {
		return Totals{}, err
	}
	out := Totals{SiteID: siteID, Day: day, ByBand: map[Band]int64{}}
	rows, err := d.Query(ctx, `SELECT age, gender, SUM(n) FROM headcounts
		WHERE org_id = ? AND base_id = ? AND site_id = ? AND day = ? GROUP BY age, gender`, actor.OrgID, actor.BaseID, siteID, day)
	if err != nil {
		return out, fmt.Errorf("headcount totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Band
		var n int64
		if err := rows.Scan(&b.Age, &b.Gender, &n); err != nil {
			return out, fmt.Errorf("headcount totals: %w", err)
		}
		out.ByBand[b] = n
		out.All += n
	}
	return out, rows.Err()
}
