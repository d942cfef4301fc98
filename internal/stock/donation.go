package stock

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Donation sources: the kind of giver, never who. Each has the translation
// key "stock.source.<source>".
var Sources = []string{"individual", "collection", "group", "business", "other"}

// Donation is what came in on one day from one kind of source.
type Donation struct {
	ID         int64
	Source     string
	ReceivedOn string // YYYY-MM-DD
	WeightG    int64
	ItemCount  int64
	Note       string
	Boxes      int64 // boxes made from it (when listed)
	CreatedAt  time.Time
}

// RecordDonation records an intake. No field holds a donor's name or contact:
// the note's hint says so.
func (s *Service) RecordDonation(ctx context.Context, actor access.Actor, d Donation) (Donation, error) {
	if err := actor.Require(access.EditStock); err != nil {
		return Donation{}, err
	}
	d, err := d.clean()
	if err != nil {
		return Donation{}, err
	}
	err = s.DB.InTxGroup(ctx, actor.OrgID, func(tx *db.Tx) error { return insertDonation(ctx, tx, actor, &d) })
	return d, err
}

// clean checks a donation as typed and normalises its day and note.
func (d Donation) clean() (Donation, error) {
	ok := false
	for _, x := range Sources {
		ok = ok || x == d.Source
	}
	if !ok {
		return d, apperr.New(apperr.Invalid, "stock.error.source_unknown").At("source")
	}
	day, err := checkDate(d.ReceivedOn)
	if err != nil || day == "" {
		return d, apperr.New(apperr.Invalid, "stock.error.date_invalid").At("received_on")
	}
	if d.WeightG < 0 || d.WeightG > 100_000_000 || d.ItemCount < 0 || d.ItemCount > 10_000_000 {
		return d, apperr.New(apperr.Invalid, "stock.error.donation_amount").At("weight")
	}
	d.Note = strings.TrimSpace(d.Note)
	if !utf8.ValidString(d.Note) || utf8.RuneCountInString(d.Note) > MaxComment {
		return d, apperr.New(apperr.Invalid, "stock.error.comment_long", MaxComment).At("note")
	}
	d.ReceivedOn = day
	return d, nil
}

func insertDonation(ctx context.Context, tx *db.Tx, actor access.Actor, d *Donation) error {
	id, err := tx.InsertID(ctx, `INSERT INTO donations (org_id, base_id, source, received_on, weight_g, item_count, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, d.Source, d.ReceivedOn, d.WeightG, d.ItemCount, d.Note,
		actor.UserID, db.Micros(tx.Now))
	if err != nil {
		return fmt.Errorf("record donation: %w", err)
	}
	d.ID, d.CreatedAt = id, tx.Now
	_, err = ledger.Append(ctx, tx, actor, "donation", id, DonationRecorded{
		Source: d.Source, ReceivedOn: d.ReceivedOn, WeightG: d.WeightG, ItemCount: d.ItemCount})
	return err
}

// Intake records a donation and makes the boxes sorted from it in one
// transaction: if one box is refused, the donation is not recorded either, so
// a second try never counts it twice.
func (s *Service) Intake(ctx context.Context, actor access.Actor, d Donation, nbs []NewBox) (Donation, []Box, error) {
	if err := actor.Require(access.EditStock); err != nil {
		return Donation{}, nil, err
	}
	d, err := d.clean()
	if err != nil {
		return Donation{}, nil, err
	}
	boxes, err := s.createBoxes(ctx, actor, nbs, func(tx *db.Tx) error {
		if err := insertDonation(ctx, tx, actor, &d); err != nil {
			return err
		}
		for i := range nbs {
			nbs[i].DonationID = d.ID
		}
		return nil
	})
	if err != nil {
		return Donation{}, nil, err
	}
	return d, boxes, nil
}

// Donations lists the base's latest intakes with how many boxes each made.
func (s *Service) Donations(ctx context.Context, actor access.Actor, limit int) ([]Donation, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT d.id, d.source, d.received_on, d.weight_g, d.item_count, d.note, d.created_at,
		(SELECT COUNT(*) FROM boxes b WHERE b.donation_id = d.id)
		FROM donations d WHERE d.org_id = ? AND d.base_id = ? ORDER BY d.received_on DESC, d.id DESC LIMIT ?`, actor.OrgID, actor.BaseID, limit)
	if err != nil {
		return nil, fmt.Errorf("list donations: %w", err)
	}
	defer rows.Close()
	var out []Donation
	for rows.Next() {
		var d Donation
		var at int64
		if err := rows.Scan(&d.ID, &d.Source, &d.ReceivedOn, &d.WeightG, &d.ItemCount, &d.Note, &at, &d.Boxes); err != nil {
			return nil, fmt.Errorf("list donations: %w", err)
		}
		d.CreatedAt = db.FromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
