package ledger

import (
	"context"
	"fmt"

	"abri/internal/db"
)

// Events reads up to limit events about one entity of an organisation, in
// the order of the chain (or newest first), from after the event numbered
// from: later than it, or with newestFirst earlier than it; from 0 starts
// at the first (or the newest) event. It is how a long history is read one
// page at a time.
func Events(ctx context.Context, q db.Queryer, orgID int64, entity string, entityID int64, from int64, limit int, newestFirst bool) ([]Event, error) {
	where, order := "seq > ?", "seq"
	if newestFirst {
		where, order = "seq < ?", "seq DESC"
		if from <= 0 {
			from = 1 << 62
		}
	}
	rows, err := q.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, version, payload FROM ledger
		WHERE org_id = ? AND entity = ? AND entity_id = ? AND `+where+` ORDER BY `+order+` LIMIT ?`, orgID, entity, entityID, from, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger history: %w", err)
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		e := Event{OrgID: orgID, Entity: entity, EntityID: entityID}
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Version, &payload); err != nil {
			return nil, fmt.Errorf("ledger history: %w", err)
		}
		e.At, e.Payload = db.FromMicros(at), []byte(payload)
		es = append(es, e)
	}
	return es, rows.Err()
}
