package people

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Settings are a base's card settings.
type Settings struct {
	// PersonalFields lets cards carry a name or nickname and a phone
	// number. Off by default; turning it off erases every card's fields.
	PersonalFields bool
	// RetentionDays is how long a card is kept after its last use (or its
	// issue, when never used) before the purge erases it.
	RetentionDays int
}

// Defaults of a base that never set its card settings, and the bounds.
const (
	DefaultRetentionDays = 90
	MinRetentionDays     = 1
	MaxRetentionDays     = 730
)

// SettingsOf reads the card settings of the actor's base.
func SettingsOf(ctx context.Context, q db.Queryer, actor access.Actor) (Settings, error) {
	if err := require(actor, access.UseCards); err != nil {
		return Settings{}, err
	}
	return settingsOf(ctx, q, actor.OrgID, actor.BaseID)
}

func settingsOf(ctx context.Context, q db.Queryer, org, base int64) (Settings, error) {
	s := Settings{RetentionDays: DefaultRetentionDays}
	err := q.QueryRow(ctx, "SELECT personal_fields, retention_days FROM card_settings WHERE base_id = ? AND org_id = ?", base, org).
		Scan(&s.PersonalFields, &s.RetentionDays)
	if err != nil && !db.IsNoRows(err) {
		return s, fmt.Errorf("read card settings: %w", err)
	}
	return s, nil
}

// SetSettings changes the card settings of the actor's base. Turning the
// personal fields off erases those every card holds, in the same
// transaction.
func SetSettings(ctx context.Context, tx *db.Tx, actor access.Actor, s Settings) error {
	if err := require(actor, access.ManageCards); err != nil {
		return err
	}
	if s.RetentionDays < MinRetentionDays || s.RetentionDays > MaxRetentionDays {
		return apperr.New(apperr.Invalid, "people.error.retention", MinRetentionDays, MaxRetentionDays).At("retention_days")
	}
	old, err := settingsOf(ctx, tx, actor.OrgID, actor.BaseID)
	if err != nil {
		return err
	}
	if old == s {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO card_settings (base_id, org_id, personal_fields, retention_days) VALUES (?, ?, ?, ?)
		ON CONFLICT (base_id) DO UPDATE SET personal_fields = excluded.personal_fields, retention_days = excluded.retention_days`,
		actor.BaseID, actor.OrgID, s.PersonalFields, s.RetentionDays); err != nil {
		return fmt.Errorf("set card settings: %w", err)
	}
	if !s.PersonalFields {
		if _, err := tx.Exec(ctx, "DELETE FROM card_fields WHERE card_id IN (SELECT id FROM cards WHERE org_id = ? AND base_id = ?)",
			actor.OrgID, actor.BaseID); err != nil {
			return fmt.Errorf("erase card fields: %w", err)
		}
	}
	_, err = ledger.Append(ctx, tx, actor, "card_settings", actor.BaseID, CardSettingsChanged{PersonalFields: s.PersonalFields, RetentionDays: s.RetentionDays})
	return err
}
