package stock

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/label"
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
		return nil, apperr.New(apperr.Invalid, "stock.error.labels_range", MaxBlankLabels).At("count")
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
	// another organisation's box, which abri does not reveal). It cannot
	// name a new box: only this base's blank labels can.
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

// BoxLabels are the labels of the boxes whose codes are given, in the order
// given, each box once. A code that is not one of the base's boxes is
// refused with the code named, and no label is made.
func (s *Service) BoxLabels(ctx context.Context, actor access.Actor, codes []string, origin, lang string) ([]label.Label, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return nil, err
	}
	if len(codes) == 0 || len(codes) > MaxBlankLabels {
		return nil, apperr.New(apperr.Invalid, "stock.error.batch_size", MaxBlankLabels).At("codes")
	}
	seen := map[string]bool{}
	labels := make([]label.Label, 0, len(codes))
	for _, raw := range codes {
		b, err := s.Box(ctx, actor, raw)
		if err != nil {
			if e := apperr.As(err); e.Code != apperr.Internal {
				return nil, &apperr.Error{Code: e.Code, Key: "stock.error.in_code", Args: []any{clip(raw)}, Field: "codes", Err: err}
			}
			return nil, err
		}
		if !seen[b.Code] {
			seen[b.Code] = true
			labels = append(labels, b.Label(origin, lang))
		}
	}
	return labels, nil
}

// BlankLabels reserves n fresh codes (see ReserveLabels) and returns their
// labels.
func (s *Service) BlankLabels(ctx context.Context, actor access.Actor, n int, origin string) ([]label.Label, error) {
	codes, err := s.ReserveLabels(ctx, actor, n)
	if err != nil {
		return nil, err
	}
	labels := make([]label.Label, len(codes))
	for i, c := range codes {
		labels[i] = BlankLabel(origin, c)
	}
	return labels, nil
}

// clip shortens what a person typed before it goes into a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 64 {
		return string([]rune(s)[:64]) + "…"
	}
	return s
}
