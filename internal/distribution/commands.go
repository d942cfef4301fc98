package distribution

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
)

// The offline commands of the tally screen, registered with the command
// package, which applies each once. Each targets "round:<id>":
//
//	round.handout {"product_id": 12, "quantity": 1}
//	round.people  {"age": "adult", "gender": "woman", "quantity": 1}  (age and gender optional)
//	round.meals   {"variant": "vegetarian", "quantity": 1}
//	round.undo    {"command": "<id of the command to take back>"}
//
// A command that cannot apply (the round closed, a product not in the round,
// a negative quantity) becomes a review item with the reason.
const (
	CmdHandout = "round.handout"
	CmdPeople  = "round.people"
	CmdMeals   = "round.meals"
	CmdUndo    = "round.undo"
)

// RoundTarget is the command target of a round.
func RoundTarget(id int64) string { return command.Target("round", id) }

func init() {
	tally := func(kind string) command.Handler {
		return func(ctx context.Context, tx *db.Tx, actor access.Actor, c command.Command) (any, error) {
			id, err := command.ParseTarget(c.Target, "round")
			if err != nil {
				return nil, err
			}
			var in TallyInput
			if err := decodePayload(c.Payload, &in); err != nil {
				return nil, err
			}
			if in.Kind != "" && in.Kind != kind {
				return nil, apperr.New(apperr.Invalid, "distribution.error.tally_fields").At("kind")
			}
			in.Kind, in.CommandID = kind, c.ID
			t, err := RecordTx(ctx, tx, actor, id, in)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	command.Register(CmdHandout, tally(TallyHandout))
	command.Register(CmdPeople, tally(TallyPeople))
	command.Register(CmdMeals, tally(TallyMeals))
	command.Register(CmdUndo, func(ctx context.Context, tx *db.Tx, actor access.Actor, c command.Command) (any, error) {
		id, err := command.ParseTarget(c.Target, "round")
		if err != nil {
			return nil, err
		}
		var in struct {
			Command string `json:"command"`
		}
		if err := decodePayload(c.Payload, &in); err != nil {
			return nil, err
		}
		return UndoTx(ctx, tx, actor, id, 0, strings.ToLower(in.Command))
	})
}

// decodePayload reads a command's payload strictly: an unknown field or a
// wrong type is refused at the payload.
func decodePayload(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "distribution.error.payload").At("payload")
	}
	return nil
}
