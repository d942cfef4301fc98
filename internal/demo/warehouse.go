package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"abri/internal/access"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/place"
	"abri/internal/stock"
)

// The demo warehouse is sized from the field figures: a group supplying about
// 1,500 people sleeping outdoors, where evictions seize about 16 tents or
// tarps and 8 sleeping bags or blankets a day, and where a surge takes 1,350
// clothing kits a week. Its main base holds about two thousand boxes:
// shelter, men's clothing in sizes (most people on the move at Calais are
// young men), hygiene goods weighed in kg, and food with expiry dates.

// stockLine is one kind of box in a demo warehouse.
type stockLine struct {
	product, gender string   // catalogue name and gender code
	boxes           int      // how many boxes
	items           [2]int   // items per box, from–to
	sizes           []string // drawn at random; repeats weigh a size. Nil for measured goods
	qty             [2]int   // measured goods: kg or l per box, from–to
	expires         [2]int   // months from now the contents expire, from–to; zero: no date
	shelves         []string // locations, drawn at random
	tags            []string // one of them on about one box in five
}

// ownProduct is a product a demo base adds to the standard catalogue.
type ownProduct struct {
	name, category, measure string // measure: "mass" (kg) or "volume" (l)
}

type donationSpec struct {
	source  string
	daysAgo int
	weightG int64
	items   int64
	note    string
}

// stockSpec is the warehouse of one demo base.
type stockSpec struct {
	own       []ownProduct
	lines     []stockLine
	donations []donationSpec // about one box in four is made from one of them
	labels    int            // pre-printed blank labels
	story     bool           // move boxes about so that their history has content
}

var (
	menSizes  = []string{"S", "M", "M", "M", "L", "L", "L", "XL", "XL", "XXL"}
	shoeSizes = []string{"40", "41", "41", "42", "42", "42", "43", "43", "44", "45"}
	mixed     = []string{"Mixed"}
	shelterAt = []string{"A1", "A2", "A3", "A4"}
	hygieneAt = []string{"A5", "A6"}
	clothesAt = []string{"B1", "B2", "B3", "B4", "B5", "B6"}
	foodAt    = []string{"Réserve cuisine"}
)

