package stock_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"abri/internal/db"
	"abri/internal/stock"
)

// BenchmarkStock measures the warehouse at 100,000 boxes and 1,000,000
// ledger events in one base (see benchdata_test.go), on SQLite and on
// PostgreSQL (when ABRI_TEST_POSTGRES is set), next to the raw single-row
// commit rate of the same database. The targets: a box by code under
// 2 ms at the 95th percentile, a filtered list page under 20 ms in at most 3
// queries, the overview under 100 ms, an export of every box under 2 s.
// Results and command lines are in docs/benchmarks.md.
//
// Custom metrics: p50-ms, p95-ms, p99-ms (per call), cpu-ms/op (processor
// time of the whole process per call: on a busy machine, what the call costs
// apart from waiting), queries/op (statements the call sends, counted on a
// second handle), roundtrips/op (on PostgreSQL, how many times the call
// waited for the server; MoveBox), and rates per second.
func BenchmarkStock(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			e := openBench(b, dialect)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			code := func() string { return e.codes[rng.IntN(len(e.codes))] }

			b.Run("BoxByCode", func(b *testing.B) {
				q := e.countQueries(b, func(s *stock.Service) error { _, err := s.Box(ctx, e.actor, code()); return err })
				e.timed(b, func() error { _, err := e.s.Box(ctx, e.actor, code()); return err })
				b.ReportMetric(q, "queries/op")
			})

			// A page from the middle of the list, as the thousandth page of
			// a scroll or a cursor kept from yesterday.
			var mid int64
			if err := e.d.QueryRow(ctx, "SELECT id FROM boxes ORDER BY id LIMIT 1 OFFSET ?", len(e.codes)/2).Scan(&mid); err != nil {
				b.Fatal(err)
			}
			inStock := []stock.State{stock.InStock}
			for _, c := range []struct {
				name string
				f    stock.Filter
			}{
				{"state", stock.Filter{States: inStock}},
				{"product", stock.Filter{ProductID: e.popular.ID}},
				{"product+size", stock.Filter{ProductID: e.popular.ID, Size: e.popSize, States: inStock}},
				{"location", stock.Filter{LocationID: e.location, States: inStock}},
				{"gender", stock.Filter{Gender: "male", States: inStock}},
				{"rare-category", stock.Filter{CategoryID: e.rare.ID}},
				{"rare-gender", stock.Filter{Gender: e.rareSex}},
				{"tag", stock.Filter{Tag: e.tag}},
				{"rare-tag", stock.Filter{Tag: e.rareTag}},
				{"last-month", stock.Filter{CreatedFrom: benchT0.Add(time.Duration(benchBoxes-9000) * 5 * time.Minute)}},
				{"page-1000", stock.Filter{States: inStock, Cursor: strconv.FormatInt(mid, 36)}},
			} {
				b.Run("ListPage/"+c.name, func(b *testing.B) {
					var n int
					q := e.countQueries(b, func(s *stock.Service) error {
						p, err := s.List(ctx, e.actor, c.f)
						n = len(p.Boxes)
						return err
					})
					if n == 0 {
						b.Fatalf("the filter %+v selects nothing", c.f)
					}
					e.timed(b, func() error { _, err := e.s.List(ctx, e.actor, c.f); return err })
					b.ReportMetric(q, "queries/op")
					b.ReportMetric(float64(n), "boxes/page")
				})
			}

			b.Run("Overview", func(b *testing.B) {
				var rows int
				q := e.countQueries(b, func(s *stock.Service) error {
					r, err := s.Overview(ctx, e.actor, nil)
					rows = len(r)
					return err
				})
				e.timed(b, func() error { _, err := e.s.Overview(ctx, e.actor, nil); return err })
				b.ReportMetric(q, "queries/op")
				b.ReportMetric(float64(rows), "rows")
			})

			// What a CSV export of the whole warehouse does: stream every
			// box and write a line for it.
			export := func(s *stock.Service) (int, error) {
				w := csv.NewWriter(io.Discard)
				n := 0
				err := s.Each(ctx, e.actor, stock.Filter{}, func(bx stock.Box) error {
					n++
					return w.Write([]string{bx.Code, bx.CategoryName, bx.ProductName, bx.Gender, bx.Size,
						strconv.FormatFloat(bx.Quantity(), 'f', -1, 64), strconv.FormatInt(bx.Items, 10), bx.LocationName,
						string(bx.State), bx.ExpiresOn, bx.Comment, fmt.Sprint(bx.Tags), bx.CreatedAt.Format(time.RFC3339)})
				})
				w.Flush()
				return n, err
			}
			b.Run("ExportAll", func(b *testing.B) {
				q := e.countQueries(b, func(s *stock.Service) error {
					n, err := export(s)
					if err == nil && n != benchBoxes {
						err = fmt.Errorf("exported %d boxes", n)
					}
					return err
				})
				e.timed(b, func() error { _, err := export(e.s); return err })
				b.ReportMetric(q, "queries/op")
				b.ReportMetric(float64(benchBoxes)*float64(b.N)/b.Elapsed().Seconds(), "boxes/s")
			})

			b.Run("History", func(b *testing.B) {
				var entries int
				q := e.countQueries(b, func(s *stock.Service) error {
					h, err := s.History(ctx, e.actor, code(), stock.HistoryQuery{})
					entries = len(h.Entries)
					return err
				})
				e.timed(b, func() error { _, err := e.s.History(ctx, e.actor, code(), stock.HistoryQuery{}); return err })
				b.ReportMetric(q, "queries/op")
				b.ReportMetric(float64(entries), "entries")
			})

			// The ceiling: one row inserted and committed per transaction.
			var next atomic.Int64
			var top int64
			if err := e.d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM bench_commits").Scan(&top); err != nil {
				b.Fatal(err)
			}
			next.Store(top)
			commit := func() error {
				return e.d.InTx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO bench_commits (id, v) VALUES (?, ?)", next.Add(1), 1)
					return err
				})
			}
			var locTurn atomic.Int64
			move := func(code string) error {
				to := e.locations[locTurn.Add(1)%int64(len(e.locations))]
				res, err := e.s.MoveBoxes(ctx, e.actor, []string{code}, to)
				if err == nil && res.Changed() != 1 {
					err = fmt.Errorf("move %s: %v", code, res.Outcomes)
				}
				return err
			}
			b.Run("RawCommit", func(b *testing.B) {
				e.timed(b, commit)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			})
			b.Run("MoveBox", func(b *testing.B) {
				q := e.countQueries(b, func(s *stock.Service) error {
					res, err := s.MoveBoxes(ctx, e.actor, []string{e.movable[rng.IntN(len(e.movable))]}, e.locations[0])
					if err == nil && res.Changed() != 1 {
						err = fmt.Errorf("move: %v", res.Outcomes)
					}
					return err
				})
				trips := e.trips
				e.timed(b, func() error { return move(e.movable[rng.IntN(len(e.movable))]) })
				b.ReportMetric(q, "queries/op")
				if dialect == "postgres" {
					b.ReportMetric(trips, "roundtrips/op")
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "moves/s")
			})
			// 32 at once, as 32 volunteers scanning (16 per CPU on 2 CPUs).
			b.Run("RawCommit-32", func(b *testing.B) {
				b.SetParallelism(16)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := commit(); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			})
			b.Run("MoveBox-32", func(b *testing.B) {
				b.SetParallelism(16)
				var seed atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(seed.Add(1), 9))
					for pb.Next() {
						if err := move(e.movable[r.IntN(len(e.movable))]); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "moves/s")
			})
		})
	}
}

// timed runs fn b.N times, timing each call, and reports the percentiles.
func (e *benchEnv) timed(b *testing.B, fn func() error) {
	b.Helper()
	durs := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t))
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(durs)))) - 1
		return float64(durs[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	// Processor time of the whole process (this client, and for SQLite the
	// database too), per call.
	b.ReportMetric(float64(cpu)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
}

// countQueries runs fn a few times on the counted handle and returns how
// many statements one call sends, to report after timing (ResetTimer drops
// metrics reported before it).
func (e *benchEnv) countQueries(b *testing.B, fn func(*stock.Service) error) float64 {
	b.Helper()
	const runs = 3
	s := stock.New(e.counted)
	if err := fn(s); err != nil { // warm: connections, prepared statements
		b.Fatal(err)
	}
	e.counter.reset()
	for i := 0; i < runs; i++ {
		if err := fn(s); err != nil {
			b.Fatal(err)
		}
	}
	e.trips = float64(e.counter.roundTrips()) / runs
	return float64(e.counter.count()) / runs
}
