package people

import (
	"context"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of cards for `abri verify`: which cards exist, in which
// base, since when, with what household size and whether they hold personal
// fields; and each base's card settings. The code's HMAC, the composition
// and the last use are not in the ledger (the ledger outlives erasure), so
// they are not checked.

func init() {
	ledger.RegisterProjection("people", func() ledger.Projection {
		return &cardReplay{cards: map[int64]*replayedCard{}, settings: map[int64]*replayedSettings{}}
	})
}

type replayedCard struct {
	base, created int64
	household     int
	fields        bool
	last          ledger.Touch
}

type replayedSettings struct {
	s    CardSettingsChanged
	last ledger.Touch
}

type cardReplay struct {
	cards    map[int64]*replayedCard
	settings map[int64]*replayedSettings
}

func (r *cardReplay) Apply(e ledger.Event, p ledger.Payload) {
	t := ledger.TouchOf(e)
	if s, ok := p.(CardSettingsChanged); ok {
		r.settings[e.EntityID] = &replayedSettings{s: s, last: t}
		if !s.PersonalFields {
			for _, c := range r.cards {
				if c.base == e.EntityID {
					c.fields = false
				}
			}
		}
		return
	}
	if e.Entity != "card" {
		return
	}
	if c, ok := p.(CardIssued); ok {
		r.cards[e.EntityID] = &replayedCard{base: e.BaseID, created: db.Micros(e.At), household: c.HouseholdSize, fields: c.HasFields, last: t}
		return
	}
	c := r.cards[e.EntityID]
	if c == nil {
		return
	}
	switch p := p.(type) {
	case CardReplaced:
	case CardFieldsChanged:
		c.fields = p.HasFields
	case CardErased:
		delete(r.cards, e.EntityID)
		return
	default:
		return
	}
	c.last = t
}

func (r *cardReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, created int64
		var household int
		var fields bool
		if err := scan(&id, &base, &household, &created, &fields); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("card %d", id)
		c := r.cards[id]
		if c == nil {
			ds.Unexpected("cards", row)
			return nil
		}
		col := func(name string, want, got any) { ds.Col("cards", row, c.last, name, want, got) }
		col("base_id", c.base, base)
		col("household_size", c.household, household)
		col("created_at", c.created, created)
		col("fields", c.fields, fields)
		return nil
	}, `SELECT id, base_id, household_size, created_at, EXISTS (SELECT 1 FROM card_fields f WHERE f.card_id = cards.id)
		FROM cards WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify cards: %w", err)
	}
	for id, c := range r.cards {
		if !seen[id] {
			ds.Missing("cards", fmt.Sprintf("card %d", id), c.last)
		}
	}
	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var base int64
		var personal bool
		var days int
		if err := scan(&base, &personal, &days); err != nil {
			return err
		}
		seen[base] = true
		row := fmt.Sprintf("base %d", base)
		s := r.settings[base]
		if s == nil {
			ds.Unexpected("card_settings", row)
			return nil
		}
		ds.Col("card_settings", row, s.last, "personal_fields", s.s.PersonalFields, personal)
		ds.Col("card_settings", row, s.last, "retention_days", s.s.RetentionDays, days)
		return nil
	}, "SELECT base_id, personal_fields, retention_days FROM card_settings WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify card settings: %w", err)
	}
	for base, s := range r.settings {
		if !seen[base] {
			ds.Missing("card_settings", fmt.Sprintf("base %d", base), s.last)
		}
	}
	return ds, nil
}
