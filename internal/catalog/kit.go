package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// A kit is a product made of others, handed out as one thing: a shelter kit
// is a tent, a sleeping bag, a mat and a tarp. Only a base's own product can
// be a kit (a standard product is shared by every organisation, so one base
// may not change what it is made of). Its components are products the base
// can use, standard or its own. Kits do not nest: a kit holds no kit, and a
// product inside a kit cannot become one, so a kit's contents are always
// one flat list a packing screen can read without recursion.

// Limits of a kit's contents.
const (
	MaxKitComponents = 20  // different products in one kit
	MaxKitQuantity   = 100 // of one product in one kit
)

// KitComponent is one product in a kit and how many of it one kit holds.
// Name and Gender are filled when reading; SetKit needs only ProductID and
// Quantity.
type KitComponent struct {
	ProductID int64
	Quantity  int64
	Name      string
	Gender    string
	Standard  bool // the component is a standard product
}

// KitProduct is one of a base's kits with its contents.
type KitProduct struct {
	ProductID  int64
	Name       string
	Gender     string
	Components []KitComponent // by name
}

// checkKitInput checks what can be checked without the database: at most
// MaxKitComponents, each quantity 1…MaxKitQuantity, no product twice and not
// the kit itself.
func checkKitInput(kitID int64, cs []KitComponent) error {
	if len(cs) > MaxKitComponents {
		return apperr.New(apperr.Invalid, "catalog.error.kit_too_many", MaxKitComponents)
	}
	seen := make(map[int64]bool, len(cs))
	for _, c := range cs {
		if c.Quantity < 1 || c.Quantity > MaxKitQuantity {
			return apperr.New(apperr.Invalid, "catalog.error.kit_quantity", 1, MaxKitQuantity)
		}
		if c.ProductID == kitID {
			return apperr.New(apperr.Invalid, "catalog.error.kit_self")
		}
		if c.ProductID <= 0 {
			return apperr.New(apperr.Invalid, "catalog.error.kit_component_unknown")
		}
		if seen[c.ProductID] {
			return apperr.New(apperr.Invalid, "catalog.error.kit_duplicate")
		}
		seen[c.ProductID] = true
	}
	return nil
}

func byProductID(a, b KitComponent) int { return cmp.Compare(a.ProductID, b.ProductID) }

