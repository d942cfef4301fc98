package catalog

import (
	"bytes"
	"context"
	"embed"
	"fmt"

	"abri/internal/db"
)

// The seed is the ASSORT v1 standard product list and its size ranges and
// units, from the Boxtribute project under the Apache License 2.0: the
// attribution (seed/README.md) and the licence text ship with it.
//
//go:embed seed/*.csv seed/*.md
var seedFS embed.FS

// SeedData is the parsed, cross-checked seed.
type SeedData struct {
	Ranges   []SeedRange
	Units    []Unit
	Products []StandardProduct
	Names    []Translation // seed/names.csv: the names in French and Arabic
}

// LoadSeed parses the embedded seed files and checks that every product's
// size range exists and that every translation names something the seed
// holds.
func LoadSeed() (SeedData, error) {
	read := func(name string) (*bytes.Reader, error) {
		b, err := seedFS.ReadFile("seed/" + name)
		if err != nil {
			return nil, fmt.Errorf("catalogue seed: %w", err)
		}
		return bytes.NewReader(b), nil
	}
	var sd SeedData
	r, err := read("size-ranges.csv")
	if err != nil {
		return sd, err
	}
	if sd.Ranges, err = ParseSizeRanges(r); err != nil {
		return sd, fmt.Errorf("catalogue seed: %w", err)
	}
	if r, err = read("units.csv"); err != nil {
		return sd, err
	}
	if sd.Units, err = ParseUnits(r); err != nil {
		return sd, fmt.Errorf("catalogue seed: %w", err)
	}
	if r, err = read("assort-v1-products.csv"); err != nil {
		return sd, err
	}
	if sd.Products, err = ParseProducts(r); err != nil {
		return sd, fmt.Errorf("catalogue seed: %w", err)
	}
	ranges := map[int64]bool{}
	for _, sr := range sd.Ranges {
		ranges[sr.ID] = true
	}
	for _, p := range sd.Products {
		if !ranges[p.SizeRangeID] {
			return sd, fmt.Errorf("catalogue seed: assort-v1-products.csv line %d: size range %d is not in size-ranges.csv", p.Line, p.SizeRangeID)
		}
	}
	if r, err = read("names.csv"); err != nil {
		return sd, err
	}
	if sd.Names, err = ParseNames(r); err != nil {
		return sd, fmt.Errorf("catalogue seed: %w", err)
	}
	return sd, checkNames(sd)
}

// seedLock is the PostgreSQL advisory lock that keeps two servers starting
// at once from both inserting the standard products.
const seedLock = 7426002

// Seed loads the standard catalogue — size ranges with their sizes, units,
// categories and the standard products — into the database. It only adds
// what is missing, so running it again adds nothing. The standard catalogue
// is shared by every organisation and belongs to none, so no ledger event is
// written: the seed files are its record.
func Seed(ctx context.Context, tx *db.Tx) error {
	sd, err := LoadSeed()
	if err != nil {
		return err
	}
	if tx.Dialect() == db.Postgres {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", seedLock); err != nil {
			return fmt.Errorf("catalogue seed: lock: %w", err)
		}
	}
	// Every start seeds: when everything the files hold is there already,
	// one query says so instead of some 400 inserts that would add nothing.
	sizes := 0
	for _, sr := range sd.Ranges {
		sizes += len(sr.Sizes)
	}
	var nr, ns, nu, np int
	if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM size_ranges), (SELECT COUNT(*) FROM sizes), (SELECT COUNT(*) FROM units),
		(SELECT COUNT(*) FROM products WHERE base_id IS NULL AND standard_id IS NOT NULL)`).Scan(&nr, &ns, &nu, &np); err != nil {
		return fmt.Errorf("catalogue seed: count: %w", err)
	}
	if nr == len(sd.Ranges) && ns == sizes && nu == len(sd.Units) && np == len(sd.Products) {
		return nil
	}
	for _, sr := range sd.Ranges {
		if _, err := tx.Exec(ctx, "INSERT INTO size_ranges (id, name, measure) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
			sr.ID, sr.Name, sr.Measure); err != nil {
			return fmt.Errorf("catalogue seed: size range %d: %w", sr.ID, err)
		}
		for i, label := range sr.Sizes {
			if _, err := tx.Exec(ctx, "INSERT INTO sizes (range_id, position, label) VALUES (?, ?, ?) ON CONFLICT (range_id, position) DO NOTHING",
				sr.ID, i+1, label); err != nil {
				return fmt.Errorf("catalogue seed: size %d of range %d: %w", i+1, sr.ID, err)
			}
		}
	}
	for _, u := range sd.Units {
		if _, err := tx.Exec(ctx, "INSERT INTO units (symbol, name, per_base_unit, dimension) VALUES (?, ?, ?, ?) ON CONFLICT (symbol) DO NOTHING",
			u.Symbol, u.Name, u.PerBaseUnit, u.Dimension); err != nil {
			return fmt.Errorf("catalogue seed: unit %s: %w", u.Symbol, err)
		}
	}

	categories := map[string]int64{}
	for _, p := range sd.Products {
		if _, ok := categories[p.Category]; ok {
			continue
		}
		categories[p.Category] = 0
		if _, err := tx.Exec(ctx, "INSERT INTO categories (name) VALUES (?) ON CONFLICT (name) DO NOTHING", p.Category); err != nil {
			return fmt.Errorf("catalogue seed: category %q: %w", p.Category, err)
		}
	}
	rows, err := tx.Query(ctx, "SELECT id, name FROM categories")
	if err != nil {
		return fmt.Errorf("catalogue seed: read categories: %w", err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return fmt.Errorf("catalogue seed: read categories: %w", err)
		}
		categories[name] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("catalogue seed: read categories: %w", err)
	}

	have := map[int64]bool{}
	rows, err = tx.Query(ctx, "SELECT standard_id FROM products WHERE base_id IS NULL AND standard_id IS NOT NULL")
	if err != nil {
		return fmt.Errorf("catalogue seed: read products: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("catalogue seed: read products: %w", err)
		}
		have[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("catalogue seed: read products: %w", err)
	}
	for _, p := range sd.Products {
		if have[p.ID] {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO products (org_id, base_id, category_id, name, gender, size_range_id, standard_id, created_at)
			VALUES (NULL, NULL, ?, ?, ?, ?, ?, ?)`,
			categories[p.Category], p.Name, p.Gender, p.SizeRangeID, p.ID, db.Micros(tx.Now)); err != nil {
			return fmt.Errorf("catalogue seed: product %d (line %d): %w", p.ID, p.Line, err)
		}
	}
	return nil
}
