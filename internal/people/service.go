package people

import (
	"context"

	"abri/internal/access"
	"abri/internal/db"
)

// The calls below each run one of the card calls in a transaction of its
// own, for the screens and the API; the shop calls the transaction forms
// inside its checkout.

// IssueCard is Issue in a transaction of its own.
func IssueCard(ctx context.Context, d *db.DB, actor access.Actor, in NewCard) (Card, string, error) {
	var c Card
	var code string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c, code, err = Issue(ctx, tx, actor, in)
		return err
	})
	return c, code, err
}

// FindCard is Find in a transaction of its own (an administrator's lookup
// is logged, so it writes).
func FindCard(ctx context.Context, d *db.DB, actor access.Actor, code string) (Card, error) {
	var c Card
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c, err = Find(ctx, tx, actor, code)
		return err
	})
	return c, err
}

// ReplaceCard is Replace in a transaction of its own.
func ReplaceCard(ctx context.Context, d *db.DB, actor access.Actor, cardID int64) (string, error) {
	var code string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		code, err = Replace(ctx, tx, actor, cardID)
		return err
	})
	return code, err
}

// ReadCardFields is ReadFields in a transaction of its own.
func ReadCardFields(ctx context.Context, d *db.DB, actor access.Actor, cardID int64) (Fields, error) {
	var f Fields
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		f, err = ReadFields(ctx, tx, actor, cardID)
		return err
	})
	return f, err
}

// SetCardFields is SetFields in a transaction of its own.
func SetCardFields(ctx context.Context, d *db.DB, actor access.Actor, cardID int64, f Fields) error {
	return d.InTx(ctx, func(tx *db.Tx) error { return SetFields(ctx, tx, actor, cardID, f) })
}

// ChangeSettings is SetSettings in a transaction of its own.
func ChangeSettings(ctx context.Context, d *db.DB, actor access.Actor, s Settings) error {
	return d.InTx(ctx, func(tx *db.Tx) error { return SetSettings(ctx, tx, actor, s) })
}
