package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit. Requests that write to one organisation's ledger chain
// queue for it one after the other (on PostgreSQL they wait on the chain's
// head row; on SQLite there is one writer for all), and each pays for its own
// begin and commit. InTxGroup lets such requests share a transaction: the
// first caller begins at once, alone; those who come while a transaction of
// their key is under way wait and then run together in the next one, each
// inside a savepoint of its own, and are all answered once it has committed.

// maxShared is the most callers one shared transaction takes. PostgreSQL
// keeps the ids of up to 64 subtransactions per transaction in shared memory;
// more would slow every other snapshot down.
const maxShared = 50

// sharedTxTimeout bounds a shared transaction, which runs on a context of its
// own: a caller who gives up must not cancel a transaction others are in.
const sharedTxTimeout = time.Minute

type groups struct {
	mu sync.Mutex
	m  map[int64]*group

	// What the shared transactions did, for abri-load and the metrics:
	// how many committed, how many callers they answered, and how many
	// callers each held (by powers of two: 1, 2–3, 4–7, … 32–50).
	committed, answered atomic.Int64
	sizes               [len(GroupSizeBuckets)]atomic.Int64
	// Time the committed transactions spent waiting to begin (for the
	// writer or a connection), running their callers, and committing.
	waitNs, workNs, commitNs atomic.Int64
}

// GroupSizeBuckets are the lower bounds of GroupStats.Sizes' buckets.
var GroupSizeBuckets = [...]int{1, 2, 4, 8, 16, 32}

// GroupStats is what InTxGroup's transactions did since the database was
// opened: with synchronous commits, each transaction is one flush to disk,
// so Requests / Transactions is how many writes each flush carried.
type GroupStats struct {
	Transactions int64                        // transactions committed
	Requests     int64                        // callers they answered
	Sizes        [len(GroupSizeBuckets)]int64 // transactions by callers held, bucketed by GroupSizeBuckets
	// Time the transactions spent waiting to begin, running their
	// callers' work, and committing (the flush to disk).
	Wait, Work, Commit time.Duration
}

// GroupStats reports the shared transactions so far.
func (d *DB) GroupStats() GroupStats {
	gs := &d.groups
	s := GroupStats{Transactions: gs.committed.Load(), Requests: gs.answered.Load(),
		Wait: time.Duration(gs.waitNs.Load()), Work: time.Duration(gs.workNs.Load()), Commit: time.Duration(gs.commitNs.Load())}
	for i := range gs.sizes {
		s.Sizes[i] = gs.sizes[i].Load()
	}
	return s
}

