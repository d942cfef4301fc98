package distribution

import (
	"context"
	"sort"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/clock"
	"abri/internal/db"
)

// PeopleCount is how many people of one age band and gender were served
// ("" where not said).
type PeopleCount struct {
	Age    string
	Gender string
	Count  int64
}

// MealCount is how many meals of a variant were served.
type MealCount struct {
	Variant string
	Count   int64
}

// Summary is what became of a round: its lines, the people served and
// the meals.
type Summary struct {
	Round  Round
	Lines  []Line
	People []PeopleCount
	Meals  []MealCount
}

// Total sums a column over the lines.
func (s Summary) Total(f func(Line) int64) int64 {
	var n int64
	for _, l := range s.Lines {
		n += f(l)
	}
	return n
}

// PeopleServed is every person counted.
func (s Summary) PeopleServed() int64 {
	var n int64
	for _, p := range s.People {
		n += p.Count
	}
	return n
}

// MealsServed is every meal counted.
func (s Summary) MealsServed() int64 {
	var n int64
	for _, m := range s.Meals {
		n += m.Count
	}
	return n
}

// Summary reads what became of a round.
func (s *Service) Summary(ctx context.Context, actor access.Actor, roundID int64) (Summary, error) {
	r, err := s.Round(ctx, actor, roundID)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Round: r}
	if sum.Lines, err = readLines(ctx, s.DB, r.ID); err != nil {
		return sum, err
	}
	err = eachRow(ctx, s.DB, `SELECT age, gender, SUM(quantity) FROM round_tallies WHERE round_id = ? AND kind = 'people' AND NOT undone
		GROUP BY age, gender ORDER BY age, gender`, []any{r.ID}, func(scan func(...any) error) error {
		var p PeopleCount
		if err := scan(&p.Age, &p.Gender, &p.Count); err != nil {
			return err
		}
		sum.People = append(sum.People, p)
		return nil
	})
	if err != nil {
		return sum, err
	}
	err = eachRow(ctx, s.DB, `SELECT variant, SUM(quantity) FROM round_tallies WHERE round_id = ? AND kind = 'meals' AND NOT undone
		GROUP BY variant ORDER BY variant`, []any{r.ID}, func(scan func(...any) error) error {
		var m MealCount
		if err := scan(&m.Variant, &m.Count); err != nil {
			return err
		}
		sum.Meals = append(sum.Meals, m)
		return nil
	})
	return sum, err
}

// WeekRow is one week's totals at one site for one category: items handed
// out. People and meals are per site and week (CategoryName "").
type WeekRow struct {
	Week         time.Time // Monday 00:00 in the base's time zone
	SiteID       int64
	SiteName     string
	CategoryName string
	HandedOut    int64
	People       int64
	Meals        int64
	Rounds       int64
}

// MaxWeeks bounds the weekly totals' period.
const MaxWeeks = 104

// Weekly sums the tallies of the rounds that started in [from, to) by week
// (weeks start on Monday in loc), site and category.
func (s *Service) Weekly(ctx context.Context, actor access.Actor, from, to time.Time, loc *time.Location) ([]WeekRow, error) {
	if err := actor.Require(access.ViewRounds); err != nil {
		return nil, err
	}
	if !to.After(from) || to.Sub(from) > MaxWeeks*7*24*time.Hour {
		return nil, apperr.New(apperr.Invalid, "distribution.error.period", MaxWeeks).At("to")
	}
	if loc == nil {
		loc = time.UTC
	}
	type key struct {
		week     int64
		site     int64
		category string
	}
	rows := map[key]*WeekRow{}
	get := func(start int64, site int64, siteName, category string) *WeekRow {
		w := clock.WeekOf(db.FromMicros(start), loc)
		k := key{w.Unix(), site, category}
		r := rows[k]
		if r == nil {
			r = &WeekRow{Week: w, SiteID: site, SiteName: siteName, CategoryName: category}
			rows[k] = r
		}
		return r
	}
	args := []any{actor.OrgID, actor.BaseID, db.Micros(from), db.Micros(to)}
	const where = ` WHERE r.org_id = ? AND r.base_id = ? AND r.starts_at >= ? AND r.starts_at < ? AND r.state <> 'cancelled'`
	err := eachRow(ctx, s.DB, `SELECT r.starts_at, r.site_id, s.name, COUNT(*) FROM rounds r JOIN sites s ON s.id = r.site_id`+where+
		` GROUP BY r.starts_at, r.site_id, s.name`, args, func(scan func(...any) error) error {
		var st, site, n int64
		var name string
		if err := scan(&st, &site, &name, &n); err != nil {
			return err
		}
		get(st, site, name, "").Rounds += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, s.DB, `SELECT r.starts_at, r.site_id, s.name, t.kind, COALESCE(c.name, ''), SUM(t.quantity)
		FROM round_tallies t JOIN rounds r ON r.id = t.round_id JOIN sites s ON s.id = r.site_id
		LEFT JOIN products p ON p.id = t.product_id LEFT JOIN categories c ON c.id = p.category_id`+where+` AND NOT t.undone
		GROUP BY r.starts_at, r.site_id, s.name, t.kind, c.name`, args, func(scan func(...any) error) error {
		var st, site, n int64
		var name, kind, cat string
		if err := scan(&st, &site, &name, &kind, &cat, &n); err != nil {
			return err
		}
		switch kind {
		case TallyHandout:
			get(st, site, name, cat).HandedOut += n
		case TallyPeople:
			get(st, site, name, "").People += n
		case TallyMeals:
			get(st, site, name, "").Meals += n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]WeekRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Week.Equal(b.Week) {
			return a.Week.Before(b.Week)
		}
		if a.SiteName != b.SiteName {
			return a.SiteName < b.SiteName
		}
		return a.CategoryName < b.CategoryName
	})
	return out, nil
}