// mainWarehouse is the first organisation's main base: 1,980 boxes.
var mainWarehouse = &stockSpec{
	own: []ownProduct{
		{"Lessive en poudre", "Hygiene", "mass"},
		{"Savon de Marseille", "Hygiene", "mass"},
		{"Riz", "Food & Kitchen", "mass"},
		{"Lentilles", "Food & Kitchen", "mass"},
		{"Huile de tournesol", "Food & Kitchen", "volume"},
	},
	lines: []stockLine{
		// Shelter: what evictions take, and what is replaced first.
		{product: "Tents", boxes: 140, items: [2]int{2, 4}, sizes: mixed, shelves: shelterAt, tags: []string{"kit abri"}},
		{product: "Sleeping Bags", boxes: 180, items: [2]int{4, 8}, sizes: mixed, shelves: shelterAt, tags: []string{"kit abri", "grand froid"}},
		{product: "Blankets", boxes: 140, items: [2]int{8, 15}, sizes: mixed, shelves: shelterAt, tags: []string{"grand froid"}},
		{product: "Tarps", boxes: 80, items: [2]int{10, 20}, sizes: mixed, shelves: shelterAt, tags: []string{"kit abri"}},
		{product: "Sleeping Mats", boxes: 60, items: [2]int{6, 10}, sizes: mixed, shelves: shelterAt, tags: []string{"kit abri"}},
		// Clothing in sizes.
		{product: "Winter Jackets", gender: catalog.GenderMale, boxes: 200, items: [2]int{6, 12}, sizes: menSizes, shelves: clothesAt, tags: []string{"hiver"}},
		{product: "Trousers", gender: catalog.GenderMale, boxes: 120, items: [2]int{10, 20}, sizes: menSizes, shelves: clothesAt},
		{product: "Joggers", gender: catalog.GenderMale, boxes: 100, items: [2]int{10, 20}, sizes: menSizes, shelves: clothesAt},
		{product: "Jumpers", gender: catalog.GenderMale, boxes: 120, items: [2]int{8, 15}, sizes: menSizes, shelves: clothesAt, tags: []string{"hiver"}},
		{product: "Underwear", gender: catalog.GenderMale, boxes: 60, items: [2]int{20, 40}, sizes: menSizes, shelves: clothesAt},
		{product: "Thick Socks", gender: catalog.GenderMale, boxes: 80, items: [2]int{30, 60}, sizes: mixed, shelves: clothesAt, tags: []string{"hiver"}},
		{product: "Winter Hats", gender: catalog.GenderMale, boxes: 40, items: [2]int{20, 40}, sizes: mixed, shelves: clothesAt, tags: []string{"hiver"}},
		{product: "Gloves", gender: catalog.GenderUnisexAdult, boxes: 50, items: [2]int{20, 40}, sizes: mixed, shelves: clothesAt, tags: []string{"hiver"}},
		{product: "Practical Shoes", gender: catalog.GenderMale, boxes: 60, items: [2]int{4, 8}, sizes: shoeSizes, shelves: clothesAt},
		{product: "Winter Jackets", gender: catalog.GenderFemale, boxes: 30, items: [2]int{5, 10}, sizes: []string{"XS", "S", "M", "L"}, shelves: clothesAt, tags: []string{"hiver"}},
		// Hygiene: soap 250 g, laundry powder 200 g, toothpaste 100 g per person a month.
		{product: "Lessive en poudre", boxes: 60, items: [2]int{2, 6}, qty: [2]int{5, 15}, shelves: hygieneAt},
		{product: "Savon de Marseille", boxes: 40, items: [2]int{10, 40}, qty: [2]int{3, 8}, shelves: hygieneAt},
		{product: "Toothbrushes", boxes: 40, items: [2]int{50, 100}, sizes: []string{"Multipack"}, shelves: hygieneAt},
		{product: "Toothpaste", boxes: 40, items: [2]int{30, 60}, sizes: []string{"Singlepack"}, expires: [2]int{12, 30}, shelves: hygieneAt},
		{product: "Razors (Disposable)", boxes: 30, items: [2]int{50, 100}, sizes: []string{"One size"}, shelves: hygieneAt},
		{product: "Shower Gel", boxes: 30, items: [2]int{12, 24}, sizes: mixed, shelves: hygieneAt},
		// Food for the kitchen, with dates.
		{product: "Dry Food", boxes: 80, items: [2]int{10, 30}, sizes: mixed, expires: [2]int{2, 12}, shelves: foodAt},
		{product: "Canned / Jarred Food", boxes: 80, items: [2]int{12, 24}, sizes: mixed, expires: [2]int{6, 24}, shelves: foodAt},
		{product: "Riz", boxes: 40, items: [2]int{1, 5}, qty: [2]int{10, 25}, expires: [2]int{6, 18}, shelves: foodAt},
		{product: "Lentilles", boxes: 20, items: [2]int{1, 5}, qty: [2]int{5, 20}, expires: [2]int{6, 18}, shelves: foodAt},
		{product: "Huile de tournesol", boxes: 20, items: [2]int{1, 4}, qty: [2]int{5, 20}, expires: [2]int{6, 12}, shelves: foodAt},
		{product: "Bottled water", boxes: 40, items: [2]int{6, 12}, sizes: []string{"Multipack"}, shelves: foodAt},
	},
	donations: []donationSpec{
		{"collection", 40, 820_000, 0, "Collecte d'hiver d'une école"},
		{"group", 33, 0, 1_200, "Envoi d'un collectif partenaire"},
		{"business", 26, 350_000, 0, "Surplus d'un magasin de sport"},
		{"individual", 19, 45_000, 0, ""},
		{"collection", 12, 600_000, 0, "Collecte de quartier"},
		{"group", 5, 0, 900, "Colis d'un groupe de soutien"},
	},
	labels: 20,
	story:  true,
}

// eastWarehouse is the first organisation's second base, a small depot.
var eastWarehouse = &stockSpec{
	lines: []stockLine{
		{product: "Sleeping Bags", boxes: 25, items: [2]int{4, 8}, sizes: mixed, shelves: []string{"A1", "A2"}},
		{product: "Blankets", boxes: 20, items: [2]int{8, 15}, sizes: mixed, shelves: []string{"A2", "A3"}},
		{product: "Dry Food", boxes: 15, items: [2]int{10, 30}, sizes: mixed, expires: [2]int{2, 12}, shelves: []string{"A3"}},
	},
}

// vestiaire is the second organisation's clothes store.
var vestiaire = &stockSpec{
	lines: []stockLine{
		{product: "Winter Jackets", gender: catalog.GenderMale, boxes: 30, items: [2]int{5, 10}, sizes: menSizes, shelves: []string{"Étagère 1"}},
		{product: "Jumpers", gender: catalog.GenderMale, boxes: 20, items: [2]int{8, 15}, sizes: menSizes, shelves: []string{"Étagère 2"}},
		{product: "Thick Socks", gender: catalog.GenderMale, boxes: 10, items: [2]int{30, 60}, sizes: mixed, shelves: []string{"Arrière-boutique"}},
	},
}

