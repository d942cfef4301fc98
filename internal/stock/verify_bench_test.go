package stock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/stock"
)

// BenchmarkVerify measures `abri verify` (ledger.Verify: every hash
// recomputed, every event replayed and compared with the rows) at 100,000
// boxes and 1,000,000 events in one organisation, on SQLite and on
// PostgreSQL (when ABRI_TEST_POSTGRES is set). The target: under a
// minute on the machine of docs/benchmarks.md.
//
// Unlike the data set of BenchmarkStock, this one is a true ledger: the
// events are the domain's box.created and box.moved payloads in a valid hash
// chain, and the boxes and stock totals are what they replay to, so verify
// reads and checks all of it and must find nothing wrong. It is built once
// (about a minute on SQLite, a few on PostgreSQL) and kept between runs
// like BenchmarkStock's; ABRI_BENCH_REBUILD=1 builds it again.
//
// Beside it, the same run measures a floor: reading every ledger row without
// checking anything ("scan"), which verify cannot beat. cpu-s/op is the
// processor time of this process per run (on PostgreSQL the server's own is
// not in it): on a busy machine, what a run costs apart from waiting.
//
// Benchmarks run only under -bench; under CI=true this one skips, so that no
// CI run builds a million events.
func BenchmarkVerify(b *testing.B) {
	if os.Getenv("CI") == "true" {
		b.Skip("CI=true: the verify benchmark builds a million events; run it by hand")
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			d := openVerifyBench(b, dialect)
			ctx := context.Background()
			b.Run("scan", func(b *testing.B) {
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					n, bytes := scanLedger(b, d)
					if n < verifyBenchEvents {
						b.Fatalf("scanned %d entries", n)
					}
					b.ReportMetric(float64(bytes)/(1<<20), "MiB/op")
				}
				b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/op")
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			})
			b.Run("verify", func(b *testing.B) {
				var entries int64
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					rep, err := ledger.Verify(ctx, d)
					if err != nil {
						b.Fatal(err)
					}
					if !rep.OK() || rep.Entries < verifyBenchEvents {
						b.Fatalf("verify: %d entries, broken %v, %d differences: %v", rep.Entries, rep.Broken, rep.Differing, rep.Differences[:min(5, len(rep.Differences))])
					}
					entries = rep.Entries
				}
				s := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(s, "s/op")
				b.ReportMetric(float64(entries)/s, "events/s")
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			})
		})
	}
}

const (
	verifyBenchBoxes   = 100_000
	verifyBenchEvents  = 1_000_000
	verifyBenchVersion = "v1" // bump when the data set changes shape
	verifyBenchSchema  = "abri_bench_verify_" + verifyBenchVersion
	verifyBenchLocs    = 30
)

// openVerifyBench opens the verify data set, building it when it is not
// there.
func openVerifyBench(b *testing.B, dialect string) *db.DB {
	b.Helper()
	dsn := benchDSN(b, dialect, "abri-bench-verify-"+verifyBenchVersion+".db", verifyBenchSchema)
	return openBenchSet(b, dialect, dsn, verifyBenchBoxes, verifyBenchEvents, func(d *db.DB) {
		start := time.Now()
		n := buildVerifyBench(b, d)
		b.Logf("wrote %d events at %.0f events/s (hashes and payloads made as they went)", n, float64(n)/time.Since(start).Seconds())
	})
}

// scanLedger reads every ledger row as verify does, checking nothing.
func scanLedger(b *testing.B, d *db.DB) (n int64, bytes int64) {
	rows, err := d.Query(context.Background(), `SELECT seq, at, base_id, actor_id, kind, version, entity, entity_id, payload, prev_hash, hash
		FROM ledger ORDER BY org_id, seq`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var e ledger.Event
	var at int64
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Version, &e.Entity, &e.EntityID, &payload, &e.PrevHash, &e.Hash); err != nil {
			b.Fatal(err)
		}
		n++
		bytes += int64(len(payload))
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n, bytes
}

// verifyBox is a box as its events leave it.
type verifyBox struct {
	code, size, gender  string
	product, category   int64
	items, measure, loc int64
	version             int64
	created, updated    int64
}

