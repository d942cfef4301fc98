package stock_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/stock"
)

// The benchmark data set: one base with 100,000 boxes and 1,000,000 ledger
// events, as a group's busy main warehouse would hold after years of work,
// or a hosted instance's biggest base.
//
// The organisation, its users, locations, tags and products are made through
// the domains. The boxes and events are inserted with bulk SQL, for speed:
// they have the shape the domain writes (real codes with their check symbol,
// sizes of the product's range, payloads like box.created and box.moved),
// but the generated events do not form a valid hash chain, so `abri verify`
// would report the data set broken. Nothing benchmarked reads the hashes.
//
// Building it takes a while, so it is kept between runs: SQLite in a file
// in os.TempDir(), PostgreSQL in the schema benchSchema of the test server.
// Set ABRI_BENCH_REBUILD=1 to build it again.
const (
	benchBoxes   = 100_000
	benchEvents  = 1_000_000
	benchVersion = "v3" // bump when the data set changes shape
	benchSchema  = "abri_bench_stock_" + benchVersion
	benchLocs    = 30
	benchTags    = 5
)

var benchT0 = time.Date(2025, 11, 1, 8, 0, 0, 0, time.UTC)

// benchEnv is an opened benchmark data set.
type benchEnv struct {
	d       *db.DB // timed calls
	counted *db.DB // the same database, its statements counted
	counter *queryCounter
	trips   float64 // round trips a call, on PostgreSQL, as countQueries last counted them
	s       *stock.Service
	actor   access.Actor // the warehouse volunteer of the base
	codes   []string     // every box's code
	movable []string     // the codes of boxes in stock: moved between shelves, they stay in stock
	// What the filters of the list benchmarks ask for.
	popular   catalog.Product // the product with the most boxes
	popSize   string          // its most common size
	rare      catalog.Category
	rareSex   string // the gender with the fewest boxes
	location  int64
	tag       string // on 2% of the boxes
	rareTag   string // on 20 boxes
	locations []int64
}

