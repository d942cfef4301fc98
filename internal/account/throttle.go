package account

import (
	"sync"
	"time"
)

// Throttle counts failed logins per account and per address over a sliding
// window, in memory. A restart forgets; that is accepted, since an attacker
// cannot restart the server.
type Throttle struct {
	mu         sync.Mutex
	window     time.Duration
	perAccount int
	perAddress int
	fails      map[string][]time.Time
}

// NewThrottle allows perAccount failures per account and perAddress failures
// per address within window; the next attempt is refused.
func NewThrottle(window time.Duration, perAccount, perAddress int) *Throttle {
	return &Throttle{window: window, perAccount: perAccount, perAddress: perAddress, fails: map[string][]time.Time{}}
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
	ts := t.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= t.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = ts
	return ts
}

// Blocked tells whether a login for this account or from this address must be
// refused now.
func (t *Throttle) Blocked(account, address string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.recent("a:"+account, now)) >= t.perAccount {
		return true
	}
	return address != "" && len(t.recent("ip:"+address, now)) >= t.perAddress
}

// Fail records a failed login.
func (t *Throttle) Fail(account, address string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails["a:"+account] = append(t.recent("a:"+account, now), now)
	if address != "" {
		t.fails["ip:"+address] = append(t.recent("ip:"+address, now), now)
	}
	if len(t.fails) > 100000 { // bound memory under a flood of names
		for k := range t.fails {
			t.recent(k, now)
		}
	}
}

// Succeed clears an account's failures after a good login.
func (t *Throttle) Succeed(account string) {
	t.mu.Lock()
	delete(t.fails, "a:"+account)
	t.mu.Unlock()
}
