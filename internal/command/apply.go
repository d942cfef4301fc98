package command

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// chunk is how many commands one transaction applies. A batch is applied in
// transactions of this many, one after the other: a long batch does not hold
// the writer (SQLite) or an organisation's ledger chain (PostgreSQL) for
// long, and PostgreSQL keeps each transaction's savepoints within its
// subtransaction cache. A batch cut short by an outage is safe to resend:
// what committed is answered "already applied".
const chunk = 50

// Apply applies a batch of commands in order, each in its own savepoint, and
// answers one Outcome per command in the same order. Every command is kept
// with its outcome, so that a resend changes nothing:
//   - a new id: the type's handler applies it (Applied), or, when it cannot
//     (its error) or the type is unknown, it becomes a review item
//     (NeedsReview) — the other commands of the batch apply all the same;
//   - an id seen before with the same content: the first answer again
//     (AlreadyApplied with the first result, or NeedsReview with the same
//     review item), nothing changes;
//   - an id seen before with other content: nothing changes, and a review
//     item holds the other content (Conflict; sent again, the same item).
//
// Ids are scoped to the actor's organisation. A batch with an invalid
// command or over MaxBatch is refused whole before anything applies. An
// error (the database unreachable, the context ended) stops the batch: the
// commands already answered in the returned outcomes have committed; the
// others have not and may be sent again.
func Apply(ctx context.Context, d *db.DB, actor access.Actor, cmds []Command) ([]Outcome, error) {
	if err := actor.Require(access.SendCommands); err != nil {
		return nil, err
	}
	if len(cmds) > MaxBatch {
		return nil, apperr.New(apperr.TooLarge, "command.batch_too_large", len(cmds), MaxBatch).At("commands")
	}
	for i := range cmds {
		if err := cmds[i].Validate(); err != nil {
			return nil, atIndex(err, i)
		}
	}
	bare := true
	if len(cmds) == 1 {
		o, ok, err := applyShared(ctx, d, actor, cmds[0])
		if err != nil || ok {
			return []Outcome{o}, err
		}
		bare = false // refused: with its savepoint now
	}
	outs := make([]Outcome, 0, len(cmds))
	for start := 0; start < len(cmds); start += chunk {
		part := cmds[start:min(start+chunk, len(cmds))]
		done, err := applyChunk(ctx, d, actor, part, bare)
		if bare && errors.Is(err, errRefused) {
			done, err = applyChunk(ctx, d, actor, part, false)
		}
		if err != nil {
			return outs, err
		}
		outs = append(outs, done...)
	}
	return outs, nil
}

// applyChunk applies part in one transaction. bare runs the handlers without
// a savepoint each: a savepoint is a round trip on PostgreSQL, and most
// chunks apply whole; a command that cannot apply then rolls the chunk back
// (errRefused), and the chunk runs again with savepoints, where its refusal
// becomes a review item.
func applyChunk(ctx context.Context, d *db.DB, actor access.Actor, part []Command, bare bool) ([]Outcome, error) {
	var done []Outcome
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		done, err = runChunk(ctx, tx, actor, part, bare)
		return err
	})
	return done, err
}

// runChunk applies part in tx: what its ids were given before is read in
// one statement, each command is applied, and the new commands rows are
// written in one statement.
func runChunk(ctx context.Context, tx *db.Tx, actor access.Actor, part []Command, bare bool) ([]Outcome, error) {
	cs, err := startChunk(ctx, tx, actor, part)
	if err != nil {
		return nil, err
	}
	done := make([]Outcome, 0, len(part))
	for _, c := range part {
		o, err := cs.apply(ctx, tx, actor, c, bare)
		if err != nil {
			return nil, err
		}
		done = append(done, o)
	}
	return done, cs.record(ctx, tx, actor)
}

// seen is a command's row: what became of it the first time.
type seen struct {
	rowID      int64
	hash       []byte
	outcome    Status
	result     string
	reviewID   int64
	reasonKey  string
	reasonArgs string
}

// errRefused stops a command that could not apply without a savepoint of
// its own, so that what holds it is rolled back and applied again with one.
var errRefused = errors.New("command: refused without a savepoint")

