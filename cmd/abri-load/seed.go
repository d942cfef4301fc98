package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/demo"
	"abri/internal/distribution"
	"abri/internal/place"
	"abri/internal/stock"
)

// group is one organisation the clients work in: the warehouse volunteer's
// API token, the shelves of its base, and what its boxes are made of. codes
// grows as clients create boxes.
type group struct {
	slug  string
	token string
	// A field volunteer's token and a site of the base, for the offline
	// command batches (a quick count's taps at the site).
	fieldToken string
	site       int64
	// An observer's token, for eviction reports sent from the phone.
	observerToken string
	// A round of the base that is out, and a product on it, for the
	// tallies of the distribution screen (the demo has one; hosted groups
	// none).
	round, roundProduct int64
	shelves             []int64
	kinds               []boxKind // counted goods seen in its boxes, for creating more
	prods               []int64   // the products of its boxes, for list filters

	mu    sync.Mutex
	codes []string // boxes in stock on its shelves
}

type boxKind struct {
	product int64
	size    string
}

func (g *group) code(rng *rand.Rand) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.codes[rng.IntN(len(g.codes))]
}

func (g *group) add(code string) {
	g.mu.Lock()
	g.codes = append(g.codes, code)
	g.mu.Unlock()
}

// seedDemo seeds the demo data set and returns its first organisation's main
// base, worked in by its warehouse volunteer.
func seedDemo(ctx context.Context, d *db.DB, accounts *account.Service) ([]*group, error) {
	users, err := demo.Seed(ctx, d, accounts)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	field, observer := "", ""
	for _, u := range users {
		if u.Role == string(access.Distribution) && field == "" {
			field = u.Token
		}
		if u.Role == string(access.Observer) && observer == "" {
			observer = u.Token
		}
	}
	for _, u := range users {
		if u.Role != string(access.Warehouse) {
			continue
		}
		p, err := accounts.TokenPrincipal(ctx, u.Token)
		if err != nil {
			return nil, err
		}
		g, err := loadGroup(ctx, d, p.Actor, u.Token)
		if err != nil {
			return nil, err
		}
		g.slug, g.observerToken = "demo", observer
		if err := g.fieldSite(ctx, d, accounts, field, p.Actor); err != nil {
			return nil, err
		}
		return []*group{g}, nil
	}
	return nil, errors.New("the demo has no warehouse volunteer")
}

// Each hosted group is a small warehouse: hostedShelves shelves and between
// hostedBoxes[0] and hostedBoxes[1] boxes of hostedProducts counted products.
var (
	hostedBoxes    = [2]int{200, 500}
	hostedShelves  = []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5"}
	hostedProducts = 24
)

// seedHosted seeds n organisations named load-001… as a hosted server holds
// them: each with one base, an administrator, a warehouse volunteer, a
// distribution volunteer and an observer (all with API tokens and no
// password), shelves, a few hundred boxes and a round out. Groups
// are seeded four at a time: on PostgreSQL their transactions overlap, on
// SQLite they queue for the one writer.
func seedHosted(ctx context.Context, d *db.DB, accounts *account.Service, n int) ([]*group, error) {
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		return nil, fmt.Errorf("seed the catalogue: %w", err)
	}
	out := make([]*group, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = seedGroup(ctx, d, accounts, i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

func seedGroup(ctx context.Context, d *db.DB, accounts *account.Service, i int) (*group, error) {
	slug := fmt.Sprintf("load-%03d", i+1)
	if _, err := accounts.OrganisationBySlug(ctx, slug); err == nil {
		return nil, fmt.Errorf("%s exists already: give abri-load an empty database", slug)
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	org, base, err := accounts.CreateOrganisation(ctx, slug, fmt.Sprintf("Load group %d", i+1), "Entrepôt")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", slug, err)
	}
	sys := access.SystemActor(org.ID, base.ID)
	places := place.New(d)
	for _, name := range hostedShelves {
		if _, err := places.CreateLocation(ctx, sys, place.LocationInput{Name: name, Kind: place.LocationShelf}); err != nil {
			return nil, fmt.Errorf("%s: location: %w", slug, err)
		}
	}
	var token, field, observer string
	for _, role := range []access.Role{access.Admin, access.Warehouse, access.Distribution, access.Observer} {
		u, err := accounts.AddUser(ctx, sys, account.NewUser{
			Email: fmt.Sprintf("%s@%s.load.abri.invalid", role, slug), Name: string(role), BaseID: base.ID, Role: role,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: user: %w", slug, err)
		}
		secret, _, err := accounts.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: role}, "load")
		if err != nil {
			return nil, fmt.Errorf("%s: token: %w", slug, err)
		}
		switch role {
		case access.Warehouse:
			token = secret
		case access.Distribution:
			field = secret
		case access.Observer:
			observer = secret
		}
	}
	quai, err := places.CreateSite(ctx, sys, place.SiteInput{Name: "Quai", Kind: place.SiteDistribution})
	if err != nil {
		return nil, fmt.Errorf("%s: site: %w", slug, err)
	}
	p, err := accounts.TokenPrincipal(ctx, token)
	if err != nil {
		return nil, err
	}
	a := p.Actor
	if err := seedBoxes(ctx, d, a, i); err != nil {
		return nil, fmt.Errorf("%s: %w", slug, err)
	}
	g, err := loadGroup(ctx, d, a, token)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", slug, err)
	}
	g.slug, g.observerToken = slug, observer
	// A goods round out at the quay now, for the tallies.
	rounds := distribution.New(d)
	start := time.Now().Add(-10 * time.Minute)
	r, err := rounds.Plan(ctx, sys, distribution.PlanInput{SiteID: quai.ID, Kind: distribution.KindGoods, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Lines: []distribution.LineInput{{ProductID: g.kinds[0].product, Planned: 100}}})
	if err != nil {
		return nil, fmt.Errorf("%s: round: %w", slug, err)
	}
	if _, err := rounds.SendOut(ctx, sys, r.ID); err != nil {
		return nil, fmt.Errorf("%s: round: %w", slug, err)
	}
	if err := g.fieldSite(ctx, d, accounts, field, a); err != nil {
		return nil, fmt.Errorf("%s: %w", slug, err)
	}
	return g, nil
}

