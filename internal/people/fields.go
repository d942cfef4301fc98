package people

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Fields are a card's optional personal fields. They are off by default;
// where a base turns them on they are sealed (AES-256-GCM, key in the data
// directory), every read is logged, and they never enter the ledger or a log.
type Fields struct {
	Name  string `json:"name,omitempty"` // a name or nickname
	Phone string `json:"phone,omitempty"`
}

// Limits of the personal fields.
const (
	MaxName  = 80
	MaxPhone = 30
)

// Empty tells whether no field is set.
func (f Fields) Empty() bool { return f.Name == "" && f.Phone == "" }

func (f Fields) firstField() string {
	if f.Name != "" {
		return "name"
	}
	return "phone"
}

func (f Fields) clean() (Fields, error) {
	f.Name, f.Phone = strings.TrimSpace(f.Name), strings.TrimSpace(f.Phone)
	if utf8.RuneCountInString(f.Name) > MaxName || !utf8.ValidString(f.Name) {
		return f, apperr.New(apperr.Invalid, "people.error.name", MaxName).At("name")
	}
	if len(f.Phone) > MaxPhone {
		return f, apperr.New(apperr.Invalid, "people.error.phone").At("phone")
	}
	for _, r := range f.Phone {
		if !strings.ContainsRune("+0123456789 ()-.", r) {
			return f, apperr.New(apperr.Invalid, "people.error.phone").At("phone")
		}
	}
	return f, nil
}

func storeFields(ctx context.Context, tx *db.Tx, k *Keys, cardID, orgID int64, f Fields) error {
	if f.Empty() {
		if _, err := tx.Exec(ctx, "DELETE FROM card_fields WHERE card_id = ?", cardID); err != nil {
			return fmt.Errorf("clear card fields: %w", err)
		}
		return nil
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return err
	}
	sealed := k.seal(cardID, plain)
	clear(plain)
	if _, err := tx.Exec(ctx, `INSERT INTO card_fields (card_id, org_id, sealed) VALUES (?, ?, ?)
		ON CONFLICT (card_id) DO UPDATE SET sealed = excluded.sealed`, cardID, orgID, sealed); err != nil {
		return fmt.Errorf("store card fields: %w", err)
	}
	return nil
}

// ReadFields opens a card's personal fields, writing the read to the access
// log in the same transaction first. A card without fields answers empty
// Fields (and the read is still logged: someone asked).
func ReadFields(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64) (Fields, error) {
	if _, err := get(ctx, tx, actor, cardID); err != nil {
		return Fields{}, err
	}
	if err := logAccess(ctx, tx, actor, cardID, AccessFieldsRead); err != nil {
		return Fields{}, err
	}
	k, err := keys()
	if err != nil {
		return Fields{}, err
	}
	return readFields(ctx, tx, k, actor, cardID)
}

// readFields opens a card's fields; the caller has checked the card and
// logged the read.
func readFields(ctx context.Context, tx *db.Tx, k *Keys, actor access.Actor, cardID int64) (Fields, error) {
	var sealed []byte
	err := tx.QueryRow(ctx, "SELECT sealed FROM card_fields WHERE card_id = ? AND org_id = ?", cardID, actor.OrgID).Scan(&sealed)
	if db.IsNoRows(err) {
		return Fields{}, nil
	}
	if err != nil {
		return Fields{}, fmt.Errorf("read card fields: %w", err)
	}
	plain, err := k.open(cardID, sealed)
	if err != nil {
		return Fields{}, fmt.Errorf("open card fields of card %d: %w", cardID, err)
	}
	var f Fields
	err = json.Unmarshal(plain, &f)
	clear(plain)
	return f, err
}

// SetFields replaces a card's personal fields; empty Fields removes them.
// The base must have them on to set any.
func SetFields(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64, f Fields) error {
	c, err := get(ctx, tx, actor, cardID)
	if err != nil {
		return err
	}
	if f, err = f.clean(); err != nil {
		return err
	}
	if !f.Empty() {
		st, err := SettingsOf(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !st.PersonalFields {
			return apperr.New(apperr.Invalid, "people.error.fields_off").At(f.firstField())
		}
	}
	if f.Empty() && !c.HasFields {
		return nil
	}
	k, err := keys()
	if err != nil {
		return err
	}
	if err := storeFields(ctx, tx, k, cardID, actor.OrgID, f); err != nil {
		return err
	}
	_, err = ledger.Append(ctx, tx, actor, "card", cardID, CardFieldsChanged{HasFields: !f.Empty()})
	return err
}
