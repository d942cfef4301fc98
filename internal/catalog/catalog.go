// Package catalog is the relief-item catalogue: categories, size ranges and
// their sizes, units for measured goods (kg, l), and products. The standard
// products (ASSORT v1, seeded from seed/) are shared by every base; a base may
// add its own products and hide standard ones it never handles.
package catalog

import (
	"context"
	"fmt"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
)

// Gender codes of a product. Stored as these codes and shown through the
// translation keys "catalog.gender.<code>"; "" means the product has none.
const (
	GenderNone        = ""
	GenderFemale      = "female"
	GenderMale        = "male"
	GenderUnisexAdult = "unisex_adult"
	GenderGirl        = "girl"
	GenderBoy         = "boy"
	GenderUnisexKid   = "unisex_kid"
	GenderUnisexBaby  = "unisex_baby"
)

// Genders lists every gender code, in the order a form shows them.
var Genders = []string{GenderNone, GenderFemale, GenderMale, GenderUnisexAdult, GenderGirl, GenderBoy, GenderUnisexKid, GenderUnisexBaby}

// seedGenders maps the labels of the ASSORT file to codes.
var seedGenders = map[string]string{
	"-":            GenderNone,
	"Female":       GenderFemale,
	"Male":         GenderMale,
	"Unisex Adult": GenderUnisexAdult,
	"Girl":         GenderGirl,
	"Boy":          GenderBoy,
	"Unisex Kid":   GenderUnisexKid,
	"Unisex Baby":  GenderUnisexBaby,
}

func genderFromSeed(s string) (string, bool) {
	g, ok := seedGenders[s]
	return g, ok
}

// ValidGender tells whether g is a gender code.
func ValidGender(g string) bool {
	for _, x := range Genders {
		if x == g {
			return true
		}
	}
	return false
}

// GenderKey is the translation key of a gender code.
func GenderKey(g string) string {
	if g == "" {
		g = "none"
	}
	return "catalog.gender." + g
}

// Category groups products ("Shelter", "Hygiene").
type Category struct {
	ID   int64
	Name string
}

// Size is one size of a range; boxes refer to it by range and position.
type Size struct {
	Position int64
	Label    string
}

// SizeRange is a set of sizes in display order. A measured range has a
// Measure ("mass" or "volume") and no sizes: its goods are counted in units.
type SizeRange struct {
	ID      int64
	Name    string
	Measure string
	Sizes   []Size
}

// Measured tells whether goods of this range are weighed or measured rather
// than counted by size.
func (r SizeRange) Measured() bool { return r.Measure != "" }

// Product is an item a box can hold.
type Product struct {
	ID            int64
	Name          string
	Gender        string
	CategoryID    int64
	CategoryName  string
	SizeRangeID   int64
	SizeRangeName string
	Measure       string // the size range's measure, "" for counted goods
	StandardID    int64  // the ASSORT id of a standard product, 0 for a base's own
	BaseID        int64  // 0 for a standard product
	Hidden        bool   // hidden in the actor's base (only set by AllProducts)
}

// Standard tells whether the product is from the shared standard catalogue.
func (p Product) Standard() bool { return p.BaseID == 0 }

const productCols = `p.id, p.name, p.gender, p.category_id, c.name, p.size_range_id, r.name, r.measure,
	COALESCE(p.standard_id, 0), COALESCE(p.base_id, 0),
	EXISTS (SELECT 1 FROM products_hidden h WHERE h.base_id = ? AND h.product_id = p.id)`

const productFrom = ` FROM products p
	JOIN categories c ON c.id = p.category_id
	JOIN size_ranges r ON r.id = p.size_range_id
	WHERE (p.base_id IS NULL OR (p.base_id = ? AND p.org_id = ?))`

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var p Product
	err := sc.Scan(&p.ID, &p.Name, &p.Gender, &p.CategoryID, &p.CategoryName, &p.SizeRangeID, &p.SizeRangeName, &p.Measure,
		&p.StandardID, &p.BaseID, &p.Hidden)
	return p, err
}