// applyShared applies a batch of one command in a transaction it may share
// with other requests of the organisation (db.InTxGroup): a phone in signal
// sends each tap of the tally screen as it is made, and fifty phones at a
// distribution would otherwise each wait for a commit of their own. A
// command that applies, or was seen before, is answered (ok). One that cannot
// apply leaves nothing there (its request's savepoint is rolled back) and
// answers !ok: Apply then runs it in a transaction of its own, inside a
// savepoint, where its refusal becomes a review item (its handler runs a
// second time; refusals are rare). A shared transaction holds at most one
// savepoint a request this way, within what PostgreSQL keeps per
// transaction.
func applyShared(ctx context.Context, d *db.DB, actor access.Actor, c Command) (Outcome, bool, error) {
	var o Outcome
	err := d.InTxGroup(ctx, actor.OrgID, func(tx *db.Tx) error {
		done, err := runChunk(ctx, tx, actor, []Command{c}, true)
		if err != nil {
			return err
		}
		o = done[0]
		return nil
	})
	if errors.Is(err, errRefused) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, err
	}
	return o, true, nil
}

// chunkState is what one transaction of a batch knows about its commands:
// the rows their ids already have (read in one statement), the ids reserved
// for the rows of the new ones (in one statement), and those rows, written
// in one statement when every command of the chunk has run. On PostgreSQL
// each statement is a round trip, and a chunk of 50 commands saved two of
// them per command this way.
type chunkState struct {
	seen map[string]*seen
	ids  []int64 // reserved for new rows, in order
	rows []commandRow
}

// commandRow is a commands row to write when the chunk ends.
type commandRow struct {
	id      int64
	c       Command
	hash    []byte
	outcome Status
	result  string
	review  int64
}

func startChunk(ctx context.Context, tx *db.Tx, actor access.Actor, part []Command) (*chunkState, error) {
	seen, ids, err := lookupAll(ctx, tx, actor.OrgID, part)
	if err != nil {
		return nil, err
	}
	return &chunkState{seen: seen, ids: ids}, nil
}

// newRow reserves the next id for a commands row.
func (cs *chunkState) newRow() (int64, error) {
	if len(cs.ids) == 0 {
		return 0, errors.New("command: no reserved id left for a new command")
	}
	id := cs.ids[0]
	cs.ids = cs.ids[1:]
	return id, nil
}

// apply applies c, or answers it from what its id was given before. Its
// handler runs inside a savepoint, so that a refusal undoes only the
// handler's changes and becomes a review item; bare, it runs without one
// and a refusal is errRefused, for the caller to roll back.
func (cs *chunkState) apply(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, bare bool) (Outcome, error) {
	hash := ContentHash(c)
	if prev := cs.seen[c.ID]; prev != nil {
		if bytes.Equal(prev.hash, hash) {
			return prev.answer(c.ID), nil
		}
		return conflict(ctx, tx, actor, c, hash)
	}
	rowID, err := cs.newRow()
	if err != nil {
		return Outcome{}, err
	}
	var result any
	h := handlerOf(c.Type)
	var herr error
	switch {
	case h == nil:
		herr = apperr.New(apperr.Invalid, "command.type_unknown", c.Type).At("type")
	case bare:
		result, herr = runHandler(ctx, tx, actor, c, h)
	default:
		herr = tx.SavepointKept(ctx, func() error {
			r, err := runHandler(ctx, tx, actor, c, h)
			result = r
			return err
		})
	}
	if herr != nil {
		if stops(ctx, herr) {
			return Outcome{}, herr
		}
		if bare {
			return Outcome{}, errRefused
		}
		return cs.needsReview(ctx, tx, actor, c, hash, rowID, herr)
	}
	return cs.applied(ctx, tx, actor, c, hash, rowID, result)
}

