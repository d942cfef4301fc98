package catalog

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Service changes the catalogue of a base. Reads are package functions that
// take a db.Queryer, so other domains can call them inside their own
// transaction.
type Service struct {
	DB *db.DB
}

// New returns a catalogue service.
func New(d *db.DB) *Service { return &Service{DB: d} }

// NewProduct is what a base gives to add a product of its own.
type NewProduct struct {
	Name        string
	CategoryID  int64
	Gender      string // a Gender code, "" for none
	SizeRangeID int64
}

// AddProduct adds a product to the actor's base. Its name must not repeat a
// product of the same category and gender that the base already uses
// (standard or its own), ignoring case.
func (s *Service) AddProduct(ctx context.Context, actor access.Actor, np NewProduct) (Product, error) {
	if err := actor.Require(access.ManageCatalog); err != nil {
		return Product{}, err
	}
	name, err := normaliseName(np.Name)
	if err != nil {
		return Product{}, err
	}
	if !ValidGender(np.Gender) {
		return Product{}, apperr.New(apperr.Invalid, "catalog.error.gender_unknown")
	}
	var p Product
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM categories WHERE id = ?", np.CategoryID).Scan(&one)
		if db.IsNoRows(err) {
			return apperr.New(apperr.Invalid, "catalog.error.category_unknown")
		}
		if err != nil {
			return fmt.Errorf("add product: category: %w", err)
		}
		err = tx.QueryRow(ctx, "SELECT 1 FROM size_ranges WHERE id = ?", np.SizeRangeID).Scan(&one)
		if db.IsNoRows(err) {
			return apperr.New(apperr.Invalid, "catalog.error.size_range_unknown")
		}
		if err != nil {
			return fmt.Errorf("add product: size range: %w", err)
		}
		err = tx.QueryRow(ctx, `SELECT 1 FROM products p
			WHERE (p.base_id IS NULL OR (p.base_id = ? AND p.org_id = ?))
			AND p.category_id = ? AND p.gender = ? AND LOWER(p.name) = LOWER(?)`,
			actor.BaseID, actor.OrgID, np.CategoryID, np.Gender, name).Scan(&one)
		if err == nil {
			return apperr.New(apperr.Conflict, "catalog.error.product_taken")
		}
		if !db.IsNoRows(err) {
			return fmt.Errorf("add product: check name: %w", err)
		}
		id, err := tx.InsertID(ctx, `INSERT INTO products (org_id, base_id, category_id, name, gender, size_range_id, standard_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, NULL, ?)`, actor.OrgID, actor.BaseID, np.CategoryID, name, np.Gender, np.SizeRangeID, db.Micros(tx.Now))
		if err != nil {
			return fmt.Errorf("add product: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "product", id, ProductCreated{
			Name: name, CategoryID: np.CategoryID, Gender: np.Gender, SizeRangeID: np.SizeRangeID,
		}); err != nil {
			return err
		}
		p, err = GetProduct(ctx, tx, actor, id)
		return err
	})
	if err != nil {
		return Product{}, err
	}
	return p, nil
}

// HideProduct hides a product from the actor's base (hidden true) or shows it
// again. Hiding changes nothing for other bases or for boxes that already
// hold the product. Setting what is already set changes nothing and writes
// no event.
func (s *Service) HideProduct(ctx context.Context, actor access.Actor, id int64, hidden bool) error {
	if err := actor.Require(access.ManageCatalog); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := GetProduct(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.Hidden == hidden {
			return nil
		}
		var event ledger.Payload = ProductShown{}
		q := "DELETE FROM products_hidden WHERE base_id = ? AND product_id = ?"
		if hidden {
			event = ProductHidden{}
			q = "INSERT INTO products_hidden (base_id, product_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
		}
		res, err := tx.Exec(ctx, q, actor.BaseID, id)
		if err != nil {
			return fmt.Errorf("hide product: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("hide product: %w", err)
		} else if n == 0 { // someone else set it in the meantime
			return nil
		}
		_, err = ledger.Append(ctx, tx, actor, "product", id, event)
		return err
	})
}