// fieldSite keeps the field volunteer's token and the first live site of
// the base, for command batches; a group without them sends none.
func (g *group) fieldSite(ctx context.Context, d *db.DB, accounts *account.Service, token string, a access.Actor) error {
	if token == "" {
		return nil
	}
	err := d.QueryRow(ctx, "SELECT id FROM sites WHERE org_id = ? AND base_id = ? AND archived = ? ORDER BY id LIMIT 1",
		a.OrgID, a.BaseID, false).Scan(&g.site)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	g.fieldToken = token
	err = d.QueryRow(ctx, `SELECT r.id, l.product_id FROM rounds r JOIN round_lines l ON l.round_id = r.id
		WHERE r.org_id = ? AND r.base_id = ? AND r.state = 'out' ORDER BY r.id, l.product_id LIMIT 1`,
		a.OrgID, a.BaseID).Scan(&g.round, &g.roundProduct)
	if err != nil && !db.IsNoRows(err) {
		return fmt.Errorf("open round: %w", err)
	}
	return nil
}

// seedBoxes fills a hosted group's shelves with counted goods, 500 boxes a
// transaction, the way sorting mode saves them.
func seedBoxes(ctx context.Context, d *db.DB, a access.Actor, i int) error {
	ps, err := catalog.AllProducts(ctx, d, a)
	if err != nil {
		return err
	}
	ranges, err := catalog.SizeRanges(ctx, d, a)
	if err != nil {
		return err
	}
	sizes := map[int64][]string{}
	for _, r := range ranges {
		for _, s := range r.Sizes {
			sizes[r.ID] = append(sizes[r.ID], s.Label)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(i), 2026))
	var counted []catalog.Product
	for _, p := range ps {
		if p.Measure == "" && len(sizes[p.SizeRangeID]) > 0 && !p.Hidden {
			counted = append(counted, p)
		}
	}
	rng.Shuffle(len(counted), func(i, j int) { counted[i], counted[j] = counted[j], counted[i] })
	counted = counted[:min(hostedProducts, len(counted))]
	if len(counted) == 0 {
		return errors.New("the catalogue has no counted products")
	}
	ls, err := place.New(d).Locations(ctx, a, place.LocationFilter{Kind: place.LocationShelf})
	if err != nil {
		return err
	}
	n := hostedBoxes[0] + rng.IntN(hostedBoxes[1]-hostedBoxes[0]+1)
	nbs := make([]stock.NewBox, n)
	for j := range nbs {
		p := counted[rng.IntN(len(counted))]
		ss := sizes[p.SizeRangeID]
		nbs[j] = stock.NewBox{ProductID: p.ID, Size: ss[rng.IntN(len(ss))], Items: int64(5 + rng.IntN(20)),
			LocationID: ls[rng.IntN(len(ls))].ID}
	}
	s := stock.New(d)
	for start := 0; start < n; start += 500 {
		if _, err := s.CreateBoxes(ctx, a, nbs[start:min(start+500, n)]); err != nil {
			return fmt.Errorf("boxes: %w", err)
		}
	}
	return nil
}

// loadGroup reads what the clients of a group need: the boxes in stock on
// its shelves, those shelves (moving such a box between them keeps it in
// stock), and the products and sizes of its counted goods.
func loadGroup(ctx context.Context, d *db.DB, a access.Actor, token string) (*group, error) {
	ls, err := place.New(d).Locations(ctx, a, place.LocationFilter{Kind: place.LocationShelf})
	if err != nil {
		return nil, err
	}
	g := &group{token: token}
	for _, l := range ls {
		if l.DefaultState == place.StateInStock {
			g.shelves = append(g.shelves, l.ID)
		}
	}
	onShelf := map[int64]bool{}
	for _, id := range g.shelves {
		onShelf[id] = true
	}
	kinds := map[boxKind]bool{}
	prods := map[int64]bool{}
	err = stock.New(d).Each(ctx, a, stock.Filter{States: []stock.State{stock.InStock}}, func(b stock.Box) error {
		if !onShelf[b.LocationID] {
			return nil
		}
		g.codes = append(g.codes, b.Code)
		if b.BaseUnit() == "" && !kinds[boxKind{b.ProductID, b.Size}] {
			kinds[boxKind{b.ProductID, b.Size}] = true
			g.kinds = append(g.kinds, boxKind{b.ProductID, b.Size})
		}
		if !prods[b.ProductID] {
			prods[b.ProductID] = true
			g.prods = append(g.prods, b.ProductID)
		}
		return nil
	})
	if err == nil && (len(g.codes) == 0 || len(g.shelves) < 2 || len(g.kinds) == 0) {
		err = errors.New("the base has no boxes in stock on its shelves, or fewer than two shelves")
	}
	return g, err
}
