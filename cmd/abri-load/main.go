// Command abri-load measures how many box moves per second abri takes over
// HTTP from many clients at once, next to the raw single-row commit rate of
// the same database in the same run: the rate no write could beat.
//
// It seeds the demo data set (about two thousand boxes) into the database
// DSN names, or into a new SQLite file when it names none, starts the real
// server in this process on a loopback port, and then, for each phase, runs
// for the given duration:
//
//   - raw commits: one INSERT of one row per transaction, into a scratch
//     table it drops at the end, from 1 and from N goroutines;
//   - box moves over HTTP: N clients, each reading a random box in stock
//     (GET /api/v1/boxes/{code}) and moving it to another shelf with the
//     version it saw (PATCH /api/v1/boxes/{code}), as a volunteer's phone
//     does after a scan.
//
// Use a scratch database: the moves change its boxes.
//
//	go run ./cmd/abri-load                                   # SQLite in a temporary directory
//	go run ./cmd/abri-load -db 'postgres://…' -clients 32 -duration 10s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/demo"
	"abri/internal/place"
	"abri/internal/server"
	"abri/internal/stock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "abri-load:", err)
		os.Exit(1)
	}
}

type options struct {
	dsn      string
	clients  int
	duration time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("abri-load", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.dsn, "db", "", "database DSN (postgres://… or a SQLite path); empty: a new SQLite file in a temporary directory")
	fs.IntVar(&o.clients, "clients", 32, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each phase runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.clients < 1 || o.duration <= 0 {
		return errors.New("-clients and -duration must be positive")
	}
	if o.dsn == "" {
		dir, err := os.MkdirTemp("", "abri-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dsn = filepath.Join(dir, "abri.db")
	}
	d, err := db.Open(ctx, o.dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	accounts := account.New(d)
	users, err := demo.Seed(ctx, d, accounts)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var token string
	for _, u := range users {
		if u.Role == string(access.Warehouse) {
			token = u.Token
			break
		}
	}
	p, err := accounts.TokenPrincipal(ctx, token)
	if err != nil {
		return err
	}
	codes, shelves, err := targets(ctx, d, p.Actor)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv, err := server.New(server.Config{DB: d, Accounts: accounts, BaseURL: base, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() { cancel(); <-served }()

	fmt.Fprintf(out, "abri-load: %s database, %d boxes in stock, %d shelves, %d CPUs, %s per phase\n",
		d.Dialect, len(codes), len(shelves), runtime.NumCPU(), o.duration)
	if _, err := d.Exec(ctx, "CREATE TABLE IF NOT EXISTS abri_load_probe (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)"); err != nil {
		return err
	}
	defer d.Exec(context.Background(), "DROP TABLE abri_load_probe")
	var next atomic.Int64
	commit := func(context.Context, *rand.Rand) (bool, error) {
		return true, d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO abri_load_probe (id, v) VALUES (?, 1)", next.Add(1))
			return err
		})
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}}
	move := func(ctx context.Context, rng *rand.Rand) (bool, error) {
		return moveOne(ctx, client, base, token, codes[rng.IntN(len(codes))], shelves[rng.IntN(len(shelves))])
	}
	for _, ph := range []struct {
		name    string
		clients int
		op      func(context.Context, *rand.Rand) (bool, error)
	}{
		{"raw commits (INSERT, COMMIT)", 1, commit},
		{"raw commits (INSERT, COMMIT)", o.clients, commit},
		{"box moves over HTTP (GET, PATCH)", 1, move},
		{"box moves over HTTP (GET, PATCH)", o.clients, move},
	} {
		r, err := phase(ctx, ph.clients, o.duration, ph.op)
		if err != nil {
			return fmt.Errorf("%s: %w", ph.name, err)
		}
		fmt.Fprintf(out, "%-34s %3d clients: %8.0f /s   p50 %6.2f ms   p95 %6.2f ms   p99 %6.2f ms   refused %d\n",
			ph.name, ph.clients, r.rate, ms(r.p50), ms(r.p95), ms(r.p99), r.refused)
	}
	return nil
}

// targets reads the codes of the boxes in stock on shelves of the actor's
// base, and those shelves: moving such a box between them keeps it in stock.
func targets(ctx context.Context, d *db.DB, a access.Actor) ([]string, []int64, error) {
	ls, err := place.New(d).Locations(ctx, a, place.LocationFilter{Kind: place.LocationShelf})
	if err != nil {
		return nil, nil, err
	}
	var shelves []int64
	for _, l := range ls {
		if l.DefaultState == place.StateInStock {
			shelves = append(shelves, l.ID)
		}
	}
	var codes []string
	err = stock.New(d).Each(ctx, a, stock.Filter{States: []stock.State{stock.InStock}}, func(b stock.Box) error {
		codes = append(codes, b.Code)
		return nil
	})
	if err == nil && (len(codes) == 0 || len(shelves) < 2) {
		err = errors.New("the demo base has no boxes in stock or fewer than two shelves")
	}
	return codes, shelves, err
}

// moveOne reads a box and moves it with the version it saw. A 409 (someone
// moved it in between) counts as refused, not as an error.
func moveOne(ctx context.Context, c *http.Client, base, token, code string, to int64) (bool, error) {
	var box struct {
		Version int64 `json:"version"`
	}
	status, err := call(ctx, c, "GET", base+"/api/v1/boxes/"+code, token, nil, &box)
	if err != nil || status != http.StatusOK {
		return false, fmt.Errorf("GET box: %d %v", status, err)
	}
	body, _ := json.Marshal(map[string]any{"version": box.Version, "location_id": to})
	status, err = call(ctx, c, "PATCH", base+"/api/v1/boxes/"+code, token, body, nil)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusConflict:
		return false, nil
	case status != http.StatusOK:
		return false, fmt.Errorf("PATCH box: %d", status)
	}
	return true, nil
}

func call(ctx context.Context, c *http.Client, method, url, token string, body []byte, into any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(into)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

type phaseResult struct {
	rate          float64 // operations done per second
	p50, p95, p99 time.Duration
	refused       int64
}

// phase runs op from n goroutines for d and measures each call.
func phase(ctx context.Context, n int, d time.Duration, op func(context.Context, *rand.Rand) (bool, error)) (phaseResult, error) {
	var (
		mu      sync.Mutex
		lats    []time.Duration
		done    atomic.Int64
		refused atomic.Int64
		first   error
		wg      sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				ok, err := op(ctx, rng)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
				if ok {
					done.Add(1)
				} else {
					refused.Add(1)
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}(uint64(i + 1))
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return phaseResult{}, first
	}
	if err := ctx.Err(); err != nil {
		return phaseResult{}, err
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	at := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))]
	}
	return phaseResult{rate: float64(done.Load()) / elapsed.Seconds(), p50: at(0.50), p95: at(0.95), p99: at(0.99), refused: refused.Load()}, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