// crew is who does the work in a demo base: the warehouse volunteer makes
// and sorts boxes, the distribution team moves them out and back, the
// coordinator reserves them. A base without those users has its
// administrator do everything.
type crew struct {
	warehouse, distribution, coordinator, shop access.Actor
}

// seedWarehouse fills a base's warehouse through the stock domain, so each
// box has its ledger events. A base that has any box already is left as it
// is: seeding twice adds nothing.
func seedWarehouse(ctx context.Context, d *db.DB, places *place.Service, c crew, spec *stockSpec) error {
	a := c.warehouse
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM boxes WHERE org_id = ? AND base_id = ?", a.OrgID, a.BaseID).Scan(&n); err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	if n > 0 {
		return nil
	}
	products, err := ensureOwnProducts(ctx, d, a, spec.own)
	if err != nil {
		return err
	}
	ls, err := places.Locations(ctx, a, place.LocationFilter{})
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	locations := map[string]int64{}
	for _, l := range ls {
		locations[l.Name] = l.ID
	}

	s := stock.New(d)
	now := d.Clock.Now()
	var donations []int64
	for _, ds := range spec.donations {
		don, err := s.RecordDonation(ctx, a, stock.Donation{Source: ds.source, ReceivedOn: now.AddDate(0, 0, -ds.daysAgo).Format("2006-01-02"),
			WeightG: ds.weightG, ItemCount: ds.items, Note: ds.note})
		if err != nil {
			return fmt.Errorf("warehouse: donation: %w", err)
		}
		donations = append(donations, don.ID)
	}
	if spec.labels > 0 {
		if _, err := s.ReserveLabels(ctx, a, spec.labels); err != nil {
			return fmt.Errorf("warehouse: labels: %w", err)
		}
	}

	// The same warehouse every time: only the codes are new.
	rng := rand.New(rand.NewPCG(2026, uint64(a.BaseID)))
	between := func(r [2]int) int { return r[0] + rng.IntN(r[1]-r[0]+1) }
	var nbs []stock.NewBox
	var lineOf []int // line index of each box
	for li, l := range spec.lines {
		p, ok := products[productKey{l.product, l.gender}]
		if !ok {
			return fmt.Errorf("warehouse: no product %q (%s) in the catalogue", l.product, l.gender)
		}
		for i := 0; i < l.boxes; i++ {
			nb := stock.NewBox{ProductID: p.ID, Items: int64(between(l.items))}
			if l.sizes != nil {
				nb.Size = l.sizes[rng.IntN(len(l.sizes))]
			} else {
				nb.Quantity = float64(between(l.qty))
			}
			nb.LocationID = locations[l.shelves[rng.IntN(len(l.shelves))]]
			if nb.LocationID == 0 {
				return fmt.Errorf("warehouse: no location among %v", l.shelves)
			}
			if l.expires != [2]int{} {
				nb.ExpiresOn = now.AddDate(0, between(l.expires), rng.IntN(28)).Format("2006-01-02")
			}
			if len(l.tags) > 0 && rng.IntN(5) == 0 {
				nb.Tags = []string{l.tags[rng.IntN(len(l.tags))]}
			}
			if len(donations) > 0 && rng.IntN(4) == 0 {
				nb.DonationID = donations[rng.IntN(len(donations))]
			}
			nbs = append(nbs, nb)
			lineOf = append(lineOf, li)
		}
	}
	// Shuffle so that ids (the list's order) mix products as sorting does.
	rng.Shuffle(len(nbs), func(i, j int) { nbs[i], nbs[j] = nbs[j], nbs[i]; lineOf[i], lineOf[j] = lineOf[j], lineOf[i] })
	codes := make([]string, 0, len(nbs))
	for start := 0; start < len(nbs); start += 500 {
		end := min(start+500, len(nbs))
		bs, err := s.CreateBoxes(ctx, a, nbs[start:end])
		if err != nil {
			return fmt.Errorf("warehouse: boxes %d-%d: %w", start+1, end, err)
		}
		for _, b := range bs {
			codes = append(codes, b.Code)
		}
	}
	if !spec.story {
		return nil
	}
	return tellStory(ctx, s, c, locations, codes, lineOf, spec, rng)
}

