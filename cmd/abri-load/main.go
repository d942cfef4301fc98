// Command abri-load measures abri under a mixed warehouse workload over
// real HTTP, next to the raw single-row commit rate of the same database in
// the same run: the rate no write could beat.
//
// It seeds a data set into the database DSN names, or into a new SQLite file
// when it names none: with -groups 1 (the default) the demo data set (one
// group, about two thousand boxes); with -groups N, N organisations as a
// hosted server holds them, each a small warehouse of 200–500 boxes with an
// administrator and a warehouse volunteer holding API tokens. It starts the
// real server in this process on a loopback port and runs, each for the
// given duration:
//
//   - the ceiling: one INSERT of one row per transaction, into a scratch
//     table it drops at the end, from 1 and from N goroutines;
//   - the mixed workload: N clients spread over the groups, each drawing
//     its next call by the weights of -mix: scan (GET a box), move (GET, then
//     PATCH with the version seen), list (a filtered page of boxes and its
//     cursor walk), overview (the stock overview), create (POST a box),
//     batch (500 offline quick-count commands from one phone in one POST),
//     tally (one tap of the distribution tally screen, one command a POST,
//     against the demo's round that is out); neither is in the default mix.
//
// It prints, per operation, the calls that succeeded, their rate and
// p50/p95/p99 latency, the 409s (a box changed between a client's read and
// its write: the stale-version rule at work, not an error) and real errors.
// For command requests it also reads the server's own timing of them from
// its /metrics. Incident saves and reports join the operations table
// (mix.go) when those capabilities exist.
//
// Use a scratch database: the run changes its boxes.
//
//	go run ./cmd/abri-load                                   # SQLite in a temporary directory
//	go run ./cmd/abri-load -groups 100 -clients 32 -duration 30s
//	go run ./cmd/abri-load -db 'postgres://…&search_path=load' -mix scan=50,move=50
//	go run ./cmd/abri-load -clients 50 -mix tally=1          # 50 phones at a distribution
package main

import (
	"context"
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
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/people"
	"abri/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	_, err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "abri-load:", err)
		os.Exit(1)
	}
}

type options struct {
	dsn        string
	clients    int
	groups     int
	duration   time.Duration
	mix        string
	probe      bool
	cpuprofile string
}

// report is what a run measured.
type report struct {
	Dialect  string
	Groups   int
	Boxes    int
	Ceiling1 phaseResult // raw commits, 1 client
	CeilingN phaseResult // raw commits, N clients
	Checked  []opResult  // each operation of the mix once, alone, before the run
	Ops      []opResult  // the mixed workload, in the order of operations
	Elapsed  time.Duration
	Group    db.GroupStats // the shared transactions of the mixed workload
	// Commands is the server's own timing of POST /api/v1/commands during
	// the mixed workload (tallies and batches).
	Commands serverHist
	// Reads under write load: a list page alone, then while N clients
	// move boxes (and the moves meanwhile).
	ListQuiet, ListLoaded, MovesLoaded opResult
}