// Products lists the products the actor's base uses: the standard ones and
// the base's own, minus those the base has hidden; by category, then name.
func Products(ctx context.Context, q db.Queryer, actor access.Actor) ([]Product, error) {
	return listProducts(ctx, q, actor, false)
}

// AllProducts is Products with the hidden ones too, marked Hidden, for the
// screen where a base chooses what to hide.
func AllProducts(ctx context.Context, q db.Queryer, actor access.Actor) ([]Product, error) {
	return listProducts(ctx, q, actor, true)
}

func listProducts(ctx context.Context, q db.Queryer, actor access.Actor, withHidden bool) ([]Product, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return nil, err
	}
	where := ""
	args := []any{actor.BaseID, actor.BaseID, actor.OrgID}
	if !withHidden {
		where = " AND NOT EXISTS (SELECT 1 FROM products_hidden h2 WHERE h2.base_id = ? AND h2.product_id = p.id)"
		args = append(args, actor.BaseID)
	}
	rows, err := q.Query(ctx, "SELECT "+productCols+productFrom+where+" ORDER BY c.name, p.name, p.gender, p.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var ps []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// GetProduct returns one product the actor's base can use, hidden or not.
// Another base's or organisation's product is NotFound.
func GetProduct(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Product, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return Product{}, err
	}
	p, err := scanProduct(q.QueryRow(ctx, "SELECT "+productCols+productFrom+" AND p.id = ?", actor.BaseID, actor.BaseID, actor.OrgID, id))
	if db.IsNoRows(err) {
		return p, apperr.ErrNotFound()
	}
	if err != nil {
		return p, fmt.Errorf("read product: %w", err)
	}
	return p, nil
}

// Categories lists the categories, by name.
func Categories(ctx context.Context, q db.Queryer, actor access.Actor) ([]Category, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT id, name FROM categories ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	defer rows.Close()
	var cs []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, fmt.Errorf("list categories: %w", err)
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// SizeRanges lists the size ranges by id, each with its sizes in order.
func SizeRanges(ctx context.Context, q db.Queryer, actor access.Actor) ([]SizeRange, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.measure, s.position, s.label
		FROM size_ranges r LEFT JOIN sizes s ON s.range_id = r.id ORDER BY r.id, s.position`)
	if err != nil {
		return nil, fmt.Errorf("list size ranges: %w", err)
	}
	defer rows.Close()
	var rs []SizeRange
	for rows.Next() {
		var r SizeRange
		var pos *int64
		var label *string
		if err := rows.Scan(&r.ID, &r.Name, &r.Measure, &pos, &label); err != nil {
			return nil, fmt.Errorf("list size ranges: %w", err)
		}
		if n := len(rs); n == 0 || rs[n-1].ID != r.ID {
			rs = append(rs, r)
		}
		if pos != nil && label != nil {
			last := &rs[len(rs)-1]
			last.Sizes = append(last.Sizes, Size{Position: *pos, Label: *label})
		}
	}
	return rs, rows.Err()
}

// Units lists the units for measured goods, by dimension and then from the
// base unit (kg, l) outwards as the seed orders them.
func Units(ctx context.Context, q db.Queryer, actor access.Actor) ([]Unit, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT symbol, name, per_base_unit, dimension FROM units ORDER BY dimension, per_base_unit <> 1, name")
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	defer rows.Close()
	var us []Unit
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.Symbol, &u.Name, &u.PerBaseUnit, &u.Dimension); err != nil {
			return nil, fmt.Errorf("list units: %w", err)
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// normaliseName trims a name and checks it: required, at most 100
// characters, no control characters.
func normaliseName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.New(apperr.Invalid, "catalog.error.name_required")
	}
	if n := len([]rune(s)); n > 100 {
		return "", apperr.New(apperr.Invalid, "catalog.error.name_long", 100)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return "", apperr.New(apperr.Invalid, "catalog.error.name_invalid")
		}
	}
	return s, nil
}
