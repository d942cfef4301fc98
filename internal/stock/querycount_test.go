package stock_test

import (
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// Counting the statements a domain call sends to the database, without
// touching internal/db: a benchmark opens a second handle on the same
// database through a counter, runs the call there a few times and reports
// statements per call. The timed runs use the plain handle.

// queryCounter counts statements and, on PostgreSQL, round trips. Its zero
// value counts nothing.
type queryCounter struct{ n, trips atomic.Int64 }

func (c *queryCounter) reset()       { c.n.Store(0); c.trips.Store(0) }
func (c *queryCounter) count() int64 { return c.n.Load() }

// roundTrips is how many times a client waited for the server's answer:
// each Sync ('S', which ends an extended-protocol statement, or a whole
// pipeline of them) and each simple-protocol Query ('Q').
func (c *queryCounter) roundTrips() int64 { return c.trips.Load() }

// sqliteCountParam marks the SQLite DSNs whose connections are counted; the
// driver ignores a query parameter it does not know.
const sqliteCountParam = "abri_count_statements=1"

var (
	sqliteCounter     queryCounter
	sqliteCounterOnce sync.Once
)

// countSQLite makes every SQLite connection opened from a DSN carrying
// sqliteCountParam count the statements it prepares. The driver prepares each
// statement it runs afresh, and SQLite asks the authorizer about it while
// preparing: one SELECT, INSERT, UPDATE, DELETE or transaction action per
// statement. A subquery in FROM is one more SELECT, so the count is an upper
// bound.
func countSQLite() *queryCounter {
	sqliteCounterOnce.Do(func() {
		sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, dsn string) error {
			if !strings.Contains(dsn, sqliteCountParam) {
				return nil
			}
			return c.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(func(a sqlite.AuthorizerActionCode, _, _, _, _ string) sqlite.AuthorizerReturnCode {
				switch a {
				case sqlite.AuthSelect, sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
					sqliteCounter.n.Add(1)
				}
				return sqlite.AuthorizerOK
			})
		})
	})
	return &sqliteCounter
}

// pgCountingProxy listens on loopback and forwards connections to the
// PostgreSQL server of dsn, counting the statements clients run: each
// simple-protocol Query ('Q') and each extended-protocol Execute ('E')
// message, and the round trips (queryCounter.roundTrips). It returns the DSN
// to connect through it.
func pgCountingProxy(tb testing.TB, dsn string, c *queryCounter) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	target := u.Host
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go func() { io.Copy(client, server); client.Close() }()
			go func() { countPG(client, server, c); server.Close() }()
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	u.Host = ln.Addr().String()
	return u.String()
}

// countPG copies the client's messages to the server, counting statements.
// The first messages have no type byte (SSL request, startup); the server's
// one-byte answer to an SSL request needs no parsing here.
func countPG(client io.Reader, server io.Writer, c *queryCounter) {
	var hdr [5]byte
	for started := false; !started; {
		if _, err := io.ReadFull(client, hdr[:4]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[:4]))
		body := make([]byte, n-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return
		}
		if _, err := server.Write(append(hdr[:4:4], body...)); err != nil {
			return
		}
		// 80877103 asks for SSL and 80877104 for GSS encryption: a startup
		// message follows. Anything else was the startup message.
		if code := binary.BigEndian.Uint32(body[:4]); code != 80877103 && code != 80877104 {
			started = true
		}
	}
	for {
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		if hdr[0] == 'Q' || hdr[0] == 'E' {
			c.n.Add(1)
		}
		if hdr[0] == 'Q' || hdr[0] == 'S' {
			c.trips.Add(1)
		}
		n := int(binary.BigEndian.Uint32(hdr[1:]))
		if _, err := server.Write(hdr[:]); err != nil {
			return
		}
		if _, err := io.CopyN(server, client, int64(n-4)); err != nil {
			return
		}
	}
}