// applied records c as applied with its handler's result: its event and
// its commands row (written by record).
func (cs *chunkState) applied(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, hash []byte, rowID int64, result any) (Outcome, error) {
	res, err := encodeResult(result)
	if err != nil {
		return Outcome{}, fmt.Errorf("command %s: result: %w", c.Type, err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "command", rowID, CommandApplied{
		ClientID: c.ID, Type: c.Type, Target: c.Target, ContentHash: hex.EncodeToString(hash),
		MadeAt: db.Micros(c.MadeAt), Result: res,
	}); err != nil {
		return Outcome{}, err
	}
	cs.rows = append(cs.rows, commandRow{id: rowID, c: c, hash: hash, outcome: Applied, result: string(res)})
	cs.seen[c.ID] = &seen{rowID: rowID, hash: hash, outcome: Applied, result: string(res)}
	return Outcome{ID: c.ID, Status: Applied, Result: res}, nil
}

// Once applies c in tx with apply, at most once per id, for a screen that
// sends a command online before it would queue it (the shop's checkout: a
// lost answer sends the same command again through the queue). An id seen
// before, through either way, is answered as Apply answers it (the first
// result again, or its review item) and apply does not run; an id with
// other content answers Conflict with no review item (the caller refuses
// it, and nothing is kept: it was not queued). A new id runs apply; its
// error is returned as it is (the caller's transaction rolls back and
// nothing is recorded, so the device may still send the command), and its
// success is recorded as Apply records it, in tx.
func Once(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, apply func() (any, error)) (Outcome, error) {
	if err := actor.Require(access.SendCommands); err != nil {
		return Outcome{}, err
	}
	if err := c.Validate(); err != nil {
		return Outcome{}, err
	}
	cs, err := startChunk(ctx, tx, actor, []Command{c})
	if err != nil {
		return Outcome{}, err
	}
	hash := ContentHash(c)
	if prev := cs.seen[c.ID]; prev != nil {
		if bytes.Equal(prev.hash, hash) {
			return prev.answer(c.ID), nil
		}
		return Outcome{ID: c.ID, Status: Conflict}, nil
	}
	rowID, err := cs.newRow()
	if err != nil {
		return Outcome{}, err
	}
	result, err := apply()
	if err != nil {
		return Outcome{}, err
	}
	o, err := cs.applied(ctx, tx, actor, c, hash, rowID, result)
	if err != nil {
		return Outcome{}, err
	}
	return o, cs.record(ctx, tx, actor)
}

// record writes the chunk's new commands rows, in one statement.
func (cs *chunkState) record(ctx context.Context, tx *db.Tx, actor access.Actor) error {
	if len(cs.rows) == 0 {
		return nil
	}
	const cols = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	var q strings.Builder
	q.WriteString(`INSERT INTO commands (id, org_id, base_id, client_id, type, target, content_hash, made_at, received_at, actor_id, outcome, result, review_item_id)
		VALUES `)
	args := make([]any, 0, 13*len(cs.rows))
	for i, r := range cs.rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(cols)
		var review any
		if r.review != 0 {
			review = r.review
		}
		args = append(args, r.id, actor.OrgID, actor.BaseID, r.c.ID, r.c.Type, r.c.Target, r.hash, db.Micros(r.c.MadeAt),
			db.Micros(tx.Now), actor.UserID, string(r.outcome), r.result, review)
	}
	if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("record commands: %w", err)
	}
	cs.rows = nil
	return nil
}

// runHandler calls h, turning a panic into an internal error: a bug in one
// handler must not stop every device's queue behind it.
func runHandler(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, h Handler) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, apperr.Wrap(fmt.Errorf("panic: %v", p), apperr.Internal, "error.internal")
		}
	}()
	return h(ctx, tx, actor, c)
}

// stops tells whether a handler's error ends the batch rather than making a
// review item: the request gave up, or the database cannot be written.
func stops(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return apperr.CodeOf(err) == apperr.Unavailable
}

func encodeResult(r any) (json.RawMessage, error) {
	if r == nil {
		return nil, nil
	}
	if raw, ok := r.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(r)
}

// lookupStatement reads the rows of up to n ids in one statement, for n
// of 1 (a tap sent alone: a short statement, which SQLite keeps prepared)
// or chunk (a shorter list repeats its first id, so that the text, and the
// statement the database prepared for it, stays the same). The same
// statement reserves ids for the chunk's new rows (rows with an empty
// client id): on PostgreSQL one from the table's sequence per command of the
// chunk (those left unused are gaps, as a rolled-back insert leaves); on
// SQLite, whose one writer is this transaction, the highest id ever given,
// after which the new rows take theirs.
func lookupStatement(d db.Dialect, n int) string {
	q := `SELECT c.id, c.client_id, c.content_hash, c.outcome, c.result, c.review_item_id, COALESCE(r.reason_key, ''), COALESCE(r.reason_args, '')
		FROM commands c LEFT JOIN review_items r ON r.id = c.review_item_id
		WHERE c.org_id = ? AND c.client_id IN (?` + strings.Repeat(", ?", n-1) + `)`
	if d == db.Postgres {
		return q + `
		UNION ALL SELECT nextval(pg_get_serial_sequence('commands', 'id')), '', NULL, '', '', NULL, '', '' FROM generate_series(1, ?)`
	}
	return q + `
		UNION ALL SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'commands'), 0),
			COALESCE((SELECT MAX(id) FROM commands), 0)), '', NULL, '', '', NULL, '', ''`
}

