package web

import (
	"net/http"
	"net/url"
	"strconv"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/stock"
)

// The stock overview, /stock: category → product → size → location, with
// box and item counts (and kg or l for measured goods), folded with
// <details> so a phone shows the categories first. A state filter chooses
// which boxes count (by default those in the warehouse).

type overviewPage struct {
	States     []option
	On         map[string]bool // the states counted
	Categories []ovCategory
	Boxes      int64 // boxes counted, in every category
	CanSort    bool
	CanAdmin   bool // locations and catalogue
	Error      string
}

type ovTotals struct {
	N      int64  // boxes
	Boxes  string // "3 boxes"
	Items  int64
	Amount string // "12 items" or "12.5 kg"
}

type ovCategory struct {
	Name string
	ovTotals
	Products []ovProduct
}

type ovProduct struct {
	Name string
	ovTotals
	Sizes []ovSize
}

type ovSize struct {
	Size string // "" for a product without sizes or a measured one
	ovTotals
	Places []ovPlace
}

type ovPlace struct {
	Name string
	ovTotals
	Link string // the box list of exactly these boxes
}

func (s *server) stockOverview(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	ctx, actor := r.Context(), c.P.Actor
	p := overviewPage{States: c.stateOptions(stock.States), On: map[string]bool{},
		CanSort: actor.Can(access.EditStock), CanAdmin: actor.Can(access.ManageLocations) || actor.Can(access.ManageCatalog)}
	status := http.StatusOK
	states, err := stock.ParseStates(r.URL.Query())
	if err != nil {
		p.Error, status = errText(c, err), apperr.Status(apperr.Invalid)
	}
	if len(states) == 0 {
		states = stock.InWarehouse
	}
	for _, st := range states {
		p.On[string(st)] = true
	}
	rows, err := s.stock.Overview(ctx, actor, states)
	if err != nil {
		return err
	}
	// In the reader's alphabetical order; the tree keeps each product's
	// sizes and places in the order the overview gave them.
	rows = catalog.SortForReader(c.Lang, rows, func(r stock.OverviewRow) (int64, string, string) {
		return r.ProductID, catalog.CategoryName(c.Lang, r.CategoryName), c.productName(r.ProductName, r.Gender, r.Standard)
	})
	p.Categories = c.overviewTree(rows, states)
	for _, r := range rows {
		p.Boxes += r.Boxes
	}
	s.render(w, r, c, status, "stock", "web.stock.title", p)
	return nil
}

// overviewTree folds the overview's rows (sorted by category, product, size,
// location) into a tree with totals at every level.
func (c *reqCtx) overviewTree(rows []stock.OverviewRow, states []stock.State) []ovCategory {
	var cats []ovCategory
	type sum struct {
		boxes, items, mil int64
		unit              string
	}
	add := func(t *sum, r stock.OverviewRow, unit string) {
		t.boxes += r.Boxes
		t.items += r.Items
		t.mil += r.MeasureMil
		t.unit = unit
	}
	totals := func(t sum) ovTotals {
		o := ovTotals{N: t.boxes, Boxes: c.plural("stock.boxes_n", t.boxes), Items: t.items, Amount: c.plural("stock.items_n", t.items)}
		if t.unit != "" {
			o.Amount = c.quantity(t.mil, t.unit)
		}
		return o
	}
	var cs, ps, ss sum
	lastP, lastS := int64(-1), ""
	flushSize := func() {
		if n := len(cats); n > 0 {
			prods := cats[n-1].Products
			if m := len(prods); m > 0 && len(prods[m-1].Sizes) > 0 {
				sz := &prods[m-1].Sizes[len(prods[m-1].Sizes)-1]
				sz.ovTotals = totals(ss)
			}
		}
		ss = sum{}
	}
	flushProduct := func() {
		flushSize()
		if n := len(cats); n > 0 && len(cats[n-1].Products) > 0 {
			cats[n-1].Products[len(cats[n-1].Products)-1].ovTotals = totals(ps)
		}
		ps = sum{}
	}
	flushCategory := func() {
		flushProduct()
		if n := len(cats); n > 0 {
			cats[n-1].ovTotals = totals(cs)
			// A category mixes counted and measured goods: count items only.
			cats[n-1].Amount = c.plural("stock.items_n", cs.items)
		}
		cs = sum{}
	}
	for _, r := range rows {
		unit := stock.Box{Measure: r.Measure}.BaseUnit()
		if name := catalog.CategoryName(c.Lang, r.CategoryName); len(cats) == 0 || cats[len(cats)-1].Name != name {
			flushCategory()
			cats = append(cats, ovCategory{Name: name})
			lastP = -1
		}
		cat := &cats[len(cats)-1]
		if r.ProductID != lastP {
			flushProduct()
			cat.Products = append(cat.Products, ovProduct{Name: c.productName(r.ProductName, r.Gender, r.Standard)})
			lastP, lastS = r.ProductID, "\x00"
		}
		prod := &cat.Products[len(cat.Products)-1]
		if r.Size != lastS {
			flushSize()
			prod.Sizes = append(prod.Sizes, ovSize{Size: r.Size})
			lastS = r.Size
		}
		sz := &prod.Sizes[len(prod.Sizes)-1]
		var one sum
		add(&one, r, unit)
		q := url.Values{"product": {strconv.FormatInt(r.ProductID, 10)}, "location": {strconv.FormatInt(r.LocationID, 10)}}
		if r.Size != "" {
			q.Set("size", r.Size)
		}
		for _, st := range states {
			q.Add("state", string(st))
		}
		sz.Places = append(sz.Places, ovPlace{Name: r.LocationName, ovTotals: totals(one), Link: "/stock/boxes?" + q.Encode()})
		add(&cs, r, unit)
		add(&ps, r, unit)
		add(&ss, r, unit)
	}
	flushCategory()
	return cats
}
