package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"abri/internal/db"
	dist "abri/internal/distribution"
	"abri/internal/incident"
	"abri/internal/place"
)

// seedIncidents logs demoWeeks of incidents at the living sites shaped like
// the published figures (docs: field-figures): about 3 a day, most of them
// evictions, each eviction seizing about 4.7 tents and tarps and 2.3
// sleeping bags. Each opens its replacement needs; a weekly shelter round at
// every living site then meets part of them.
func seedIncidents(ctx context.Context, d *db.DB, c crew, loc *time.Location, today time.Time, product map[productKey]int64) error {
	a := c.coordinator
	ss, err := place.New(d).Sites(ctx, a, place.SiteFilter{Kind: place.SiteLiving})
	if err != nil || len(ss) == 0 {
		return fmt.Errorf("incidents: sites: %v", err)
	}
	tent, tarp, bag := product[productKey{"Tents", ""}], product[productKey{"Tarps", ""}], product[productKey{"Sleeping Bags", ""}]
	if tent == 0 || tarp == 0 || bag == 0 {
		return fmt.Errorf("incidents: no tents, tarps or sleeping bags in the catalogue")
	}
	rng := rand.New(rand.NewPCG(1226, uint64(a.BaseID)))
	s := incident.New(d)
	// around draws a count whose mean is mean (two uniform halves).
	around := func(mean float64) int64 { return int64(rng.Float64()*mean + rng.Float64()*mean + 0.5) }
	for day := -7 * demoWeeks; day < 0; day++ {
		date := today.AddDate(0, 0, day)
		for i := range 2 + rng.IntN(3) { // 2 to 4 a day, 3 on average
			site := ss[rng.IntN(len(ss))]
			start := time.Date(date.Year(), date.Month(), date.Day(), 7+i*3, rng.IntN(4)*15, 0, 0, loc)
			in := incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: start, EndsAt: start.Add(time.Duration(2+rng.IntN(4)) * time.Hour),
				LegalBasis: []string{"administrative_order", "none_given", "court_order", "unknown"}[rng.IntN(4)],
				Bailiff:    []string{"no", "yes", "unknown"}[rng.IntN(3)], Interpreter: "no", Notice: "no", RecoveryOffered: []string{"no", "unknown"}[rng.IntN(2)],
				PeoplePresent: 20 + int64(rng.IntN(80)),
				Forces: []incident.ForceLine{{Force: "riot_police", Vehicles: 4 + int64(rng.IntN(8)), Officers: 20 + int64(rng.IntN(30))},
					{Force: "cleaning_contractor", Vehicles: 1 + int64(rng.IntN(2))}}}
			if rng.IntN(10) == 0 {
				in.PeopleArrested = 1 + int64(rng.IntN(3))
			}
			if rng.IntN(4) == 0 {
				in.ObserversChecked = 1 + int64(rng.IntN(2))
			}
			switch k := rng.IntN(10); {
			case k == 0:
				in.Kind = "identity_check"
			case k == 1:
				in.Kind = "observers"
				in.ObserversObstructed = 1 + int64(rng.IntN(3))
			}
			if in.Kind == "eviction" {
				tents := around(4.7)
				nt := tents * 2 / 3
				for _, l := range []incident.ItemLine{{ProductID: tent, Seized: nt}, {ProductID: tarp, Seized: tents - nt}, {ProductID: bag, Seized: around(2.3)}} {
					if l.Seized > 0 {
						in.Items = append(in.Items, l)
					}
				}
			}
			if _, err := s.Report(ctx, a, in); err != nil {
				return fmt.Errorf("incidents: %w", err)
			}
		}
	}
	// A weekly shelter round at each living site replaces part of it.
	ds := dist.New(d)
	for week := demoWeeks; week >= 1; week-- {
		date := today.AddDate(0, 0, -7*week+3)
		for _, site := range ss {
			start := time.Date(date.Year(), date.Month(), date.Day(), 18, 0, 0, 0, loc)
			n := int64(3 + rng.IntN(4))
			r, err := ds.Plan(ctx, a, dist.PlanInput{SiteID: site.ID, Kind: dist.KindGoods, StartsAt: start, EndsAt: start.Add(time.Hour),
				Lines: []dist.LineInput{{ProductID: tent, Planned: n}, {ProductID: bag, Planned: n}}})
			if err != nil {
				return fmt.Errorf("incidents: shelter round: %w", err)
			}
			if err := run(ctx, ds, c, r, []dist.TallyInput{{Kind: dist.TallyHandout, ProductID: tent, Quantity: n},
				{Kind: dist.TallyHandout, ProductID: bag, Quantity: n - 1}}); err != nil {
				return fmt.Errorf("incidents: shelter round: %w", err)
			}
		}
	}
	return nil
}
