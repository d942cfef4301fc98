package place

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Sites and locations are both named, archivable things of one base, each
// with a kind. What they have in common — reading one or a list within the
// actor's base, a name unique in the base ignoring case (archived ones
// count, so that restoring one never clashes), and the transactions that
// create, change, archive and restore one with its ledger event — is written
// once here; site.go and location.go say only what is their own.

// Filter narrows a list of sites or locations.
type Filter struct {
	Kind            string // "" for every kind
	IncludeArchived bool
}

type scanner interface{ Scan(...any) error }

// input is what a person fills in for a named thing: clean checks and
// normalises it, name is its name once cleaned.
type input[I any] interface {
	clean() (I, error)
	name() string
}

// named describes one table of named, archivable, base-scoped things.
type named[T any, I input[I]] struct {
	table  string // SQL table
	entity string // ledger entity, also the word in error contexts
	cols   string // the columns scan reads, in its order
	order  string // ORDER BY of a list
	scan   func(scanner) (T, error)
	view   access.Action
	manage access.Action
	taken  string // translation key of "that name is in use"

	archived, restored ledger.Payload
}

func (n *named[T, I]) where() string {
	return " FROM " + n.table + " WHERE id = ? AND base_id = ? AND org_id = ?"
}

// get returns one row of the actor's base, archived or not. Another base's
// or organisation's is NotFound.
func (n *named[T, I]) get(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (T, error) {
	if err := actor.Require(n.view); err != nil {
		var zero T
		return zero, err
	}
	v, err := n.scan(q.QueryRow(ctx, "SELECT "+n.cols+n.where(), id, actor.BaseID, actor.OrgID))
	if db.IsNoRows(err) {
		return v, apperr.ErrNotFound()
	}
	if err != nil {
		return v, fmt.Errorf("read %s: %w", n.entity, err)
	}
	return v, nil
}

// list returns the rows of the actor's base in display order; archived ones
// only when asked, and last.
func (n *named[T, I]) list(ctx context.Context, q db.Queryer, actor access.Actor, f Filter) ([]T, error) {
	if err := actor.Require(n.view); err != nil {
		return nil, err
	}
	sql := "SELECT " + n.cols + " FROM " + n.table + " WHERE base_id = ? AND org_id = ?"
	args := []any{actor.BaseID, actor.OrgID}
	if f.Kind != "" {
		sql += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if !f.IncludeArchived {
		sql += " AND archived = ?"
		args = append(args, false)
	}
	rows, err := q.Query(ctx, sql+" ORDER BY archived, "+n.order, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", n.table, err)
	}
	defer rows.Close()
	var vs []T
	for rows.Next() {
		v, err := n.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", n.table, err)
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// nameFree checks, ignoring case, that no other row of the base has the name.
func (n *named[T, I]) nameFree(ctx context.Context, tx *db.Tx, baseID, exceptID int64, name string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM "+n.table+" WHERE base_id = ? AND LOWER(name) = LOWER(?) AND id <> ?", baseID, name, exceptID).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, n.taken)
	}
	if !db.IsNoRows(err) {
		return fmt.Errorf("check %s name: %w", n.entity, err)
	}
	return nil
}

// cleanInput checks the actor may manage these things, then cleans in.
func (n *named[T, I]) cleanInput(actor access.Actor, in I) (I, error) {
	if err := actor.Require(n.manage); err != nil {
		return in, err
	}
	return in.clean()
}

// written finishes a create or update: a name taken meanwhile is a
// Conflict; otherwise the event is appended.
func (n *named[T, I]) written(ctx context.Context, tx *db.Tx, actor access.Actor, what string, id int64, event ledger.Payload, err error) error {
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, n.taken)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, n.entity, err)
	}
	_, err = ledger.Append(ctx, tx, actor, n.entity, id, event)
	return err
}

// create cleans in, then in one transaction checks its name, lets insert
// write the row, and appends the event insert returns.
func (n *named[T, I]) create(ctx context.Context, d *db.DB, actor access.Actor, in I,
	insert func(tx *db.Tx, in I) (id int64, event ledger.Payload, err error)) error {
	in, err := n.cleanInput(actor, in)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		if err := n.nameFree(ctx, tx, actor.BaseID, 0, in.name()); err != nil {
			return err
		}
		id, event, err := insert(tx, in)
		return n.written(ctx, tx, actor, "create", id, event, err)
	})
}

// update cleans in, then in one transaction locks the row (NotFound outside
// the actor's base), checks the new name, lets write change the row, and
// appends the event write returns.
func (n *named[T, I]) update(ctx context.Context, d *db.DB, actor access.Actor, id int64, in I,
	write func(tx *db.Tx, old T, in I) (event ledger.Payload, err error)) error {
	in, err := n.cleanInput(actor, in)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		old, err := n.scan(tx.QueryRow(ctx, "SELECT "+n.cols+n.where()+tx.ForUpdate(), id, actor.BaseID, actor.OrgID))
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("update %s: %w", n.entity, err)
		}
		if err := n.nameFree(ctx, tx, actor.BaseID, id, in.name()); err != nil {
			return err
		}
		event, err := write(tx, old, in)
		return n.written(ctx, tx, actor, "update", id, event, err)
	})
}

// archive archives a row (archived true) or brings it back. Setting what is
// already set changes nothing and writes no event.
func (n *named[T, I]) archive(ctx context.Context, d *db.DB, actor access.Actor, id int64, archived bool) error {
	if err := actor.Require(n.manage); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		var was bool
		err := tx.QueryRow(ctx, "SELECT archived"+n.where()+tx.ForUpdate(), id, actor.BaseID, actor.OrgID).Scan(&was)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", n.entity, err)
		}
		if was == archived {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE "+n.table+" SET archived = ? WHERE id = ?", archived, id); err != nil {
			return fmt.Errorf("archive %s: %w", n.entity, err)
		}
		event := n.restored
		if archived {
			event = n.archived
		}
		_, err = ledger.Append(ctx, tx, actor, n.entity, id, event)
		return err
	})
}