// buildVerifyBench makes the data set in an empty, migrated database: an
// organisation, its warehouse volunteer, shelves and the catalogue through
// the domains, then 100,000 box.created and the rest box.moved events,
// chained and hashed as ledger.Append would, with the boxes and stock
// totals they lead to, all by bulk inserts. It returns the events written.
func buildVerifyBench(b *testing.B, d *db.DB) int64 {
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	bb := newBenchBase(b, d, "verify-bench", "Verify bench", "warehouse@verify.invalid", verifyBenchLocs)
	actor, locs, sizesOf := bb.actor, bb.locs, bb.sizesOf
	products, err := catalog.Products(ctx, d, actor)
	must(err)

	var seq int64
	var prev []byte
	must(d.QueryRow(ctx, "SELECT seq, hash FROM ledger_heads WHERE org_id = ?", actor.OrgID).Scan(&seq, &prev))
	var firstID int64
	must(d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM boxes").Scan(&firstID))
	t0 := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(5, 6))
	boxes := make([]verifyBox, 0, verifyBenchBoxes)
	seen := map[string]bool{}

	const evCols, evRows = 12, 1000
	var written int64
	must(d.InTx(ctx, func(tx *db.Tx) error {
		args := make([]any, 0, evCols*evRows)
		flush := func() error {
			n := len(args) / evCols
			if n == 0 {
				return nil
			}
			row := "(" + strings.TrimSuffix(strings.Repeat("?, ", evCols), ", ") + ")"
			_, err := tx.Exec(ctx, `INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, version, entity, entity_id, payload, prev_hash, hash) VALUES `+
				strings.TrimSuffix(strings.Repeat(row+", ", n), ", "), args...)
			args = args[:0]
			written += int64(n)
			return err
		}
		add := func(box int, p ledger.Payload) (int64, error) {
			seq++
			at := db.Micros(t0) + seq*60_000_000 // a minute apart
			payload, err := json.Marshal(p)
			if err != nil {
				return 0, err
			}
			e := ledger.Event{OrgID: actor.OrgID, Seq: seq, At: db.FromMicros(at), BaseID: actor.BaseID, ActorID: actor.UserID, Kind: p.EventKind(),
				Version: p.EventVersion(), Entity: "box", EntityID: firstID + int64(box), Payload: payload, PrevHash: prev}
			e.Hash = ledger.Hash(e)
			prev = e.Hash
			args = append(args, e.OrgID, e.Seq, at, e.BaseID, e.ActorID, e.Kind, e.Version, e.Entity, e.EntityID, string(payload), e.PrevHash, e.Hash)
			if len(args) == evCols*evRows {
				return at, flush()
			}
			return at, nil
		}
		for i := 0; i < verifyBenchBoxes; i++ {
			p := products[rng.IntN(len(products))]
			code := stock.NewCode()
			for seen[code] {
				code = stock.NewCode()
			}
			seen[code] = true
			bx := verifyBox{code: code, product: p.ID, category: p.CategoryID, gender: string(p.Gender), items: int64(1 + rng.IntN(40)),
				loc: locs[rng.IntN(len(locs))], version: 1}
			if p.Measure != "" {
				bx.items, bx.measure = 0, int64(1000+rng.IntN(20_000))
			} else if ss := sizesOf[p.SizeRangeID]; len(ss) > 0 {
				bx.size = ss[rng.IntN(len(ss))]
			}
			at, err := add(i, stock.BoxCreated{Code: code, Items: bx.items, LocationID: bx.loc, Measure: bx.measure, ProductID: p.ID,
				Size: bx.size, State: stock.InStock})
			if err != nil {
				return err
			}
			bx.created, bx.updated = at, at
			boxes = append(boxes, bx)
		}
		for n := verifyBenchBoxes; n < verifyBenchEvents; n++ {
			i := rng.IntN(len(boxes))
			bx := &boxes[i]
			to := locs[rng.IntN(len(locs))]
			for to == bx.loc {
				to = locs[rng.IntN(len(locs))]
			}
			at, err := add(i, stock.BoxMoved{BoxChange: stock.BoxChange{Code: bx.code, LocationID: &ledger.Delta[int64]{From: bx.loc, To: to}}})
			if err != nil {
				return err
			}
			bx.loc, bx.version, bx.updated = to, bx.version+1, at
		}
		if err := flush(); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE ledger_heads SET seq = ?, hash = ? WHERE org_id = ?", seq, prev, actor.OrgID); err != nil {
			return err
		}
		// The boxes as the events leave them, then their totals.
		const bxCols, bxRows = 18, 1000
		bargs := make([]any, 0, bxCols*bxRows)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", bxCols), ", ") + ")"
		for i := 0; i < len(boxes); i += bxRows {
			bargs = bargs[:0]
			end := min(i+bxRows, len(boxes))
			for j := i; j < end; j++ {
				bx := boxes[j]
				bargs = append(bargs, firstID+int64(j), actor.OrgID, actor.BaseID, bx.code, bx.product, bx.category, bx.gender, bx.size, bx.measure, bx.items,
					bx.loc, string(stock.InStock), "", "", bx.version, actor.UserID, bx.created, bx.updated)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO boxes (id, org_id, base_id, code, product_id, category_id, gender, size, measure, items,
				location_id, state, expires_on, comment, version, created_by, created_at, updated_at) VALUES `+
				strings.TrimSuffix(strings.Repeat(row+", ", end-i), ", "), bargs...); err != nil {
				return fmt.Errorf("boxes: %w", err)
			}
		}
		if tx.Dialect() == db.Postgres {
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('boxes', 'id'), (SELECT MAX(id) FROM boxes))"); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO stock_totals (org_id, base_id, product_id, size, location_id, state, boxes, items, measure)
			SELECT org_id, base_id, product_id, size, location_id, state, COUNT(*), SUM(items), SUM(measure)
			FROM boxes GROUP BY org_id, base_id, product_id, size, location_id, state`)
		return err
	}))
	if d.Dialect == db.Postgres {
		_, err := d.Exec(ctx, "ANALYZE")
		must(err)
	}
	return written
}
