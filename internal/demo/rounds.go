package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"abri/internal/catalog"
	"abri/internal/db"
	dist "abri/internal/distribution"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
)

// The demo's distributions, sized from the field figures: a kitchen serving
// about 2,500 meals a day in 4 windows at 4 places; clothing hand-outs twice
// a week; needs at the living sites; one shelter round out now with its
// packing list and boxes, and rounds planned for the coming days on the
// public schedule. The round out now is made first, so it is round 1: the
// API document's example batch applies to it.

// mealWindows are the kitchen's four daily windows: the hour, the minute
// and the site.
var mealWindows = []struct {
	hour, minute int
	site         string
}{
	{12, 0, "Parking des Mouettes"},
	{13, 15, "Dunes Est"},
	{18, 30, "Parking des Mouettes"},
	{19, 45, "Zone du canal"},
}

// clothingKit is what a clothing hand-out gives, per kit.
var clothingKit = []productKey{
	{"Winter Jackets", catalog.GenderMale}, {"Trousers", catalog.GenderMale}, {"Jumpers", catalog.GenderMale},
	{"Underwear", catalog.GenderMale}, {"Thick Socks", catalog.GenderMale}, {"Winter Hats", catalog.GenderMale},
	{"Gloves", catalog.GenderUnisexAdult},
}

// demoWeeks is how far back the demo's rounds go.
const demoWeeks = 3

// seedRounds fills the distributions of a base. A base that has any round
// already is left as it is.
func seedRounds(ctx context.Context, d *db.DB, places *place.Service, c crew) error {
	a := c.coordinator
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM rounds WHERE org_id = ? AND base_id = ?", a.OrgID, a.BaseID).Scan(&n); err != nil {
		return fmt.Errorf("rounds: %w", err)
	}
	if n > 0 {
		return nil
	}
	ss, err := places.Sites(ctx, a, place.SiteFilter{})
	if err != nil {
		return fmt.Errorf("rounds: %w", err)
	}
	site := map[string]int64{}
	// A round goes on the public schedule only at a distribution point:
	// never at a living site, where it would tell anyone when people who
	// sleep there are gathered.
	point := map[int64]bool{}
	for _, s := range ss {
		site[s.Name] = s.ID
		point[s.ID] = s.Kind == place.SiteDistribution
	}
	ps, err := catalog.Products(ctx, d, a)
	if err != nil {
		return fmt.Errorf("rounds: %w", err)
	}
	product := map[productKey]int64{}
	for _, p := range ps {
		product[productKey{p.Name, p.Gender}] = p.ID
	}
	s := dist.New(d)
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		loc = time.UTC
	}
	now := d.Clock.Now()
	if err := seedOpenRound(ctx, d, s, c, site, product, now); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, uint64(a.BaseID)+7))
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	if err := seedIncidents(ctx, d, c, loc, today, product); err != nil {
		return err
	}
	for day := -7 * demoWeeks; day < 0; day++ {
		date := today.AddDate(0, 0, day)
		for _, w := range mealWindows {
			start := time.Date(date.Year(), date.Month(), date.Day(), w.hour, w.minute, 0, 0, loc)
			if err := pastMealRound(ctx, s, c, site[w.site], point[site[w.site]], start, rng); err != nil {
				return err
			}
		}
		if wd := date.Weekday(); wd == time.Tuesday || wd == time.Friday {
			start := time.Date(date.Year(), date.Month(), date.Day(), 15, 0, 0, 0, loc)
			if err := pastClothingRound(ctx, s, c, site["Terrain Sud"], start, product, rng); err != nil {
				return err
			}
		}
	}
	// The coming days, on the public schedule.
	for day := 1; day <= 3; day++ {
		date := today.AddDate(0, 0, day)
		for _, w := range mealWindows {
			start := time.Date(date.Year(), date.Month(), date.Day(), w.hour, w.minute, 0, 0, loc)
			if _, err := s.Plan(ctx, c.coordinator, dist.PlanInput{SiteID: site[w.site], Kind: dist.KindMeals, Public: point[site[w.site]],
				StartsAt: start, EndsAt: start.Add(time.Hour)}); err != nil {
				return fmt.Errorf("rounds: planned: %w", err)
			}
		}
	}
	return seedNeeds(ctx, d, c, site, product)
}

