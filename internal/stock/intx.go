package stock

import (
	"context"

	"abri/internal/access"
	"abri/internal/db"
)

// BoxTx reads a box of the actor's base by code inside another domain's
// transaction, locking it on PostgreSQL, so that the caller can decide
// before it changes the box with SetStateTx in the same transaction.
func BoxTx(ctx context.Context, tx *db.Tx, actor access.Actor, code string) (Box, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return Box{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Box{}, err
	}
	return boxForUpdate(ctx, tx, actor, c)
}

// SetStateTx changes one box's state inside another domain's transaction
// (a distribution round reserving, handing out or returning a box), with the
// same checks, ledger event and totals as SetState. Staying in the same
// state changes nothing. It returns the box after the change.
func SetStateTx(ctx context.Context, tx *db.Tx, actor access.Actor, code string, state State) (Box, error) {
	if err := actor.Require(access.MoveStock); err != nil {
		return Box{}, err
	}
	b, err := BoxTx(ctx, tx, actor, code)
	if err != nil {
		return Box{}, err
	}
	return applyChange(ctx, tx, actor, b, Change{Version: b.Version, State: &state})
}
