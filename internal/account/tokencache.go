package account

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"abri/internal/db"
)

// TokenCacheTTL bounds how long a token's sign-in is reused without asking the
// database. A change made in this process (a token revoked, a user disabled, a
// role changed or removed, a password changed, a language or a base's zone
// set) empties the cache at once, so the next request signs in afresh; the
// TTL only bounds how long a change made by another process (the command
// line, or a second server on the same PostgreSQL) takes to be seen here.
var TokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the cache; when full it starts again empty.
const tokenCacheMax = 10_000

// principalGen counts the changes to who may act with what role, made in this
// process by any Service. A cached sign-in read before a change is never used
// after it: entries keep the generation they were read under.
var principalGen atomic.Uint64

// tokenCache maps a token's hash to the principal it signed in as.
type tokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedToken
}

type cachedToken struct {
	p       Principal
	id      int64 // the token's row
	used    int64 // its last_used_at as stored, µs
	gen     uint64
	fetched time.Time // monotonic
}

func (c *tokenCache) get(key [32]byte, gen uint64) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return cachedToken{}, false
	}
	if e.gen != gen || time.Since(e.fetched) >= TokenCacheTTL {
		delete(c.m, key)
		return cachedToken{}, false
	}
	return e, true
}

// put stores an entry read under gen, unless a change came in the meantime.
func (c *tokenCache) put(key [32]byte, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gen != principalGen.Load() {
		return
	}
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = make(map[[32]byte]cachedToken)
	}
	c.m[key] = e
}

func (c *tokenCache) setUsed(key [32]byte, used int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		e.used = used
		c.m[key] = e
	}
}

// forgetPrincipals drops every cached sign-in in this process.
func forgetPrincipals() { principalGen.Add(1) }

// changePrincipals runs fn in a write transaction that may change who acts
// with a token, or as what (revocation, roles, disabling, passwords, the
// names and zone a principal carries), and drops every cached sign-in once it
// has committed (or failed): a sign-in read before then carries an older
// generation and is neither kept nor used.
func (s *Service) changePrincipals(ctx context.Context, fn func(*db.Tx) error) error {
	defer forgetPrincipals()
	return s.DB.InTx(ctx, fn)
}
