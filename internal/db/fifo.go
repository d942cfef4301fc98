package db

import (
	"context"
	"slices"
	"sync"
)

// fifo is a lock taken in the order it was asked for, by callers who may
// give up when their context ends. SQLite's single writer is behind one:
// writers queue here, in Go, instead of sleep-polling in SQLite's busy
// handler while each holds a pooled connection.
type fifo struct {
	mu   sync.Mutex
	held bool
	q    []chan struct{}
}

// lock waits for the lock in turn; it returns ctx's error, without the lock,
// when ctx ends first.
func (f *fifo) lock(ctx context.Context) error {
	f.mu.Lock()
	if !f.held {
		f.held = true
		f.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		f.mu.Unlock()
		return err
	}
	ch := make(chan struct{})
	f.q = append(f.q, ch)
	f.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		if i := slices.Index(f.q, ch); i >= 0 {
			f.q = slices.Delete(f.q, i, i+1)
			f.mu.Unlock()
			return ctx.Err()
		}
		f.mu.Unlock()
		// Handed the lock as the context ended: pass it on.
		f.unlock()
		return ctx.Err()
	}
}

// unlock hands the lock to the longest waiter, or frees it.
func (f *fifo) unlock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.q) == 0 {
		f.held = false
		return
	}
	ch := f.q[0]
	f.q = f.q[1:]
	close(ch)
}