func openBench(b *testing.B, dialect string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	dsn := benchDSN(b, dialect, "abri-bench-stock-"+benchVersion+".db", benchSchema)
	counter := &queryCounter{}
	var countedDSN string
	switch dialect {
	case "sqlite":
		counter = countSQLite()
		countedDSN = dsn + "?" + sqliteCountParam
	case "postgres":
		countedDSN = pgCountingProxy(b, dsn, counter)
	}
	d := openBenchSet(b, dialect, dsn, benchBoxes, benchEvents, func(d *db.DB) { buildBench(b, d) })
	// Read the data set once, so that the benchmarks measure a server whose
	// working set is in memory. Cold, a box's history is ten random reads of
	// the disk: on the machine of docs/benchmarks.md that made it 10-40 ms.
	for _, q := range []string{
		"SELECT SUM(LENGTH(payload)) FROM ledger",
		"SELECT COUNT(*) FROM ledger WHERE org_id > 0 AND entity = 'box' AND entity_id > 0",
		"SELECT SUM(items + LENGTH(code)) FROM boxes",
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	counted, err := db.Open(ctx, countedDSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { counted.Close() })
	return loadBench(b, d, counted, counter)
}

// benchDSN names a benchmark data set kept between runs: SQLite in the
// file file of os.TempDir(), PostgreSQL in the schema schema of the test
// server (skipping when there is none). ABRI_BENCH_REBUILD=1 empties it.
func benchDSN(b *testing.B, dialect, file, schema string) string {
	b.Helper()
	rebuild := os.Getenv("ABRI_BENCH_REBUILD") == "1"
	if dialect == "sqlite" {
		path := filepath.Join(os.TempDir(), file)
		if rebuild {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
		return path
	}
	base := os.Getenv(dbtest.EnvPostgres)
	if base == "" {
		b.Skipf("%s not set", dbtest.EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if rebuild {
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + schema); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openBenchSet opens and migrates the data set at dsn, first building it
// with build when it is empty.
func openBenchSet(b *testing.B, dialect, dsn string, wantBoxes, wantEvents int64, build func(*db.DB)) *db.DB {
	b.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var boxes, events int64
	if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM boxes), (SELECT COUNT(*) FROM ledger)").Scan(&boxes, &events); err != nil {
		b.Fatal(err)
	}
	if boxes != wantBoxes || events < wantEvents {
		if boxes != 0 {
			b.Fatalf("the %s benchmark data set %s is incomplete (%d boxes, %d events): set ABRI_BENCH_REBUILD=1", dialect, dsn, boxes, events)
		}
		start := time.Now()
		build(d)
		b.Logf("built the %s data set in %s", dialect, time.Since(start).Round(time.Second))
	}
	return d
}

// benchBase is a benchmark data set's organisation and base: its warehouse
// volunteer, its shelves, and the sizes of each size range.
type benchBase struct {
	actor   access.Actor
	locs    []int64
	ranges  []catalog.SizeRange
	sizesOf map[int64][]string
}

// newBenchBase makes it through the domains, in an empty database: the
// standard catalogue, an organisation with one base, its volunteer and
// nlocs shelves A1, A2, ….
func newBenchBase(b *testing.B, d *db.DB, slug, name, email string, nlocs int) benchBase {
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
	acc := account.New(d)
	org, base, err := acc.CreateOrganisation(ctx, slug, name, "Main warehouse")
	must(err)
	sys := access.SystemActor(org.ID, base.ID)
	u, err := acc.AddUser(ctx, sys, account.NewUser{Email: email, Name: "Bench volunteer", BaseID: base.ID, Role: access.Warehouse})
	must(err)
	bb := benchBase{actor: access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Warehouse}, sizesOf: map[int64][]string{}}
	pl := place.New(d)
	for i := 0; i < nlocs; i++ {
		l, err := pl.CreateLocation(ctx, bb.actor, place.LocationInput{Name: fmt.Sprintf("%c%d", 'A'+i/10, i%10+1), Kind: place.LocationShelf})
		must(err)
		bb.locs = append(bb.locs, l.ID)
	}
	bb.ranges, err = catalog.SizeRanges(ctx, d, bb.actor)
	must(err)
	for _, r := range bb.ranges {
		for _, s := range r.Sizes {
			bb.sizesOf[r.ID] = append(bb.sizesOf[r.ID], s.Label)
		}
	}
	return bb
}

// buildBench makes the data set in an empty, migrated database.
func buildBench(b *testing.B, d *db.DB) {
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	bb := newBenchBase(b, d, "bench", "Bench warehouse", "warehouse@bench.invalid", benchLocs)
	actor, locs, sizesOf := bb.actor, bb.locs, bb.sizesOf
	cats, err := catalog.Categories(ctx, d, actor)
	must(err)
	for _, r := range bb.ranges {
		if r.Measure != "" {
			cat := cats[0].ID
			for _, c := range cats {
				if c.Name == "Food & Kitchen" {
					cat = c.ID
				}
			}
			_, err := catalog.New(d).AddProduct(ctx, actor, catalog.NewProduct{Name: "Bulk " + r.Measure, CategoryID: cat, SizeRangeID: r.ID})
			must(err)
		}
	}
	products, err := catalog.Products(ctx, d, actor)
	must(err)
	var tagIDs []int64
	for _, name := range []string{"winter", "urgent", "kit", "repair", "rare"} {
		var id int64
		must(d.InTx(ctx, func(tx *db.Tx) (err error) {
			id, err = tx.InsertID(ctx, "INSERT INTO tags (org_id, base_id, name) VALUES (?, ?, ?)", actor.OrgID, actor.BaseID, name)
			return err
		}))
		tagIDs = append(tagIDs, id)
	}
	// The setup above wrote ledger events of its own: generated ones follow.
	var seq0 int64
	must(d.QueryRow(ctx, "SELECT seq FROM ledger_heads WHERE org_id = ?", actor.OrgID).Scan(&seq0))

	// Popular goods are most of a warehouse: a fifth of the products hold
	// two thirds of the boxes.
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() catalog.Product {
		if rng.IntN(3) < 2 {
			return products[rng.IntN(len(products)/5)]
		}
		return products[rng.IntN(len(products))]
	}
	states := []stock.State{}
	for s, n := range map[stock.State]int{stock.InStock: 85, stock.Reserved: 5, stock.HandedOut: 5, stock.Scrap: 3, stock.Lost: 1, stock.InTransit: 1} {
		for i := 0; i < n; i++ {
			states = append(states, s)
		}
	}
	const cols = 17
	const rowsPer = 1000
	seen := map[string]bool{}
	must(d.InTx(ctx, func(tx *db.Tx) error {
		args := make([]any, 0, rowsPer*cols)
		flush := func(n int) error {
			if n == 0 {
				return nil
			}
			row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
			q := `INSERT INTO boxes (org_id, base_id, code, product_id, category_id, gender, size, measure, items, location_id, state,
				expires_on, comment, version, created_by, created_at, updated_at) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
			_, err := tx.Exec(ctx, q, args...)
			args = args[:0]
			return err
		}
		for i := 0; i < benchBoxes; i++ {
			p := pick()
			code := stock.NewCode()
			for seen[code] {
				code = stock.NewCode()
			}
			seen[code] = true
			size, measure := "", int64(0)
			if p.Measure != "" {
				measure = int64(1000 + rng.IntN(20_000))
			} else if ss := sizesOf[p.SizeRangeID]; len(ss) > 0 {
				size = ss[rng.IntN(len(ss))]
			}
			expires, comment := "", ""
			if rng.IntN(10) == 0 {
				expires = benchT0.AddDate(0, 3+rng.IntN(24), 0).Format("2006-01-02")
			}
			if rng.IntN(20) == 0 {
				comment = "checked, a few items worn"
			}
			at := db.Micros(benchT0.Add(time.Duration(i) * 5 * time.Minute))
			args = append(args, actor.OrgID, actor.BaseID, code, p.ID, p.CategoryID, p.Gender, size, measure, int64(1+rng.IntN(40)), locs[rng.IntN(len(locs))],
				string(states[rng.IntN(len(states))]), expires, comment, int64(1+rng.IntN(10)), actor.UserID, at, at)
			if len(args) == rowsPer*cols {
				if err := flush(rowsPer); err != nil {
					return err
				}
			}
		}
		if err := flush(len(args) / cols); err != nil {
			return err
		}
		// One box in ten has one of the common tags; twenty boxes have a
		// rare one.
		if _, err := tx.Exec(ctx, `INSERT INTO box_tags (box_id, tag_id) SELECT id, ? + (id / 10) % ? FROM boxes WHERE id % 10 = 0`,
			tagIDs[0], benchTags-1); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO box_tags (box_id, tag_id) SELECT id, ? FROM boxes WHERE id % 5000 = 7`, tagIDs[benchTags-1]); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		// The stock totals the domain keeps.
		if _, err := tx.Exec(ctx, `INSERT INTO stock_totals (org_id, base_id, product_id, size, location_id, state, boxes, items, measure)
			SELECT org_id, base_id, product_id, size, location_id, state, COUNT(*), SUM(items), SUM(measure)
			FROM boxes GROUP BY org_id, base_id, product_id, size, location_id, state`); err != nil {
			return fmt.Errorf("totals: %w", err)
		}
		var first int64
		if err := tx.QueryRow(ctx, "SELECT MIN(id) FROM boxes").Scan(&first); err != nil {
			return err
		}
		// Events: every box's box.created, then box.moved events spread
		// over the boxes, each between two of the base's shelves.
		// PostgreSQL needs the type of a parameter it cannot infer.
		n, bytes := "CAST(? AS BIGINT)", "CAST(? AS BYTEA)"
		series := "generate_series(1, " + n + ") AS g(n)"
		if tx.Dialect() == db.SQLite {
			n, bytes = "?", "?"
			series = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ?) SELECT n FROM s) AS g"
		}
		hash := make([]byte, 32)
		loc := func(k int) string { return fmt.Sprintf("(%d + (g.n + %d) %% %d)", locs[0], k, benchLocs) }
		q := `INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, entity, entity_id, payload, prev_hash, hash)
			SELECT ` + n + `, ` + n + ` + g.n, ` + n + ` + g.n * 1000000, ` + n + `, ` + n + `,
				CASE WHEN g.n <= ` + n + ` THEN 'box.created' ELSE 'box.moved' END, 'box', b.id,
				CASE WHEN g.n <= ` + n + `
				THEN '{"code":"' || b.code || '","items":12,"location_id":' || b.location_id || ',"product_id":' || b.product_id || ',"state":"in_stock"}'
				ELSE '{"code":"' || b.code || '","location_id":{"from":' || ` + loc(0) + ` || ',"to":' || ` + loc(1) + ` || '}}'
				END, ` + bytes + `, ` + bytes + `
			FROM ` + series + ` JOIN boxes b ON b.id = ` + n + ` + (CASE WHEN g.n <= ` + n + ` THEN g.n - 1 ELSE (g.n * 7919) % ` + n + ` END)`
		if _, err := tx.Exec(ctx, q, actor.OrgID, seq0, db.Micros(benchT0), actor.BaseID, actor.UserID, benchBoxes, benchBoxes, hash, hash,
			benchEvents, first, benchBoxes, benchBoxes); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		_, err := tx.Exec(ctx, "UPDATE ledger_heads SET seq = ?, hash = ? WHERE org_id = ?", seq0+benchEvents, hash, actor.OrgID)
		return err
	}))
	// PostgreSQL's autovacuum would gather statistics soon after such a load;
	// do it now. SQLite gathers none unless asked, and abri does not ask, so
	// its planner works as it would in the field.
	if d.Dialect == db.Postgres {
		_, err := d.Exec(ctx, "ANALYZE")
		must(err)
	}
	_, err = d.Exec(ctx, "CREATE TABLE IF NOT EXISTS bench_commits (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)")
	must(err)
}

