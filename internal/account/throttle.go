package account

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
)

// Throttle limits sign-in attempts per account and per address, and password
// guesses on the change-password form per user. It keeps its counts in the
// database (table signin_attempts), so they survive a restart and are shared
// by every server on one PostgreSQL.
//
// An attempt is reserved before its password hash is computed, in one
// atomic upsert per attempt: attempts still being checked count, so sending
// guesses at once gains nothing. Once a key has used its limit in the current
// window, every further attempt is refused, the right password too, until
// the window (which starts at the key's first attempt) has passed.
//
// A successful sign-in gives back only its own reservation. Failures already
// counted, and guesses still in flight, stay counted until the window passes:
// a right password typed among an attacker's guesses opens no room for more
// of them.
type Throttle struct {
	DB         *db.DB
	Window     time.Duration
	PerAccount int // attempts per account (and per user on the password form)
	PerAddress int // attempts per client address

	lastPrune atomic.Int64 // micros of the last prune by this process
}

// NewThrottle allows perAccount attempts per account and perAddress per
// address within window; the next one is refused.
func NewThrottle(d *db.DB, window time.Duration, perAccount, perAddress int) *Throttle {
	return &Throttle{DB: d, Window: window, PerAccount: perAccount, PerAddress: perAddress}
}

// throttleKey is one counter an attempt reserves a place in. Only the
// SHA-256 of the name is stored: the table holds no email or address.
type throttleKey struct {
	hash  []byte
	limit int
}

func newKey(kind, name string, limit int) throttleKey {
	h := sha256.Sum256([]byte(kind + ":" + name))
	return throttleKey{hash: h[:], limit: limit}
}

// signinKeys are the counters of a sign-in: the account named, and the
// client's address when it is known.
func (t *Throttle) signinKeys(email, address string) []throttleKey {
	ks := []throttleKey{newKey("account", email, t.PerAccount)}
	if address != "" {
		ks = append(ks, newKey("address", address, t.PerAddress))
	}
	return ks
}

// passwordKeys is the counter of the change-password form: someone holding
// a stolen session must not guess the password there faster than at the
// sign-in form.
func (t *Throttle) passwordKeys(userID int64) []throttleKey {
	return []throttleKey{newKey("password", strconv.FormatInt(userID, 10), t.PerAccount)}
}

// reservation is an attempt counted before it is checked: the window each of
// its keys was counted in.
type reservation struct {
	keys   []throttleKey
	starts []int64
}

// reserve counts one attempt against every key, atomically, and refuses it
// (TooMany) when any key has gone over its limit. A refused attempt stays
// counted: it tried.
func (t *Throttle) reserve(ctx context.Context, keys []throttleKey) (reservation, error) {
	r := reservation{keys: keys, starts: make([]int64, len(keys))}
	over := false
	err := t.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Micros(tx.Now)
		cutoff := now - t.Window.Microseconds()
		var q strings.Builder
		args := make([]any, 0, 2*len(keys)+3)
		q.WriteString("INSERT INTO signin_attempts (throttle_key, window_start, attempts) VALUES ")
		for i, k := range keys {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, 1)")
			args = append(args, k.hash, now)
		}
		// Every expression in SET reads the row as it was before this
		// upsert, so a window that has passed starts again at 1.
		q.WriteString(` ON CONFLICT (throttle_key) DO UPDATE SET
			window_start = CASE WHEN signin_attempts.window_start <= ? THEN excluded.window_start ELSE signin_attempts.window_start END,
			attempts = CASE WHEN signin_attempts.window_start <= ? THEN 1 ELSE signin_attempts.attempts + 1 END
			RETURNING throttle_key, window_start, attempts`)
		args = append(args, cutoff, cutoff)
		rows, err := tx.Query(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("reserve sign-in attempt: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key []byte
			var start, n int64
			if err := rows.Scan(&key, &start, &n); err != nil {
				return fmt.Errorf("reserve sign-in attempt: %w", err)
			}
			for i, k := range keys {
				if bytes.Equal(k.hash, key) {
					r.starts[i] = start
					if n > int64(k.limit) {
						over = true
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reserve sign-in attempt: %w", err)
		}
		rows.Close()
		return t.maybePrune(ctx, tx, cutoff)
	})
	if err != nil {
		return reservation{}, err
	}
	if over {
		return reservation{}, apperr.New(apperr.TooMany, "error.login_throttled")
	}
	return r, nil
}

// maybePrune deletes the rows whose window has passed, at most once a window
// per process, so a flood of made-up names cannot grow the table for long.
func (t *Throttle) maybePrune(ctx context.Context, tx *db.Tx, cutoff int64) error {
	last := t.lastPrune.Load()
	now := db.Micros(tx.Now)
	if now-last < t.Window.Microseconds() || !t.lastPrune.CompareAndSwap(last, now) {
		return nil
	}
	_, err := prune(ctx, tx, cutoff)
	return err
}

// prune deletes the rows whose window ended at or before cutoff. On
// PostgreSQL it skips rows another attempt holds, so it never waits for one
// and can take part in no deadlock.
func prune(ctx context.Context, tx *db.Tx, cutoff int64) (int64, error) {
	q := "DELETE FROM signin_attempts WHERE window_start <= ?"
	if tx.Dialect() == db.Postgres {
		q = `DELETE FROM signin_attempts WHERE throttle_key IN
			(SELECT throttle_key FROM signin_attempts WHERE window_start <= ? FOR UPDATE SKIP LOCKED)`
	}
	res, err := tx.Exec(ctx, q, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune sign-in attempts: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// release gives a successful attempt's place back, in the transaction that
// acts on the success. Only its own place: nothing else is forgiven.
func (t *Throttle) release(ctx context.Context, tx *db.Tx, r reservation) error {
	for i, k := range r.keys {
		if _, err := tx.Exec(ctx, "UPDATE signin_attempts SET attempts = attempts - 1 WHERE throttle_key = ? AND window_start = ? AND attempts > 0",
			k.hash, r.starts[i]); err != nil {
			return fmt.Errorf("release sign-in attempt: %w", err)
		}
	}
	return nil
}

// Prune deletes every row whose window has passed; the server runs it with
// the session purge.
func (t *Throttle) Prune(ctx context.Context) (int64, error) {
	cutoff := db.Micros(t.DB.Clock.Now()) - t.Window.Microseconds()
	var n int64
	err := t.DB.InTx(ctx, func(tx *db.Tx) (err error) {
		n, err = prune(ctx, tx, cutoff)
		return err
	})
	return n, err
}