type lookupKey struct {
	d db.Dialect
	n int
}

var lookupStatements = map[lookupKey]string{}

func init() {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		for _, n := range []int{1, chunk} {
			lookupStatements[lookupKey{d, n}] = lookupStatement(d, n)
		}
	}
}

// lookupAll reads what became of the ids of part before, by id, and
// reserves the ids of the rows of those that are new, in order.
func lookupAll(ctx context.Context, tx *db.Tx, org int64, part []Command) (map[string]*seen, []int64, error) {
	out := make(map[string]*seen, len(part))
	if len(part) == 0 {
		return out, nil, nil
	}
	n := chunk
	if len(part) == 1 {
		n = 1
	}
	args := make([]any, 1, 2+n)
	args[0] = org
	for i := range n {
		args = append(args, part[min(i, len(part)-1)].ID)
	}
	if tx.Dialect() == db.Postgres {
		args = append(args, len(part))
	}
	rows, err := tx.Query(ctx, lookupStatements[lookupKey{tx.Dialect(), n}], args...)
	if err != nil {
		return nil, nil, fmt.Errorf("look up commands: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var s seen
		var clientID, outcome string
		var review *int64
		if err := rows.Scan(&s.rowID, &clientID, &s.hash, &outcome, &s.result, &review, &s.reasonKey, &s.reasonArgs); err != nil {
			return nil, nil, fmt.Errorf("look up commands: %w", err)
		}
		if clientID == "" {
			ids = append(ids, s.rowID)
			continue
		}
		s.outcome = Status(outcome)
		if review != nil {
			s.reviewID = *review
		}
		out[clientID] = &s
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("look up commands: %w", err)
	}
	if tx.Dialect() == db.SQLite && len(ids) == 1 {
		last := ids[0]
		ids = make([]int64, len(part))
		for i := range ids {
			ids[i] = last + 1 + int64(i)
		}
	}
	if len(ids) != len(part) {
		return nil, nil, fmt.Errorf("look up commands: %d ids reserved for %d commands", len(ids), len(part))
	}
	slices.Sort(ids)
	return out, ids, nil
}

// answer is the first answer, given again.
func (s *seen) answer(id string) Outcome {
	if s.outcome == Applied {
		o := Outcome{ID: id, Status: AlreadyApplied}
		if s.result != "" {
			o.Result = json.RawMessage(s.result)
		}
		return o
	}
	return Outcome{ID: id, Status: NeedsReview, ReviewItemID: s.reviewID, Err: reasonOf(s.reasonKey, s.reasonArgs)}
}

// conflict keeps a command whose id came before with other content as a
// review item, once per content.
func conflict(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, hash []byte) (Outcome, error) {
	reason := apperr.New(apperr.Conflict, "command.conflict")
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM review_items WHERE org_id = ? AND client_id = ? AND kind = ? AND content_hash = ?",
		actor.OrgID, c.ID, KindConflict, hash).Scan(&id)
	if err != nil && !db.IsNoRows(err) {
		return Outcome{}, fmt.Errorf("look up conflict: %w", err)
	}
	if id == 0 {
		if id, err = newReviewItem(ctx, tx, actor, c, hash, KindConflict, reason, 0); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{ID: c.ID, Status: Conflict, ReviewItemID: id, Err: reason}, nil
}

// needsReview keeps a command that could not apply as a review item, and
// its id as seen, with the item, in the row reserved for it.
func (cs *chunkState) needsReview(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, hash []byte, rowID int64, cause error) (Outcome, error) {
	reason := apperr.As(cause)
	if reason.Code == apperr.Internal {
		reason = apperr.New(apperr.Internal, "error.internal")
	}
	id, err := newReviewItem(ctx, tx, actor, c, hash, KindNeedsReview, reason, rowID)
	if err != nil {
		return Outcome{}, err
	}
	cs.rows = append(cs.rows, commandRow{id: rowID, c: c, hash: hash, outcome: NeedsReview, review: id})
	cs.seen[c.ID] = &seen{rowID: rowID, hash: hash, outcome: NeedsReview, reviewID: id,
		reasonKey: reason.Key, reasonArgs: encodeArgs(reason.Args)}
	return Outcome{ID: c.ID, Status: NeedsReview, ReviewItemID: id, Err: reason}, nil
}

func newReviewItem(ctx context.Context, tx *db.Tx, actor access.Actor, c Command, hash []byte, kind string, reason *apperr.Error, commandRow int64) (int64, error) {
	args := encodeArgs(reason.Args)
	id, err := tx.InsertID(ctx, `INSERT INTO review_items (org_id, base_id, client_id, kind, type, target, payload, content_hash, made_at, reason_key, reason_args, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		actor.OrgID, actor.BaseID, c.ID, kind, c.Type, c.Target, string(c.Payload), hash, db.Micros(c.MadeAt), reason.Key, args, actor.UserID, db.Micros(tx.Now))
	if err != nil {
		return 0, fmt.Errorf("record review item: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "review_item", id, ReviewItemCreated{
		ClientID: c.ID, Kind: kind, Type: c.Type, TargetHash: textHash(c.Target), PayloadHash: payloadHash(c.Payload),
		ContentHash: hex.EncodeToString(hash), MadeAt: db.Micros(c.MadeAt),
		ReasonKey: reason.Key, ReasonArgs: json.RawMessage(args), CommandID: commandRow,
	}); err != nil {
		return 0, err
	}
	return id, nil
}

// An Arg is a reason argument kept as data rather than text (a shop rule):
// stored as {"arg": kind, "v": value} and read back by the decoder its
// package registered (RegisterArg), so that a review item's reason says
// itself in the reader's language, not the sender's.
type Arg interface {
	ArgKind() string
	ArgValue() any
}

var argDecoders sync.Map // kind → func(json.RawMessage) (any, error)

// RegisterArg makes decode read back the arguments of a kind; call it from
// the domain package's init.
func RegisterArg(kind string, decode func(json.RawMessage) (any, error)) {
	argDecoders.Store(kind, decode)
}

// decodeArg reads an argument stored as an Arg back, or answers it as it is.
func decodeArg(a any) any {
	m, ok := a.(map[string]any)
	if !ok {
		return a
	}
	kind, _ := m["arg"].(string)
	dec, ok := argDecoders.Load(kind)
	if !ok {
		return a
	}
	raw, err := json.Marshal(m["v"])
	if err != nil {
		return a
	}
	v, err := dec.(func(json.RawMessage) (any, error))(raw)
	if err != nil {
		return a
	}
	return v
}

// encodeArgs keeps a reason's arguments as JSON: numbers, text, and Args.
func encodeArgs(args []any) string {
	if len(args) == 0 {
		return "[]"
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int, int64, int32, uint, uint64, uint32, float64, float32, string, bool:
			out[i] = a
		case Arg:
			out[i] = map[string]any{"arg": v.ArgKind(), "v": v.ArgValue()}
		default:
			out[i] = fmt.Sprint(a)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// reasonOf reads a stored reason back as an error to translate; whole
// numbers come back as int64 so that %d shows them.
func reasonOf(key, args string) *apperr.Error {
	if key == "" {
		return nil
	}
	e := apperr.New(apperr.Invalid, key)
	dec := json.NewDecoder(bytes.NewReader([]byte(args)))
	dec.UseNumber()
	var raw []any
	if dec.Decode(&raw) == nil {
		for _, a := range raw {
			if n, ok := a.(json.Number); ok {
				if i, err := n.Int64(); err == nil {
					a = i
				} else if f, err := n.Float64(); err == nil {
					a = f
				}
			}
			e.Args = append(e.Args, decodeArg(a))
		}
	}
	return e
}

// ContentHash is the SHA-256 of a command's canonical content: its type,
// target, payload (keys sorted, no spaces, numbers as written) and made_at
// to the microsecond, each prefixed with its length. The id is not part of
// it: it is what the hash is compared under.
func ContentHash(c Command) []byte {
	h := sha256.New()
	h.Write([]byte("abri-command-v1"))
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(c.Type))
	field([]byte(c.Target))
	field(canonicalJSON(c.Payload))
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(db.Micros(c.MadeAt)))
	field(t[:])
	return h.Sum(nil)
}

// canonicalJSON re-encodes a JSON value with sorted keys and no spaces;
// numbers keep their text. Invalid JSON is hashed as it is.
func canonicalJSON(raw json.RawMessage) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}