// tellStory moves boxes about as a few weeks of work would: loaded into a
// van and reserved for a distribution, handed out, leftovers brought back,
// shelves reorganised, torn goods thrown out, a van's load lost in an
// eviction, and a few boxes recounted.
func tellStory(ctx context.Context, s *stock.Service, c crew, loc map[string]int64, codes []string, lineOf []int, spec *stockSpec, rng *rand.Rand) error {
	var shelter, clothes, other []string
	for i, code := range codes {
		switch l := spec.lines[lineOf[i]]; {
		case l.shelves[0] == shelterAt[0]:
			shelter = append(shelter, code)
		case l.shelves[0] == clothesAt[0]:
			clothes = append(clothes, code)
		default:
			other = append(other, code)
		}
	}
	// Codes are random, so each list is already in no particular order.
	take := func(from *[]string, n int) []string {
		n = min(n, len(*from))
		out := (*from)[:n:n]
		*from = (*from)[n:]
		return out
	}
	van := append(take(&shelter, 60), take(&clothes, 60)...)
	reorganised := take(&shelter, 40)
	lost := take(&shelter, 12)
	scrapped := append(take(&clothes, 20), take(&other, 10)...)
	recounted := take(&clothes, 20)

	move := func(who access.Actor, codes []string, to string) error {
		res, err := s.MoveBoxes(ctx, who, codes, loc[to])
		if err == nil && res.Failed() > 0 {
			err = fmt.Errorf("%d boxes not moved", res.Failed())
		}
		if err != nil {
			return fmt.Errorf("warehouse: move to %s: %w", to, err)
		}
		return nil
	}
	state := func(who access.Actor, codes []string, st stock.State) error {
		res, err := s.SetState(ctx, who, codes, st)
		if err == nil && res.Failed() > 0 {
			err = fmt.Errorf("%d boxes unchanged", res.Failed())
		}
		if err != nil {
			return fmt.Errorf("warehouse: set %s: %w", st, err)
		}
		return nil
	}
	steps := []func() error{
		func() error { return move(c.distribution, van, "Camionnette 1") },
		func() error { return state(c.coordinator, van[:60], stock.Reserved) },
		func() error { return move(c.distribution, van[40:100], "Point de distribution") },
		func() error { return move(c.distribution, van[40:55], "Salle de tri") },
		func() error { return move(c.warehouse, van[40:50], "B1") },
		func() error { return move(c.warehouse, reorganised, "A4") },
		func() error { return move(c.distribution, lost, "Camionnette 2") },
		func() error { return state(c.coordinator, lost, stock.Lost) },
		func() error { return move(c.warehouse, scrapped, "Rebut") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, code := range recounted {
		b, err := s.Box(ctx, c.warehouse, code)
		if err != nil {
			return fmt.Errorf("warehouse: recount: %w", err)
		}
		n := b.Items - 1 - int64(rng.IntN(3))
		if _, err := s.UpdateBox(ctx, c.warehouse, code, stock.Change{Version: b.Version, Items: &n}); err != nil {
			return fmt.Errorf("warehouse: recount: %w", err)
		}
	}
	return nil
}

type productKey struct{ name, gender string }

// ensureOwnProducts adds the base's own products that are missing and
// returns every product the base uses by name and gender.
func ensureOwnProducts(ctx context.Context, d *db.DB, a access.Actor, own []ownProduct) (map[productKey]catalog.Product, error) {
	read := func() (map[productKey]catalog.Product, error) {
		ps, err := catalog.AllProducts(ctx, d, a)
		if err != nil {
			return nil, fmt.Errorf("warehouse: products: %w", err)
		}
		m := map[productKey]catalog.Product{}
		for _, p := range ps {
			m[productKey{p.Name, p.Gender}] = p
		}
		return m, nil
	}
	have, err := read()
	if err != nil {
		return nil, err
	}
	var missing []ownProduct
	for _, o := range own {
		if _, ok := have[productKey{o.name, ""}]; !ok {
			missing = append(missing, o)
		}
	}
	if len(missing) == 0 {
		return have, nil
	}
	cats, err := catalog.Categories(ctx, d, a)
	if err != nil {
		return nil, fmt.Errorf("warehouse: categories: %w", err)
	}
	catID := map[string]int64{}
	for _, c := range cats {
		catID[c.Name] = c.ID
	}
	ranges, err := catalog.SizeRanges(ctx, d, a)
	if err != nil {
		return nil, fmt.Errorf("warehouse: size ranges: %w", err)
	}
	rangeID := map[string]int64{}
	for _, r := range ranges {
		if r.Measure != "" {
			rangeID[r.Measure] = r.ID
		}
	}
	cs := catalog.New(d)
	for _, o := range missing {
		if catID[o.category] == 0 || rangeID[o.measure] == 0 {
			return nil, fmt.Errorf("warehouse: product %q: no category %q or measure %q", o.name, o.category, o.measure)
		}
		if _, err := cs.AddProduct(ctx, a, catalog.NewProduct{Name: o.name, CategoryID: catID[o.category], SizeRangeID: rangeID[o.measure]}); err != nil {
			return nil, fmt.Errorf("warehouse: product %q: %w", o.name, err)
		}
	}
	return read()
}