// GroupWaiting tells how many callers of key wait for the next shared
// transaction (on SQLite every key is 0's).
func (d *DB) GroupWaiting(key int64) int {
	if d.wq != nil {
		key = 0
	}
	g := d.groups.get(key)
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

func (gs *groups) count(n int, wait, work, commit time.Duration) {
	gs.waitNs.Add(int64(wait))
	gs.workNs.Add(int64(work))
	gs.commitNs.Add(int64(commit))
	gs.committed.Add(1)
	gs.answered.Add(int64(n))
	i := len(GroupSizeBuckets) - 1
	for i > 0 && n < GroupSizeBuckets[i] {
		i--
	}
	gs.sizes[i].Add(1)
}

func (gs *groups) get(key int64) *group {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if gs.m == nil {
		gs.m = map[int64]*group{}
	}
	g := gs.m[key]
	if g == nil {
		g = &group{}
		gs.m[key] = g
	}
	return g
}

// group is the callers of one key: busy while one of its transactions is
// under way or about to begin, pending those waiting for the next.
type group struct {
	mu      sync.Mutex
	busy    bool
	pending []*member
}

// member is one caller of InTxGroup and what became of its fn.
type member struct {
	ctx      context.Context
	fn       func(*Tx) error
	pf       Prefetcher // what fn will read (prefetch.go); nil: not said
	taken    bool       // in a transaction (guarded by group.mu)
	err      error
	panicked bool
	panicVal any
	done     chan struct{}
}

// InTxGroup runs fn in a write transaction, like InTx, but may share that
// transaction with other callers of the same key: key is the organisation
// whose ledger chain fn appends to. On SQLite every key shares the single
// writer.
//
//   - fn runs inside a savepoint of its own when others share the
//     transaction: when it returns an error or panics, only its own changes
//     (ledger events included, leaving no gap in the chain) are rolled back;
//     its error (or panic, raised again in the caller's goroutine) is its own
//     answer, and the others commit.
//   - InTxGroup returns only once the transaction holding fn's changes has
//     committed (or fn's error once it has been rolled back), so an answer
//     never comes before the write is durable.
//   - Callers run, and their ledger events are appended, in the order they
//     joined; the ledger's order is the commit order.
//   - tx.Now is taken when fn's savepoint begins.
//   - A caller whose context ends while it waits leaves the queue; once its
//     fn runs, its statements run on the shared transaction's context (a
//     cancelled statement would end the transaction for everyone), and any
//     statement after its context ended fails with the context's error.
//
// fn must do its work through tx and return; it must not begin another
// transaction.
func (d *DB) InTxGroup(ctx context.Context, key int64, fn func(*Tx) error) error {
	return d.inTxGroup(ctx, key, nil, fn)
}

func (d *DB) inTxGroup(ctx context.Context, key int64, pf Prefetcher, fn func(*Tx) error) error {
	if d.wq != nil {
		key = 0
	}
	g := d.groups.get(key)
	m := &member{ctx: ctx, fn: fn, pf: pf, done: make(chan struct{})}
	g.mu.Lock()
	if !g.busy {
		// Nobody in the way: begin now, with nobody to wait for.
		g.busy = true
		g.mu.Unlock()
		d.runShared(g, m)
		d.nextShared(g)
	} else {
		g.pending = append(g.pending, m)
		g.mu.Unlock()
		select {
		case <-m.done:
		case <-ctx.Done():
			g.mu.Lock()
			if !m.taken {
				g.pending = slices.DeleteFunc(g.pending, func(x *member) bool { return x == m })
				g.mu.Unlock()
				return fmt.Errorf("begin transaction: %w", ctx.Err())
			}
			g.mu.Unlock()
			<-m.done // its fn runs or has run: wait for the outcome
		}
	}
	if m.panicked {
		panic(m.panicVal)
	}
	return m.err
}

// nextShared starts the group's next transaction for those who came
// meanwhile, or marks the group idle.
func (d *DB) nextShared(g *group) {
	g.mu.Lock()
	if len(g.pending) == 0 {
		g.busy = false
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	go func() {
		d.runShared(g, nil)
		d.nextShared(g)
	}()
}

// take moves up to n pending callers into a transaction.
func (g *group) take(n int) []*member {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = min(n, len(g.pending))
	out := slices.Clone(g.pending[:n])
	g.pending = slices.Delete(g.pending, 0, n)
	for _, m := range out {
		m.taken = true
	}
	return out
}

// putBack returns callers whose fn has not run to the front of the queue.
func (g *group) putBack(ms []*member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range ms {
		m.taken = false
	}
	g.pending = append(slices.Clone(ms), g.pending...)
}

// runShared runs one shared transaction: first (when not nil) and then those
// pending once the transaction has begun, so that whoever came while it
// waited for the writer or a connection rides along.
func (d *DB) runShared(g *group, first *member) {
	var batch []*member
	t0 := time.Now()
	var began, worked time.Time
	finish := func() {
		for _, m := range batch {
			close(m.done)
		}
	}
	if first != nil {
		batch = []*member{first}
	}
	// Wait for the writer (SQLite) and a connection with the first
	// caller's context, so that it can give up; callers still pending can
	// give up on their own.
	wait := context.Background()
	if first != nil {
		wait = first.ctx
	}
	failAll := func(err error) {
		batch = append(batch, g.take(maxShared)...)
		for _, m := range batch {
			m.err = err
		}
		finish()
	}
	if d.wq != nil {
		if err := d.wq.lock(wait); err != nil {
			first.err = fmt.Errorf("begin transaction: %w", err)
			finish()
			return
		}
		defer d.wq.unlock()
	}
	conn, err := d.w.Conn(wait)
	if err != nil {
		failAll(fmt.Errorf("begin transaction: %w", err))
		return
	}
	runCtx, cancel := context.WithTimeout(context.Background(), sharedTxTimeout)
	defer cancel()
	stx, err := conn.BeginTx(runCtx, nil)
	if err != nil {
		conn.Close()
		failAll(fmt.Errorf("begin transaction: %w", err))
		return
	}
	began = time.Now()
	batch = append(batch, g.take(maxShared-len(batch))...)
	st := &txState{tx: stx, ctx: runCtx}
	shared := len(batch) > 1
	var p *pipe
	if d.wq == nil {
		// PostgreSQL: writes are queued and sent together (pipe.go).
		p = &pipe{conn: conn, shared: shared, sent: -1, snaps: map[int]map[any]any{}}
		st.pipe = p
		if shared {
			d.prefetch(st, batch)
		}
	}
	var ok []*member
	end := func(commit bool) {
		var err error
		if p != nil {
			if commit && p.broken == nil {
				p.cur = -1
				_ = (&Tx{s: st, db: d}).flush(runCtx) // a failure lands in p.failed or p.broken
			}
			if p.broken != nil {
				err, commit = p.broken, false
			}
			ok = slices.DeleteFunc(ok, func(m *member) bool {
				i := slices.Index(batch, m)
				if p.failed[i] != nil {
					m.err = p.failed[i]
					return true
				}
				return false
			})
		}
		if commit && len(ok) > 0 {
			worked = time.Now()
			if err = stx.Commit(); err != nil {
				err = fmt.Errorf("commit: %w", err)
			} else {
				d.groups.count(len(ok), began.Sub(t0), worked.Sub(began), time.Since(worked))
			}
		} else {
			_ = stx.Rollback()
		}
		conn.Close()
		if d.wq != nil {
			d.prepareWanted(st)
		}
		for _, m := range ok {
			if err != nil {
				m.err = err
			}
		}
		finish()
	}
	for i, m := range batch {
		if err := m.ctx.Err(); err != nil {
			m.err = fmt.Errorf("begin transaction: %w", err)
			continue
		}
		sp := savepointOf(i)
		if m.pf == nil {
			st.dropPrefetched() // its writes may touch what was read
		}
		if p != nil {
			p.beginMember(st, i)
		} else if shared {
			if _, err := stx.ExecContext(runCtx, "SAVEPOINT "+sp); err != nil {
				m.err = fmt.Errorf("savepoint: %w", err)
				d.abandon(g, stx, batch, ok, i+1, err)
				conn.Close()
				return
			}
		}
		tx := &Tx{s: st, db: d, Now: d.Clock.Now(), member: m.ctx}
		m.err, m.panicVal, m.panicked = call(m.fn, tx)
		if p != nil && p.broken != nil {
			// Its own error, if any, came of it (QueryRow cannot
			// carry it: see Tx.QueryRow).
			if !m.panicked {
				m.err = p.broken
			}
			d.abandon(g, stx, batch, ok, i+1, p.broken)
			conn.Close()
			return
		}
		if m.err == nil && !m.panicked {
			if p != nil && p.failed[i] != nil {
				// A write it queued failed when sent, after its fn
				// returned or while it ignored the error: undone already.
				m.err = p.failed[i]
				continue
			}
			ok = append(ok, m)
			continue
		}
		if p != nil && p.failed[i] != nil && !m.panicked {
			m.err = p.failed[i] // the cause, whatever fn made of it
		}
		if !shared {
			end(false)
			return
		}
		if p != nil {
			p.undoMember(st, i)
			continue
		}
		if _, err := stx.ExecContext(runCtx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
			d.abandon(g, stx, batch, ok, i+1, err)
			conn.Close()
			return
		}
	}
	end(true)
}

// savepointOf names the savepoint of a shared transaction's caller i.
func savepointOf(i int) string { return "abri_sp" + strconv.Itoa(i) }

// abandon ends a shared transaction that can go no further (a savepoint
// could not be made or rolled back): nothing in it commits. Those whose fn
// ran and succeeded are told it failed, as is the caller whose savepoint
// failed (so that a broken connection cannot loop); those after it, whose fn
// has not run (batch[next:]), go back to the queue for the next transaction.
func (d *DB) abandon(g *group, stx interface{ Rollback() error }, batch, ok []*member, next int, cause error) {
	_ = stx.Rollback()
	for _, m := range ok {
		m.err = fmt.Errorf("shared transaction failed: %w", cause)
	}
	if next < len(batch) {
		g.putBack(batch[next:])
	}
	for _, m := range batch[:next] {
		close(m.done)
	}
}

// call runs fn, turning a panic into a value to raise again in the caller's
// own goroutine.
func call(fn func(*Tx) error, tx *Tx) (err error, p any, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			p, panicked = r, true
		}
	}()
	return fn(tx), nil, false
}