func run(ctx context.Context, args []string, out io.Writer) (*report, error) {
	fs := flag.NewFlagSet("abri-load", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.dsn, "db", "", "database DSN (postgres://… or a SQLite path); empty: a new SQLite file in a temporary directory")
	fs.IntVar(&o.clients, "clients", 32, "concurrent clients")
	fs.IntVar(&o.groups, "groups", 1, "organisations: 1 is the demo group; N > 1 seeds N small warehouses (a hosted server) and spreads the clients over them")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each phase runs")
	fs.StringVar(&o.mix, "mix", defaultMix, "weights of the operations of the mixed workload")
	fs.BoolVar(&o.probe, "probe", true, "after the mix, measure a list page alone and then while the clients move boxes")
	fs.DurationVar(&pause, "pause", 0, "mean pause of a client of the mixed workload before each call (exponential: taps at a distribution come about every few seconds a phone); 0: none")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the mixed workload (server and clients, one process) to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.clients < 1 || o.duration <= 0 || o.groups < 1 {
		return nil, errors.New("-clients, -groups and -duration must be positive")
	}
	weights, err := parseMix(o.mix)
	if err != nil {
		return nil, err
	}
	if o.dsn == "" {
		dir, err := os.MkdirTemp("", "abri-load-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.dsn = filepath.Join(dir, "abri.db")
	}
	d, err := db.Open(ctx, o.dsn)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	// The demo's shop issues cards, whose keys live in a data directory: a
	// throwaway one, as the data set is.
	keyDir, err := os.MkdirTemp("", "abri-load-keys-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(keyDir)
	keys, err := people.OpenKeys(keyDir)
	if err != nil {
		return nil, err
	}
	people.UseKeys(keys)
	accounts := account.New(d)
	seedStart := time.Now()
	var groups []*group
	if o.groups == 1 {
		groups, err = seedDemo(ctx, d, accounts)
	} else {
		groups, err = seedHosted(ctx, d, accounts, o.groups)
	}
	if err != nil {
		return nil, err
	}
	rep := &report{Dialect: d.Dialect.String(), Groups: len(groups)}
	for _, g := range groups {
		rep.Boxes += len(g.codes)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	srv, err := server.New(server.Config{DB: d, Accounts: accounts, BaseURL: base, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() { cancel(); <-served }()

	fmt.Fprintf(out, "abri-load: %s database, %d group(s), %d boxes in stock on shelves (seeded in %s), %d CPUs, %d clients, %s per phase\n",
		d.Dialect, len(groups), rep.Boxes, time.Since(seedStart).Round(100*time.Millisecond), runtime.NumCPU(), o.clients, o.duration)
	fmt.Fprintf(out, "load average before: %s\n", loadAverage())

	if _, err := d.Exec(ctx, "CREATE TABLE IF NOT EXISTS abri_load_probe (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)"); err != nil {
		return nil, err
	}
	defer d.Exec(context.Background(), "DROP TABLE abri_load_probe")
	var next atomic.Int64
	commit := func(context.Context, *rand.Rand) (bool, error) {
		return true, d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO abri_load_probe (id, v) VALUES (?, 1)", next.Add(1))
			return err
		})
	}
	fmt.Fprintln(out, "\nceiling: raw commits (one INSERT of one row, COMMIT)")
	for i, n := range []int{1, o.clients} {
		r, err := phase(ctx, n, o.duration, commit)
		if err != nil {
			return nil, fmt.Errorf("raw commits: %w", err)
		}
		if i == 0 {
			rep.Ceiling1 = r
		} else {
			rep.CeilingN = r
		}
		fmt.Fprintf(out, "  %3d clients: %8.0f /s   p50 %7.2f ms   p95 %7.2f ms   p99 %7.2f ms\n", n, r.rate, ms(r.p50), ms(r.p95), ms(r.p99))
	}

	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.clients, MaxIdleConns: 2 * o.clients}}
	fmt.Fprintf(out, "\nmixed workload over HTTP, %d clients over %d group(s), mix %s, mean pause before a call %s\n", o.clients, len(groups), o.mix, pause)
	rep.Checked = checkEach(ctx, hc, base, groups, weights)
	fmt.Fprint(out, "  each operation once, alone, before the run:")
	for _, r := range rep.Checked {
		switch {
		case r.Count > 0:
			fmt.Fprintf(out, " %s ok", r.Name)
		case r.Conflicts > 0:
			fmt.Fprintf(out, " %s 409", r.Name)
		default:
			fmt.Fprintf(out, " %s FAILED (%s)", r.Name, strings.Join(r.FirstErrors, "; "))
		}
	}
	fmt.Fprintln(out)
	stopProfile, err := startProfile(o.cpuprofile)
	if err != nil {
		return nil, err
	}
	before := d.GroupStats()
	cmdsBefore, err := readServerHist(ctx, hc, base, "/api/v1/commands", "POST")
	if err != nil {
		return nil, err
	}
	rep.Ops, rep.Elapsed = mixed(ctx, hc, base, groups, weights, o.clients, o.duration)
	rep.Group = groupDelta(before, d.GroupStats())
	cmdsAfter, err := readServerHist(ctx, hc, base, "/api/v1/commands", "POST")
	if err != nil {
		return nil, err
	}
	rep.Commands = cmdsAfter.since(cmdsBefore)
	if err := stopProfile(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "  %-9s %8s %9s %9s %9s %9s %9s %7s\n", "operation", "count", "rate /s", "p50 ms", "p95 ms", "p99 ms", "409s", "errors")
	var total, writes float64
	for _, r := range rep.Ops {
		fmt.Fprintf(out, "  %-9s %8d %9.1f %9.2f %9.2f %9.2f %9d %7d\n", r.Name, r.Count, r.Rate, ms(r.P50), ms(r.P95), ms(r.P99), r.Conflicts, r.Errors)
		total += r.Rate
		if r.Name == "move" || r.Name == "create" {
			writes += r.Rate
		}
	}
	fmt.Fprintf(out, "  all: %.0f /s; writes (moves and creates): %.0f /s, %.1f %% of the %d-client ceiling\n",
		total, writes, 100*writes/rep.CeilingN.rate, o.clients)
	if mv := result(rep.Ops, "move"); mv.Count > 0 {
		fmt.Fprintf(out, "  moves: %.0f /s = %.1f %% of the ceiling (goal ≥ 50 %%), p95 %.1f ms (goal < 50 ms)\n",
			mv.Rate, 100*mv.Rate/rep.CeilingN.rate, ms(mv.P95))
	}
	if b := result(rep.Ops, "batch"); b.Count > 0 {
		fmt.Fprintf(out, "  command batches of %d: %.1f /s, p50 %.0f ms, p95 %.0f ms (goal < 1 s)\n", batchSize, b.Rate, ms(b.P50), ms(b.P95))
	}
	if t := result(rep.Ops, "tally"); t.Count > 0 {
		fmt.Fprintf(out, "  tallies, one command a request: %.0f /s, p50 %.2f ms, p95 %.2f ms at the clients\n", t.Rate, ms(t.P50), ms(t.P95))
	}
	if r := result(rep.Ops, "incident"); r.Count > 0 {
		fmt.Fprintf(out, "  eviction reports from observers' phones: %.1f /s, p50 %.2f ms, p95 %.2f ms at the clients\n", r.Rate, ms(r.P50), ms(r.P95))
	}
	if h := rep.Commands; h.count() > 0 {
		p95 := h.quantile(0.95)
		var kinds []string
		for _, k := range []struct{ op, what string }{{"tally", "tallies"}, {"batch", "batches"}, {"incident", "eviction reports"}} {
			if result(rep.Ops, k.op).Count > 0 {
				kinds = append(kinds, k.what)
			}
		}
		what := strings.Join(kinds, ", ")
		if len(kinds) > 1 {
			what += " together"
		}
		fmt.Fprintf(out, "  on the server, POST /api/v1/commands (%s): %.0f requests, %.1f %% answered within 10 ms (goal ≥ 95 %% for tallies), "+
			"p50 ≈ %.1f ms, p95 ≈ %.1f ms (in the %s bucket)\n",
			what, h.count(), 100*h.within(0.01), 1000*h.quantile(0.5), 1000*p95, h.bucketOf(p95))
	}
	printGroup(out, rep.Group)
	if o.probe {
		if err := probeReads(ctx, out, rep, hc, base, groups, o); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(out, "  not measured yet (they join the operations table when they exist): %s\n", strings.Join(planned, ", "))
	fmt.Fprintf(out, "load average after: %s\n", loadAverage())
	for _, r := range rep.Ops {
		for _, e := range r.FirstErrors {
			fmt.Fprintf(out, "error in %s: %s\n", r.Name, e)
		}
	}
	return rep, nil
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
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

// startProfile starts a CPU profile into path (nothing when path is empty)
// and returns the function that ends it.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

func groupDelta(a, b db.GroupStats) db.GroupStats {
	d := db.GroupStats{Transactions: b.Transactions - a.Transactions, Requests: b.Requests - a.Requests,
		Wait: b.Wait - a.Wait, Work: b.Work - a.Work, Commit: b.Commit - a.Commit}
	for i := range d.Sizes {
		d.Sizes[i] = b.Sizes[i] - a.Sizes[i]
	}
	return d
}

// printGroup says how many writes each shared transaction carried: with
// synchronous commits each transaction is one flush to disk.
func printGroup(out io.Writer, g db.GroupStats) {
	if g.Transactions == 0 {
		return
	}
	fmt.Fprintf(out, "  group commit: %d transactions carried %d writes, %.1f per commit; commits by writes carried:",
		g.Transactions, g.Requests, float64(g.Requests)/float64(g.Transactions))
	for i, lo := range db.GroupSizeBuckets {
		hi := "+"
		if i+1 < len(db.GroupSizeBuckets) {
			hi = fmt.Sprintf("–%d", db.GroupSizeBuckets[i+1]-1)
		}
		if lo == 1 {
			hi = ""
		}
		fmt.Fprintf(out, " %d%s: %d", lo, hi, g.Sizes[i])
	}
	n := time.Duration(g.Transactions)
	fmt.Fprintf(out, "\n  a transaction, on average: %.2f ms waiting to begin, %.2f ms running its writes, %.2f ms committing\n",
		ms(g.Wait/n), ms(g.Work/n), ms(g.Commit/n))
}

// probeReads measures a list page (the first page of a filtered box list,
// as listOp asks) from one client alone, then while the other clients move
// boxes: reads must not wait behind writes.
func probeReads(ctx context.Context, out io.Writer, rep *report, hc *http.Client, base string, groups []*group, o options) error {
	firstPage := func(ctx context.Context, c *client) {
		listPage(ctx, c, 1)
	}
	moves, err := parseMix("move=1")
	if err != nil {
		return err
	}
	quiet := newTape()
	qd := min(o.duration, 5*time.Second)
	mixedWithProbe(ctx, hc, base, groups, moves, 0, qd, firstPage, quiet)
	rep.ListQuiet = result(quiet.results(qd), "list")
	loaded := newTape()
	ops, elapsed := mixedWithProbe(ctx, hc, base, groups, moves, o.clients, o.duration, firstPage, loaded)
	if err := ctx.Err(); err != nil {
		return err
	}
	rep.ListLoaded = result(loaded.results(elapsed), "list")
	rep.MovesLoaded = result(ops, "move")
	fmt.Fprintf(out, "\nreads under write load: a list page (20 boxes, filtered) from one client\n")
	fmt.Fprintf(out, "  %-34s %8s %9s %9s %9s %7s\n", "", "count", "p50 ms", "p95 ms", "p99 ms", "errors")
	for _, x := range []struct {
		what string
		r    opResult
	}{{"alone", rep.ListQuiet}, {fmt.Sprintf("while %d clients move boxes", o.clients), rep.ListLoaded}} {
		fmt.Fprintf(out, "  %-34s %8d %9.2f %9.2f %9.2f %7d\n", x.what, x.r.Count, ms(x.r.P50), ms(x.r.P95), ms(x.r.P99), x.r.Errors)
	}
	fmt.Fprintf(out, "  moves meanwhile: %.0f /s, p95 %.1f ms\n", rep.MovesLoaded.Rate, ms(rep.MovesLoaded.P95))
	for _, e := range rep.ListLoaded.FirstErrors {
		fmt.Fprintf(out, "error in list under load: %s\n", e)
	}
	return nil
}
