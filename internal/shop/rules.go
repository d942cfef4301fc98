package shop

import (
	"context"
	"fmt"
	"slices"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/i18n"
	"abri/internal/ledger"
)

// What a rule counts per: each card, or each member of the card's
// household.
const (
	PerCard   = "card"
	PerPerson = "person"
)

// Pers lists what a rule may count per.
var Pers = []string{PerCard, PerPerson}

// Limits on a rule.
const (
	MaxRuleQuantity = 1000
	MaxPeriodDays   = 366
	MaxRules        = 200
)

// Rule is an entitlement rule of a base: Quantity of a product, of a
// category, or of anything in the shop (a token allowance, when neither is
// set: one token per item), per card or per household member, in a rolling
// window of PeriodDays.
type Rule struct {
	ID           int64
	BaseID       int64
	ProductID    int64
	CategoryID   int64
	ProductName  string // stored name; Name translates it
	Gender       string
	Standard     bool
	CategoryName string
	Quantity     int64
	Per          string
	PeriodDays   int64
	Active       bool
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Tokens tells whether the rule is a token allowance over the whole shop.
func (r Rule) Tokens() bool { return r.ProductID == 0 && r.CategoryID == 0 }

// Covers tells whether the rule counts items of a product of a category.
func (r Rule) Covers(productID, categoryID int64) bool {
	switch {
	case r.ProductID != 0:
		return r.ProductID == productID
	case r.CategoryID != 0:
		return r.CategoryID == categoryID
	}
	return true
}

// Name is what the rule counts, in lang: the product, the category, or
// the shop's free choice.
func (r Rule) Name(lang string) string {
	switch {
	case r.ProductID != 0:
		return catalog.ProductDisplayName(lang, r.ProductName, r.Gender, r.Standard)
	case r.CategoryID != 0:
		return catalog.CategoryName(lang, r.CategoryName)
	}
	return i18n.T(lang, "shop.rule.tokens")
}

// Text says the rule in lang: "Sleeping Bags: 1 per card every 14 days".
func (r Rule) Text(lang string) string {
	return i18n.T(lang, "shop.rule.text_"+r.Per, r.Name(lang), r.Quantity, r.PeriodDays)
}

// Limit is how many the rule allows a card with a household of size.
func (r Rule) Limit(household int64) int64 {
	if r.Per == PerPerson && household > 1 {
		return r.Quantity * household
	}
	return r.Quantity
}

// RuleInput is what a coordinator sets.
type RuleInput struct {
	ProductID  int64  `json:"product_id"`
	CategoryID int64  `json:"category_id"`
	Quantity   int64  `json:"quantity"`
	Per        string `json:"per"`
	PeriodDays int64  `json:"period_days"`
	Active     *bool  `json:"active"` // nil: active
}

const ruleCols = `r.id, r.base_id, r.product_id, r.category_id, COALESCE(p.name, ''), COALESCE(p.gender, ''), (p.id IS NOT NULL AND p.base_id IS NULL),
	COALESCE(c.name, pc.name, ''), r.quantity, r.per, r.period_days, r.active, r.version, r.created_at, r.updated_at`

const ruleFrom = ` FROM shop_rules r
	LEFT JOIN products p ON p.id = r.product_id
	LEFT JOIN categories pc ON pc.id = p.category_id
	LEFT JOIN categories c ON c.id = r.category_id`

func scanRule(scan func(...any) error) (Rule, error) {
	var r Rule
	var created, updated int64
	err := scan(&r.ID, &r.BaseID, &r.ProductID, &r.CategoryID, &r.ProductName, &r.Gender, &r.Standard, &r.CategoryName,
		&r.Quantity, &r.Per, &r.PeriodDays, &r.Active, &r.Version, &created, &updated)
	r.CreatedAt, r.UpdatedAt = db.FromMicros(created), db.FromMicros(updated)
	return r, err
}

// Rules lists the rules of the actor's base, the active ones first.
func Rules(ctx context.Context, q db.Queryer, actor access.Actor) ([]Rule, error) {
	if err := require(actor, access.UseShop); err != nil {
		return nil, err
	}
	return rulesOf(ctx, q, actor, false)
}

func rulesOf(ctx context.Context, q db.Queryer, actor access.Actor, activeOnly bool) ([]Rule, error) {
	where := ""
	if activeOnly {
		where = " AND r.active"
	}
	rows, err := q.Query(ctx, "SELECT "+ruleCols+ruleFrom+" WHERE r.org_id = ? AND r.base_id = ?"+where+
		" ORDER BY r.active DESC, r.id", actor.OrgID, actor.BaseID)
	if err != nil {
		return nil, fmt.Errorf("shop rules: %w", err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("shop rules: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRule reads one rule of the actor's base.
func GetRule(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Rule, error) {
	if err := require(actor, access.UseShop); err != nil {
		return Rule{}, err
	}
	return ruleByID(ctx, q, actor, id)
}

func ruleByID(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Rule, error) {
	r, err := scanRule(q.QueryRow(ctx, "SELECT "+ruleCols+ruleFrom+" WHERE r.id = ? AND r.org_id = ? AND r.base_id = ?",
		id, actor.OrgID, actor.BaseID).Scan)
	if db.IsNoRows(err) {
		return r, apperr.ErrNotFound()
	}
	if err != nil {
		return r, fmt.Errorf("shop rule: %w", err)
	}
	return r, nil
}

// check validates a rule's input against the catalogue the base uses.
func (in RuleInput) check(ctx context.Context, tx *db.Tx, actor access.Actor) (RuleSet, error) {
	ev := RuleSet{ProductID: in.ProductID, CategoryID: in.CategoryID, Quantity: in.Quantity, Per: in.Per, PeriodDays: in.PeriodDays, Active: in.Active == nil || *in.Active}
	if in.ProductID != 0 && in.CategoryID != 0 {
		return ev, apperr.New(apperr.Invalid, "shop.error.product_or_category").At("category_id")
	}
	if in.ProductID != 0 {
		if _, err := catalog.GetProduct(ctx, tx, actor, in.ProductID); err != nil {
			return ev, apperr.New(apperr.Invalid, "shop.error.product_unknown").At("product_id")
		}
	}
	if in.CategoryID != 0 {
		var one int
		if err := tx.QueryRow(ctx, "SELECT 1 FROM categories WHERE id = ?", in.CategoryID).Scan(&one); err != nil {
			return ev, apperr.New(apperr.Invalid, "shop.error.category_unknown").At("category_id")
		}
	}
	if in.Quantity < 1 || in.Quantity > MaxRuleQuantity {
		return ev, apperr.New(apperr.Invalid, "shop.error.rule_quantity", MaxRuleQuantity).At("quantity")
	}
	if !slices.Contains(Pers, in.Per) {
		return ev, apperr.New(apperr.Invalid, "shop.error.rule_per").At("per")
	}
	if in.PeriodDays < 1 || in.PeriodDays > MaxPeriodDays {
		return ev, apperr.New(apperr.Invalid, "shop.error.rule_period", MaxPeriodDays).At("period_days")
	}
	return ev, nil
}

// CreateRule adds a rule to the actor's base.
func CreateRule(ctx context.Context, d *db.DB, actor access.Actor, in RuleInput) (Rule, error) {
	if err := require(actor, access.ManageShop); err != nil {
		return Rule{}, err
	}
	var out Rule
	err := d.InTx(ctx, func(tx *db.Tx) error {
		ev, err := in.check(ctx, tx, actor)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM shop_rules WHERE org_id = ? AND base_id = ?", actor.OrgID, actor.BaseID).Scan(&n); err != nil {
			return fmt.Errorf("shop rules: %w", err)
		}
		if n >= MaxRules {
			return apperr.New(apperr.Invalid, "shop.error.too_many_rules", MaxRules)
		}
		now := db.Micros(tx.Now)
		id, err := tx.InsertID(ctx, `INSERT INTO shop_rules (org_id, base_id, product_id, category_id, quantity, per, period_days, active, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, actor.OrgID, actor.BaseID, ev.ProductID, ev.CategoryID, ev.Quantity, ev.Per, ev.PeriodDays, ev.Active, now, now)
		if err != nil {
			return fmt.Errorf("shop rule: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "shop_rule", id, ev); err != nil {
			return err
		}
		out, err = ruleByID(ctx, tx, actor, id)
		return err
	})
	return out, err
}

// UpdateRule changes a rule of the actor's base (turning it off is
// Active false). The same values again change nothing.
func UpdateRule(ctx context.Context, d *db.DB, actor access.Actor, id int64, in RuleInput) (Rule, error) {
	if err := require(actor, access.ManageShop); err != nil {
		return Rule{}, err
	}
	var out Rule
	err := d.InTx(ctx, func(tx *db.Tx) error {
		old, err := ruleByID(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		ev, err := in.check(ctx, tx, actor)
		if err != nil {
			return err
		}
		if (RuleSet{old.ProductID, old.CategoryID, old.Quantity, old.Per, old.PeriodDays, old.Active}) == ev {
			out = old
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE shop_rules SET product_id = ?, category_id = ?, quantity = ?, per = ?, period_days = ?, active = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND org_id = ? AND base_id = ?`,
			ev.ProductID, ev.CategoryID, ev.Quantity, ev.Per, ev.PeriodDays, ev.Active, db.Micros(tx.Now), id, actor.OrgID, actor.BaseID); err != nil {
			return fmt.Errorf("shop rule: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "shop_rule", id, ev); err != nil {
			return err
		}
		out, err = ruleByID(ctx, tx, actor, id)
		return err
	})
	return out, err
}