// seedOpenRound makes the shelter round that is out now at the canal, with
// sleeping bags and tents packed and a few counts already made.
func seedOpenRound(ctx context.Context, d *db.DB, s *dist.Service, c crew, site map[string]int64, product map[productKey]int64, now time.Time) error {
	bags, tents := product[productKey{"Sleeping Bags", ""}], product[productKey{"Tents", ""}]
	start := now.Add(-20 * time.Minute).Truncate(5 * time.Minute)
	r, err := s.Plan(ctx, c.coordinator, dist.PlanInput{SiteID: site["Zone du canal"], Kind: dist.KindShelter, Public: false,
		StartsAt: start, EndsAt: start.Add(90 * time.Minute),
		Lines: []dist.LineInput{{ProductID: bags, Planned: 30}, {ProductID: tents, Planned: 10}}})
	if err != nil {
		return fmt.Errorf("rounds: open: %w", err)
	}
	st := stock.New(d)
	for _, want := range []struct {
		product int64
		boxes   int
	}{{bags, 4}, {tents, 3}} {
		page, err := st.List(ctx, c.warehouse, stock.Filter{ProductID: want.product, States: []stock.State{stock.InStock}, Limit: want.boxes})
		if err != nil {
			return fmt.Errorf("rounds: open: %w", err)
		}
		for _, b := range page.Boxes {
			if _, err := s.PackBox(ctx, c.warehouse, r.ID, b.Code); err != nil {
				return fmt.Errorf("rounds: open: pack: %w", err)
			}
		}
	}
	if _, err := s.SendOut(ctx, c.distribution, r.ID); err != nil {
		return fmt.Errorf("rounds: open: %w", err)
	}
	for _, t := range []dist.TallyInput{
		{Kind: dist.TallyHandout, ProductID: bags, Quantity: 6},
		{Kind: dist.TallyHandout, ProductID: tents, Quantity: 2},
		{Kind: dist.TallyPeople, Age: "adult", Gender: "man", Quantity: 6},
		{Kind: dist.TallyPeople, Age: "child", Quantity: 1},
	} {
		if _, err := s.Record(ctx, c.distribution, r.ID, t); err != nil {
			return fmt.Errorf("rounds: open: tally: %w", err)
		}
	}
	return nil
}

// run takes a planned round out, counts, brings it back and closes it.
func run(ctx context.Context, s *dist.Service, c crew, r dist.Round, tallies []dist.TallyInput) error {
	if _, err := s.SendOut(ctx, c.distribution, r.ID); err != nil {
		return err
	}
	for _, t := range tallies {
		if t.Quantity <= 0 {
			continue
		}
		if _, err := s.Record(ctx, c.distribution, r.ID, t); err != nil {
			return err
		}
	}
	if _, err := s.ComeBack(ctx, c.distribution, r.ID); err != nil {
		return err
	}
	_, err := s.Close(ctx, c.distribution, r.ID)
	return err
}

