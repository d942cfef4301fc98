package shop

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
)

// MaxReportWeeks bounds a report's period.
const MaxReportWeeks = 104

// WeekRow is one week of the shop: cards served (each card once a week),
// checkouts and items taken.
type WeekRow struct {
	Week      string // the Monday, YYYY-MM-DD, in the base's zone
	Cards     int64
	Checkouts int64
	Items     int64
}

// ProductRow is how many items of a product were checked out.
type ProductRow struct {
	ProductID int64
	Name      string
	Gender    string
	Standard  bool
	Category  string
	Items     int64
}

// CategoryRow is how many items of a category were checked out.
type CategoryRow struct {
	CategoryID int64
	Name       string
	Items      int64
}

// RefusalRow is how often a rule refused a checkout.
type RefusalRow struct {
	Rule Rule
	N    int64
}

// Report is the shop's figures over whole weeks: anonymous counts only,
// never a card.
type Report struct {
	From, To   string // the first and last week shown (Mondays)
	Weeks      []WeekRow
	Products   []ProductRow
	Categories []CategoryRow
	Refusals   []RefusalRow
}

func eachRow(ctx context.Context, q db.Queryer, what, query string, args []any, each func(func(...any) error) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("shop report %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return fmt.Errorf("shop report %s: %w", what, err)
		}
	}
	return rows.Err()
}

// Reports sums the shop's last weeks (the current one included), for
// coordinators and admins: cards served and checkouts per week, items per
// product and per category, and the rules that refused most.
func Reports(ctx context.Context, q db.Queryer, actor access.Actor, weeks int, now time.Time) (Report, error) {
	if err := require(actor, access.ManageShop); err != nil {
		return Report{}, err
	}
	if weeks < 1 || weeks > MaxReportWeeks {
		return Report{}, apperr.New(apperr.Invalid, "shop.error.report_weeks", MaxReportWeeks).At("weeks")
	}
	loc, err := baseLocation(ctx, q, actor)
	if err != nil {
		return Report{}, err
	}
	rep := Report{To: Week(now, loc), From: Week(now.AddDate(0, 0, -7*(weeks-1)), loc)}
	first, _ := time.ParseInLocation(time.DateOnly, rep.From, loc)
	byWeek := map[string]*WeekRow{}
	week := func(w string) *WeekRow {
		if byWeek[w] == nil {
			byWeek[w] = &WeekRow{Week: w}
		}
		return byWeek[w]
	}
	// Checkouts of live cards are rows; those of erased cards, weekly
	// counts (shop_weeks, shop_week_items).
	if err := eachRow(ctx, q, "weeks", `SELECT week, SUM(n), SUM(cards) FROM (
		SELECT week, 1 AS n, CASE WHEN first_in_week THEN 1 ELSE 0 END AS cards FROM shop_checkouts WHERE org_id = ? AND base_id = ? AND week >= ?
		UNION ALL SELECT week, checkouts, cards FROM shop_weeks WHERE org_id = ? AND base_id = ? AND week >= ?) w GROUP BY week`,
		[]any{actor.OrgID, actor.BaseID, rep.From, actor.OrgID, actor.BaseID, rep.From},
		func(scan func(...any) error) error {
			var w string
			var n, cards int64
			if err := scan(&w, &n, &cards); err != nil {
				return err
			}
			row := week(w)
			row.Checkouts, row.Cards = n, cards
			return nil
		}); err != nil {
		return rep, err
	}
	if err := eachRow(ctx, q, "items", `SELECT week, SUM(n) FROM (
		SELECT c.week, l.quantity AS n FROM shop_checkout_lines l JOIN shop_checkouts c ON c.id = l.checkout_id WHERE c.org_id = ? AND c.base_id = ? AND c.week >= ?
		UNION ALL SELECT week, items FROM shop_week_items WHERE org_id = ? AND base_id = ? AND week >= ?) w GROUP BY week`,
		[]any{actor.OrgID, actor.BaseID, rep.From, actor.OrgID, actor.BaseID, rep.From},
		func(scan func(...any) error) error {
			var w string
			var n int64
			if err := scan(&w, &n); err != nil {
				return err
			}
			week(w).Items = n
			return nil
		}); err != nil {
		return rep, err
	}
	for w := first; w.Format(time.DateOnly) <= rep.To; w = w.AddDate(0, 0, 7) {
		rep.Weeks = append(rep.Weeks, *week(w.Format(time.DateOnly)))
	}
	// Items per product and category: the rows' lines since the first
	// week's Monday, and the weekly counts from that week on.
	lineArgs := []any{actor.OrgID, actor.BaseID, db.Micros(first), actor.OrgID, actor.BaseID, rep.From}
	const taken = `(SELECT product_id, category_id, quantity FROM shop_checkout_lines WHERE org_id = ? AND base_id = ? AND at >= ?
		UNION ALL SELECT product_id, category_id, items FROM shop_week_items WHERE org_id = ? AND base_id = ? AND week >= ?) l`
	if err := eachRow(ctx, q, "products", `SELECT p.id, p.name, p.gender, p.base_id IS NULL, c.name, SUM(l.quantity)
		FROM `+taken+` JOIN products p ON p.id = l.product_id JOIN categories c ON c.id = p.category_id
		GROUP BY p.id, p.name, p.gender, p.base_id, c.name ORDER BY SUM(l.quantity) DESC, p.name`, lineArgs,
		func(scan func(...any) error) error {
			var r ProductRow
			if err := scan(&r.ProductID, &r.Name, &r.Gender, &r.Standard, &r.Category, &r.Items); err != nil {
				return err
			}
			rep.Products = append(rep.Products, r)
			return nil
		}); err != nil {
		return rep, err
	}
	if err := eachRow(ctx, q, "categories", `SELECT c.id, c.name, SUM(l.quantity)
		FROM `+taken+` JOIN categories c ON c.id = l.category_id
		GROUP BY c.id, c.name ORDER BY SUM(l.quantity) DESC, c.name`, lineArgs,
		func(scan func(...any) error) error {
			var r CategoryRow
			if err := scan(&r.CategoryID, &r.Name, &r.Items); err != nil {
				return err
			}
			rep.Categories = append(rep.Categories, r)
			return nil
		}); err != nil {
		return rep, err
	}
	rules, err := rulesOf(ctx, q, actor, false)
	if err != nil {
		return rep, err
	}
	if err := eachRow(ctx, q, "refusals", `SELECT rule_id, SUM(n) FROM shop_refusals
		WHERE org_id = ? AND base_id = ? AND week >= ? GROUP BY rule_id ORDER BY SUM(n) DESC, rule_id`, []any{actor.OrgID, actor.BaseID, rep.From},
		func(scan func(...any) error) error {
			var id, n int64
			if err := scan(&id, &n); err != nil {
				return err
			}
			for _, r := range rules {
				if r.ID == id {
					rep.Refusals = append(rep.Refusals, RefusalRow{Rule: r, N: n})
				}
			}
			return nil
		}); err != nil {
		return rep, err
	}
	return rep, nil
}
