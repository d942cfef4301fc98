package incident

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/db"
)

// Reports over the shelter-loss log, for the same people who see
// incidents: what was lost each month against what has been replaced
// since, and how many incidents each week by site and kind. Both take the
// incident list's filters and count by the incident's start in the base's
// zone.

// LossRow is one month's losses of one product, from the incidents that
// started that month: lost (seized and destroyed, less recovered), what
// hand-outs have replaced of it since, and what is still owed.
type LossRow struct {
	Month       time.Time // the 1st, 00:00 in the base's zone
	ProductID   int64
	ProductName string
	Gender      string
	Standard    bool
	Lost        int64
	Replaced    int64
	Owed        int64
}

// Name is the product's name in a language.
func (r LossRow) Name(lang string) string {
	return catalog.ProductDisplayName(lang, r.ProductName, r.Gender, r.Standard)
}

// WeekCount is how many incidents of one kind started at one site in one
// week.
type WeekCount struct {
	Week     time.Time // Monday 00:00 in the base's zone
	SiteID   int64
	SiteName string
	Kind     string
	Count    int64
}

// where is the filter as SQL conditions on incidents i.
func (f Filter) where(actor access.Actor) (string, []any, error) {
	conds := []string{"i.org_id = ?", "i.base_id = ?"}
	args := []any{actor.OrgID, actor.BaseID}
	if f.SiteID != 0 {
		conds, args = append(conds, "i.site_id = ?"), append(args, f.SiteID)
	}
	if f.Kind != "" {
		if !slices.Contains(Kinds, f.Kind) {
			return "", nil, apperr.New(apperr.Invalid, "incident.error.kind").At("kind")
		}
		conds, args = append(conds, "i.kind = ?"), append(args, f.Kind)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return "", nil, apperr.New(apperr.Invalid, "incident.error.end_before_start").At("to")
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "i.starts_at >= ?"), append(args, db.Micros(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "i.starts_at < ?"), append(args, db.Micros(f.To))
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// filtered runs a report's query (incidents as i) for those who may see
// incidents, with the filter's conditions; loc nil is UTC.
func (s *Service) filtered(ctx context.Context, actor access.Actor, f Filter, loc *time.Location, query string) (*sql.Rows, *time.Location, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, nil, err
	}
	where, args, err := f.where(actor)
	if err != nil {
		return nil, nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	rows, err := s.DB.Query(ctx, query+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("incident report: %w", err)
	}
	return rows, loc, nil
}

// LossesByMonth sums the items the filtered incidents took, by month of the
// incident and product, oldest month first.
func (s *Service) LossesByMonth(ctx context.Context, actor access.Actor, f Filter, loc *time.Location) ([]LossRow, error) {
	rows, loc, err := s.filtered(ctx, actor, f, loc, `SELECT i.starts_at, it.product_id, p.name, COALESCE(p.gender, ''), p.base_id IS NULL,
		it.seized, it.destroyed, it.recovered, COALESCE(n.met, 0), COALESCE(n.quantity, 0), COALESCE(n.state, '')
		FROM incident_items it JOIN incidents i ON i.id = it.incident_id JOIN products p ON p.id = it.product_id
		LEFT JOIN needs n ON n.id = it.need_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ month, product int64 }
	sums := map[key]*LossRow{}
	for rows.Next() {
		var starts, quantity int64
		var state string
		var r LossRow
		var l ItemLine
		if err := rows.Scan(&starts, &r.ProductID, &r.ProductName, &r.Gender, &r.Standard, &l.Seized, &l.Destroyed, &l.Recovered,
			&r.Replaced, &quantity, &state); err != nil {
			return nil, fmt.Errorf("losses by month: %w", err)
		}
		r.Month = clock.MonthOf(db.FromMicros(starts), loc)
		k := key{r.Month.Unix(), r.ProductID}
		sum := sums[k]
		if sum == nil {
			sum = &LossRow{Month: r.Month, ProductID: r.ProductID, ProductName: r.ProductName, Gender: r.Gender, Standard: r.Standard}
			sums[k] = sum
		}
		sum.Lost += l.Lost()
		sum.Replaced += r.Replaced
		if state != "cancelled" && quantity > r.Replaced {
			sum.Owed += quantity - r.Replaced
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("losses by month: %w", err)
	}
	out := make([]LossRow, 0, len(sums))
	for _, r := range sums {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Month.Equal(out[j].Month) {
			return out[i].Month.Before(out[j].Month)
		}
		return out[i].ProductName < out[j].ProductName
	})
	return out, nil
}

// IncidentsByWeek counts the filtered incidents by week, site and kind,
// oldest week first.
func (s *Service) IncidentsByWeek(ctx context.Context, actor access.Actor, f Filter, loc *time.Location) ([]WeekCount, error) {
	rows, loc, err := s.filtered(ctx, actor, f, loc, `SELECT i.starts_at, i.site_id, s.name, i.kind FROM incidents i JOIN sites s ON s.id = i.site_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		week, site int64
		kind       string
	}
	counts := map[key]*WeekCount{}
	for rows.Next() {
		var starts int64
		var c WeekCount
		if err := rows.Scan(&starts, &c.SiteID, &c.SiteName, &c.Kind); err != nil {
			return nil, fmt.Errorf("incidents by week: %w", err)
		}
		c.Week = clock.WeekOf(db.FromMicros(starts), loc)
		k := key{c.Week.Unix(), c.SiteID, c.Kind}
		if counts[k] == nil {
			counts[k] = &c
		}
		counts[k].Count++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incidents by week: %w", err)
	}
	out := make([]WeekCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Week.Equal(b.Week) {
			return a.Week.Before(b.Week)
		}
		if a.SiteName != b.SiteName {
			return a.SiteName < b.SiteName
		}
		return slices.Index(Kinds, a.Kind) < slices.Index(Kinds, b.Kind)
	})
	return out, nil
}