// pastMealRound is one window of the kitchen: about 625 meals, most of
// them standard, and the people served by age band and gender.
func pastMealRound(ctx context.Context, s *dist.Service, c crew, siteID int64, public bool, start time.Time, rng *rand.Rand) error {
	r, err := s.Plan(ctx, c.coordinator, dist.PlanInput{SiteID: siteID, Kind: dist.KindMeals, Public: public, StartsAt: start, EndsAt: start.Add(time.Hour)})
	if err != nil {
		return fmt.Errorf("rounds: meals: %w", err)
	}
	meals := int64(560 + rng.IntN(130))
	veg, noPork, vegan := meals*15/100, meals*10/100, meals*4/100
	men, women, children := meals*84/100, meals*7/100, meals*5/100
	m := func(v string, n int64) dist.TallyInput {
		return dist.TallyInput{Kind: dist.TallyMeals, Variant: v, Quantity: n}
	}
	p := func(age, gender string, n int64) dist.TallyInput {
		return dist.TallyInput{Kind: dist.TallyPeople, Age: age, Gender: gender, Quantity: n}
	}
	err = run(ctx, s, c, r, []dist.TallyInput{
		m("standard", meals-veg-noPork-vegan), m("vegetarian", veg), m("no_pork", noPork), m("vegan", vegan),
		p("adult", "man", men), p("adult", "woman", women), p("child", "", children), p("", "", meals-men-women-children),
	})
	if err != nil {
		return fmt.Errorf("rounds: meals: %w", err)
	}
	return nil
}

// pastClothingRound hands out clothing kits, counted per item, without
// boxes packed (the team took loose stock).
func pastClothingRound(ctx context.Context, s *dist.Service, c crew, siteID int64, start time.Time, product map[productKey]int64, rng *rand.Rand) error {
	kits := int64(120 + rng.IntN(80))
	var lines []dist.LineInput
	var tallies []dist.TallyInput
	for _, k := range clothingKit {
		id := product[k]
		if id == 0 {
			return fmt.Errorf("rounds: clothing: no product %q", k.name)
		}
		lines = append(lines, dist.LineInput{ProductID: id, Planned: kits})
		tallies = append(tallies, dist.TallyInput{Kind: dist.TallyHandout, ProductID: id, Quantity: kits - int64(rng.IntN(10))})
	}
	tallies = append(tallies, dist.TallyInput{Kind: dist.TallyPeople, Age: "adult", Gender: "man", Quantity: kits - 8},
		dist.TallyInput{Kind: dist.TallyPeople, Age: "child", Quantity: 8})
	r, err := s.Plan(ctx, c.coordinator, dist.PlanInput{SiteID: siteID, Kind: dist.KindGoods, Public: true,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Lines: lines})
	if err != nil {
		return fmt.Errorf("rounds: clothing: %w", err)
	}
	if err := run(ctx, s, c, r, tallies); err != nil {
		return fmt.Errorf("rounds: clothing: %w", err)
	}
	return nil
}

// seedNeeds records what the living sites asked for.
func seedNeeds(ctx context.Context, d *db.DB, c crew, site map[string]int64, product map[productKey]int64) error {
	nd := needs.New(d)
	cats, err := catalog.Categories(ctx, d, c.coordinator)
	if err != nil {
		return fmt.Errorf("needs: %w", err)
	}
	category := map[string]int64{}
	for _, ct := range cats {
		category[ct.Name] = ct.ID
	}
	for _, n := range []struct {
		site     string
		product  productKey
		category string
		quantity int64
		urgency  int64
		source   string
	}{
		{"Zone du canal", productKey{"Sleeping Bags", ""}, "", 40, 3, needs.FromDistribution},
		{"Zone du canal", productKey{"Tents", ""}, "", 15, 3, needs.FromIncident},
		{"Dunes Est", productKey{"Sleeping Bags", ""}, "", 25, 2, needs.FromDistribution},
		{"Friche des Tilleuls", productKey{"Tarps", ""}, "", 30, 2, needs.FromCoordinator},
		{"Bois des Saules", productKey{"Winter Jackets", catalog.GenderMale}, "", 60, 2, needs.FromDistribution},
		{"Talus Ouest", productKey{}, "Hygiene", 80, 1, needs.FromCoordinator},
	} {
		in := needs.Input{SiteID: site[n.site], ProductID: product[n.product], Quantity: n.quantity, Urgency: n.urgency, Source: n.source}
		if n.category != "" {
			in.ProductID, in.CategoryID = 0, category[n.category]
		}
		if _, err := nd.Create(ctx, c.coordinator, in); err != nil {
			return fmt.Errorf("needs: %s: %w", n.site, err)
		}
	}
	return nil
}