// placeholders is "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SetKit makes the actor's base's product kitID a kit of the given
// components, replacing what it held; an empty list makes it a plain product
// again. Setting what is already set changes nothing and writes no event.
// It answers the kit's contents as stored, by name.
//
// Another base's or organisation's product is NotFound. A standard product,
// a component the base cannot use, the kit itself, a product twice, a
// quantity outside 1…100, more than 20 products, a kit as a component, or a
// kit that is itself inside another kit: Invalid, and nothing changes.
func (s *Service) SetKit(ctx context.Context, actor access.Actor, kitID int64, components []KitComponent) ([]KitComponent, error) {
	if err := actor.Require(access.ManageCatalog); err != nil {
		return nil, err
	}
	if err := checkKitInput(kitID, components); err != nil {
		return nil, err
	}
	want := make([]KitComponent, len(components))
	for i, c := range components {
		want[i] = KitComponent{ProductID: c.ProductID, Quantity: c.Quantity}
	}
	slices.SortFunc(want, byProductID)

	var out []KitComponent
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Lock the kit and its components, in id order, so that two people
		// setting kits that share a product take turns, and the second sees
		// the first's kit when it checks for nesting. (SQLite has one writer
		// at a time already.)
		ids := []any{kitID}
		for _, c := range want {
			ids = append(ids, c.ProductID)
		}
		if tx.Dialect() == db.Postgres {
			rows, err := tx.Query(ctx, "SELECT id FROM products WHERE id IN ("+placeholders(len(ids))+") ORDER BY id"+tx.ForUpdate(), ids...)
			if err != nil {
				return fmt.Errorf("set kit: lock: %w", err)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("set kit: lock: %w", err)
			}
		}

		kit, err := GetProduct(ctx, tx, actor, kitID)
		if err != nil {
			return err
		}
		if kit.Standard() {
			return apperr.New(apperr.Invalid, "catalog.error.kit_not_own")
		}
		if len(want) > 0 {
			if err := checkComponents(ctx, tx, actor, kitID, want); err != nil {
				return err
			}
		}

		have, err := kitComponents(ctx, tx, kitID)
		if err != nil {
			return err
		}
		slices.SortFunc(have, byProductID)
		if slices.EqualFunc(have, want, func(a, b KitComponent) bool {
			return a.ProductID == b.ProductID && a.Quantity == b.Quantity
		}) {
			out = have
			return nil
		}

		if _, err := tx.Exec(ctx, "DELETE FROM kit_components WHERE kit_id = ?", kitID); err != nil {
			return fmt.Errorf("set kit: %w", err)
		}
		payload := make([]KitPart, 0, len(want))
		for _, c := range want {
			if _, err := tx.Exec(ctx, "INSERT INTO kit_components (kit_id, component_id, quantity) VALUES (?, ?, ?)",
				kitID, c.ProductID, c.Quantity); err != nil {
				return fmt.Errorf("set kit: %w", err)
			}
			payload = append(payload, KitPart{ProductID: c.ProductID, Quantity: c.Quantity})
		}
		if _, err := ledger.Append(ctx, tx, actor, "product", kitID, ProductKitSet{Components: payload}); err != nil {
			return err
		}
		out, err = kitComponents(ctx, tx, kitID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkComponents checks, inside the write transaction, that every
// component is a product the base can use and no kit, and that the kit is
// not itself inside another kit.
func checkComponents(ctx context.Context, tx *db.Tx, actor access.Actor, kitID int64, want []KitComponent) error {
	ids := make([]any, 0, len(want))
	for _, c := range want {
		ids = append(ids, c.ProductID)
	}
	var n int
	args := append([]any{actor.BaseID, actor.OrgID}, ids...)
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM products p
		WHERE (p.base_id IS NULL OR (p.base_id = ? AND p.org_id = ?)) AND p.id IN (`+placeholders(len(ids))+`)`,
		args...).Scan(&n); err != nil {
		return fmt.Errorf("set kit: components: %w", err)
	}
	if n != len(ids) {
		return apperr.New(apperr.Invalid, "catalog.error.kit_component_unknown")
	}
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM kit_components WHERE kit_id IN ("+placeholders(len(ids))+") LIMIT 1", ids...).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Invalid, "catalog.error.kit_nested")
	}
	if !db.IsNoRows(err) {
		return fmt.Errorf("set kit: nesting: %w", err)
	}
	err = tx.QueryRow(ctx, "SELECT 1 FROM kit_components WHERE component_id = ? LIMIT 1", kitID).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Invalid, "catalog.error.kit_is_component")
	}
	if !db.IsNoRows(err) {
		return fmt.Errorf("set kit: nesting: %w", err)
	}
	return nil
}

// kitComponents reads a kit's contents by name. The caller has checked that
// the kit is one the actor may see; its components were checked when set.
func kitComponents(ctx context.Context, q db.Queryer, kitID int64) ([]KitComponent, error) {
	rows, err := q.Query(ctx, `SELECT kc.component_id, kc.quantity, p.name, p.gender, p.base_id IS NULL
		FROM kit_components kc JOIN products p ON p.id = kc.component_id
		WHERE kc.kit_id = ? ORDER BY p.name, p.gender, p.id`, kitID)
	if err != nil {
		return nil, fmt.Errorf("read kit: %w", err)
	}
	defer rows.Close()
	cs := []KitComponent{}
	for rows.Next() {
		var c KitComponent
		if err := rows.Scan(&c.ProductID, &c.Quantity, &c.Name, &c.Gender, &c.Standard); err != nil {
			return nil, fmt.Errorf("read kit: %w", err)
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// Kit returns the contents of a product the actor's base can use, by name;
// an empty list when it is not a kit. Another base's or organisation's
// product is NotFound.
func Kit(ctx context.Context, q db.Queryer, actor access.Actor, kitID int64) ([]KitComponent, error) {
	if _, err := GetProduct(ctx, q, actor, kitID); err != nil {
		return nil, err
	}
	return kitComponents(ctx, q, kitID)
}

// Kits lists the kits of the actor's base, hidden or not, with their
// contents, in one query: kits by name, each one's contents by name.
func Kits(ctx context.Context, q db.Queryer, actor access.Actor) ([]KitProduct, error) {
	if err := actor.Require(access.ViewCatalog); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT k.id, k.name, k.gender, kc.component_id, kc.quantity, p.name, p.gender, p.base_id IS NULL
		FROM products k
		JOIN kit_components kc ON kc.kit_id = k.id
		JOIN products p ON p.id = kc.component_id
		WHERE k.base_id = ? AND k.org_id = ?
		ORDER BY k.name, k.gender, k.id, p.name, p.gender, p.id`, actor.BaseID, actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list kits: %w", err)
	}
	defer rows.Close()
	var ks []KitProduct
	for rows.Next() {
		var k KitProduct
		var c KitComponent
		if err := rows.Scan(&k.ProductID, &k.Name, &k.Gender, &c.ProductID, &c.Quantity, &c.Name, &c.Gender, &c.Standard); err != nil {
			return nil, fmt.Errorf("list kits: %w", err)
		}
		if n := len(ks); n == 0 || ks[n-1].ProductID != k.ProductID {
			ks = append(ks, k)
		}
		last := &ks[len(ks)-1]
		last.Components = append(last.Components, c)
	}
	return ks, rows.Err()
}
