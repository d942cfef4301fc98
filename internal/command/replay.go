package command

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of commands and review items for `abri verify`: the
// commands rows come from command.applied and, for a command that needed
// review, from review_item.created; review items from their own events.
// JSON columns are compared in canonical form.

func init() {
	ledger.RegisterProjection("command", func() ledger.Projection {
		return &commandReplay{commands: map[int64]*replayedCommand{}, items: map[int64]*replayedItem{}}
	})
}

type replayedCommand struct {
	base, actor, madeAt, receivedAt, review int64
	clientID, typ, target, hash, outcome    string
	result                                  string
	targetHash                              string // for a command that needed review: the ledger has only this
	last                                    ledger.Touch
}

type replayedItem struct {
	base, createdBy, createdAt, madeAt, resolvedBy, resolvedAt int64
	clientID, kind, typ, targetHash, payloadHash, hash         string
	target                                                     *string // once applied; before, only its hash is known
	reasonKey, reasonArgs, state, result                       string
	hasNote                                                    bool
	last                                                       ledger.Touch
}

type commandReplay struct {
	commands map[int64]*replayedCommand
	items    map[int64]*replayedItem
}

func canon(s string) string {
	if s == "" {
		return ""
	}
	return string(canonicalJSON([]byte(s)))
}

func (r *commandReplay) Apply(e ledger.Event, p ledger.Payload) {
	t := ledger.TouchOf(e)
	switch p := p.(type) {
	case CommandApplied:
		r.commands[e.EntityID] = &replayedCommand{base: e.BaseID, actor: e.ActorID, madeAt: p.MadeAt, receivedAt: db.Micros(e.At),
			clientID: p.ClientID, typ: p.Type, target: p.Target, hash: p.ContentHash, outcome: string(Applied), result: canon(string(p.Result)), last: t}
	case ReviewItemCreated:
		r.items[e.EntityID] = &replayedItem{base: e.BaseID, createdBy: e.ActorID, createdAt: db.Micros(e.At), madeAt: p.MadeAt,
			clientID: p.ClientID, kind: p.Kind, typ: p.Type, targetHash: p.TargetHash, payloadHash: p.PayloadHash, hash: p.ContentHash,
			reasonKey: p.ReasonKey, reasonArgs: canon(string(p.ReasonArgs)), state: StateOpen, last: t}
		if p.CommandID != 0 {
			r.commands[p.CommandID] = &replayedCommand{base: e.BaseID, actor: e.ActorID, madeAt: p.MadeAt, receivedAt: db.Micros(e.At),
				clientID: p.ClientID, typ: p.Type, targetHash: p.TargetHash, hash: p.ContentHash, outcome: string(NeedsReview), review: e.EntityID, last: t}
		}
	case ReviewItemApplied:
		if it := r.items[e.EntityID]; it != nil {
			target := p.Target
			it.state, it.target, it.targetHash, it.payloadHash, it.result = StateApplied, &target, textHash(p.Target), p.PayloadHash, canon(string(p.Result))
			it.resolvedBy, it.resolvedAt, it.last = e.ActorID, db.Micros(e.At), t
		}
	case ReviewItemAccepted:
		if it := r.items[e.EntityID]; it != nil {
			it.state, it.hasNote = StateAccepted, true
			it.resolvedBy, it.resolvedAt, it.last = e.ActorID, db.Micros(e.At), t
		}
	case ReviewItemDismissed:
		if it := r.items[e.EntityID]; it != nil {
			it.state, it.hasNote = StateDismissed, true
			it.resolvedBy, it.resolvedAt, it.last = e.ActorID, db.Micros(e.At), t
		}
	}
}

func (r *commandReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, made, received, actor int64
		var review *int64
		var clientID, typ, target, outcome, result string
		var hash []byte
		if err := scan(&id, &base, &clientID, &typ, &target, &hash, &made, &received, &actor, &outcome, &result, &review); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("command %d (%s)", id, clientID)
		c := r.commands[id]
		if c == nil {
			ds.Unexpected("commands", row)
			return nil
		}
		var rev int64
		if review != nil {
			rev = *review
		}
		col := func(name string, want, got any) { ds.Col("commands", row, c.last, name, want, got) }
		col("base_id", c.base, base)
		col("client_id", c.clientID, clientID)
		col("type", c.typ, typ)
		if c.targetHash != "" {
			col("target (SHA-256)", c.targetHash, textHash(target))
		} else {
			col("target", c.target, target)
		}
		col("content_hash", c.hash, hex.EncodeToString(hash))
		col("made_at", c.madeAt, made)
		col("received_at", c.receivedAt, received)
		col("actor_id", c.actor, actor)
		col("outcome", c.outcome, outcome)
		col("result", c.result, canon(result))
		col("review_item_id", c.review, rev)
		return nil
	}, `SELECT id, base_id, client_id, type, target, content_hash, made_at, received_at, actor_id, outcome, result, review_item_id
		FROM commands WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify commands: %w", err)
	}
	for id, c := range r.commands {
		if !seen[id] {
			ds.Missing("commands", fmt.Sprintf("command %d (%s)", id, c.clientID), c.last)
		}
	}
	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, made, createdBy, createdAt, resolvedBy, resolvedAt int64
		var clientID, kind, typ, target, payload, key, args, state, note, result string
		var hash []byte
		if err := scan(&id, &base, &clientID, &kind, &typ, &target, &payload, &hash, &made, &key, &args, &state, &note, &result,
			&createdBy, &createdAt, &resolvedBy, &resolvedAt); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("review item %d", id)
		it := r.items[id]
		if it == nil {
			ds.Unexpected("review_items", row)
			return nil
		}
		col := func(name string, want, got any) { ds.Col("review_items", row, it.last, name, want, got) }
		col("base_id", it.base, base)
		col("client_id", it.clientID, clientID)
		col("kind", it.kind, kind)
		col("type", it.typ, typ)
		if it.target != nil {
			col("target", *it.target, target)
		}
		col("target (SHA-256)", it.targetHash, textHash(target))
		col("payload (SHA-256)", it.payloadHash, payloadHash(json.RawMessage(payload)))
		col("content_hash", it.hash, hex.EncodeToString(hash))
		col("made_at", it.madeAt, made)
		col("reason_key", it.reasonKey, key)
		col("reason_args", it.reasonArgs, canon(args))
		col("state", it.state, state)
		col("note (whether there is one)", it.hasNote, note != "")
		col("result", it.result, canon(result))
		col("created_by", it.createdBy, createdBy)
		col("created_at", it.createdAt, createdAt)
		col("resolved_by", it.resolvedBy, resolvedBy)
		col("resolved_at", it.resolvedAt, resolvedAt)
		return nil
	}, `SELECT id, base_id, client_id, kind, type, target, payload, content_hash, made_at, reason_key, reason_args, state, note, result,
		created_by, created_at, resolved_by, resolved_at FROM review_items WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify review items: %w", err)
	}
	for id, it := range r.items {
		if !seen[id] {
			ds.Missing("review_items", fmt.Sprintf("review item %d", id), it.last)
		}
	}
	return ds, nil
}