// loadBench reads what the benchmarks need from a built data set.
func loadBench(b *testing.B, d, counted *db.DB, counter *queryCounter) *benchEnv {
	ctx := context.Background()
	e := &benchEnv{d: d, counted: counted, counter: counter, s: stock.New(d)}
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	var uid, org, base int64
	must(d.QueryRow(ctx, "SELECT u.id, u.org_id, m.base_id FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = 'warehouse@bench.invalid'").
		Scan(&uid, &org, &base))
	e.actor = access.Actor{UserID: uid, OrgID: org, BaseID: base, Role: access.Warehouse}
	rows, err := d.Query(ctx, "SELECT code, state FROM boxes ORDER BY id")
	must(err)
	for rows.Next() {
		var c, st string
		must(rows.Scan(&c, &st))
		e.codes = append(e.codes, c)
		if st == string(stock.InStock) {
			e.movable = append(e.movable, c)
		}
	}
	rows.Close()
	var pid int64
	must(d.QueryRow(ctx, "SELECT product_id, size FROM boxes GROUP BY product_id, size ORDER BY COUNT(*) DESC, product_id LIMIT 1").Scan(&pid, &e.popSize))
	e.popular, err = catalog.GetProduct(ctx, d, e.actor, pid)
	must(err)
	// The category with the fewest boxes: a filter that matches little.
	var cid int64
	must(d.QueryRow(ctx, `SELECT p.category_id FROM boxes b JOIN products p ON p.id = b.product_id
		GROUP BY p.category_id ORDER BY COUNT(*), p.category_id LIMIT 1`).Scan(&cid))
	cats, err := catalog.Categories(ctx, d, e.actor)
	must(err)
	for _, c := range cats {
		if c.ID == cid {
			e.rare = c
		}
	}
	rows, err = d.Query(ctx, "SELECT id FROM locations WHERE base_id = ? ORDER BY id", base)
	must(err)
	for rows.Next() {
		var id int64
		must(rows.Scan(&id))
		e.locations = append(e.locations, id)
	}
	rows.Close()
	e.location = e.locations[len(e.locations)/2]
	must(d.QueryRow(ctx, "SELECT name FROM tags WHERE base_id = ? ORDER BY id LIMIT 1", base).Scan(&e.tag))
	must(d.QueryRow(ctx, "SELECT name FROM tags WHERE base_id = ? ORDER BY id DESC LIMIT 1", base).Scan(&e.rareTag))
	must(d.QueryRow(ctx, "SELECT gender FROM boxes WHERE gender <> '' GROUP BY gender ORDER BY COUNT(*), gender LIMIT 1").Scan(&e.rareSex))
	return e
}
