package stock

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// MaxBlankLabels is how many blank labels one request may reserve.
const MaxBlankLabels = 500

// ReserveLabels makes n fresh codes for pre-printed blank labels of the
// actor's base.
func (s *Service) ReserveLabels(ctx context.Context, actor access.Actor, n int) ([]string, error) {
	if err := actor.Require(access.EditStock); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxBlankLabels {
		return nil, apperr.New(apperr.Invalid, "stock.error.labels_range", MaxBlankLabels)
	}
	codes := make([]string, 0, n)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for len(codes) < n {
			c := NewCode()
			used, err := codeUsed(ctx, tx, c)
			if err != nil {
				return err
			}
			if used {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO label_codes (code, org_id, base_id, created_at) VALUES (?, ?, ?, ?)",
				c, actor.OrgID, actor.BaseID, db.Micros(tx.Now)); err != nil {
				return fmt.Errorf("reserve labels: %w", err)
			}
			codes = append(codes, c)
		}
		_, err := ledger.Append(ctx, tx, actor, "base", actor.BaseID, LabelsReserved{Codes: codes})
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// Scan is what a scanned or typed code is in the actor's base.
type Scan struct {
	Code  string
	Box   *Box // the box, when the code is one of the base's boxes
	Blank bool // a pre-printed label of this base not used yet
	// Free: a well-formed code nothing here uses (a label from elsewhere, or
	// another organisation's box, which abri does not reveal).
	Free bool
}

// Resolve tells what a scanned code is: a box of the actor's base, one of its
// blank labels, or a code it does not know. A mistyped code is Invalid.
func (s *Service) Resolve(ctx context.Context, actor access.Actor, raw string) (Scan, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return Scan{}, err
	}
	code, err := ParseCode(raw)
	if err != nil {
		return Scan{}, err
	}
	sc := Scan{Code: code}
	b, err := boxByCode(ctx, s.DB, actor, code)
	switch {
	case err == nil:
		sc.Box = &b
		return sc, nil
	case !apperr.Is(err, apperr.NotFound):
		return sc, err
	}
	var one int
	err = s.DB.QueryRow(ctx, "SELECT 1 FROM label_codes WHERE code = ? AND org_id = ? AND base_id = ? AND box_id IS NULL",
		code, actor.OrgID, actor.BaseID).Scan(&one)
	switch {
	case err == nil:
		sc.Blank = true
	case db.IsNoRows(err):
		sc.Free = true
	default:
		return sc, fmt.Errorf("resolve code: %w", err)
	}
	return sc, nil
}
