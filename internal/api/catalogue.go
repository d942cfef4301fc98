package api

import (
	"net/http"

	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/place"
)

// productBody is a product in the answer of GET /api/v1/products.
type productBody struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Category idName    `json:"category"`
	Gender   string    `json:"gender"`
	Measure  string    `json:"measure"` // "mass", "volume", or "" for counted goods
	Unit     *string   `json:"unit"`    // kg or l for measured goods
	Sizes    []string  `json:"sizes"`
	Standard bool      `json:"standard"`
	Kit      []kitBody `json:"kit"` // what one kit holds; empty for a plain product
}

// kitBody is one product in a kit and how many of it one kit holds.
type kitBody struct {
	ProductID int64  `json:"product_id"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
}

type unitBody struct {
	Symbol      string  `json:"symbol"`
	Name        string  `json:"name"`
	Dimension   string  `json:"dimension"`
	PerBaseUnit float64 `json:"per_base_unit"`
}

type productsBody struct {
	Products []productBody `json:"products"`
	Units    []unitBody    `json:"units"`
}

// baseUnit is the unit a measure's quantities are given in
// (catalog.BaseUnit), or null for counted goods.
func baseUnit(measure string) *string {
	u := catalog.BaseUnit(measure)
	if u == "" {
		return nil
	}
	return &u
}

// products answers GET /api/v1/products: the catalogue of the token's base
// (the standard products and the base's own, minus those it hides), each
// with its sizes and, for a kit, its contents; and the units measured goods
// may be given in. q narrows the products as the screens' product pickers do
// (catalog.SearchProducts), in the reader's language.
func (a *api) products(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	params, err := readParams(r, "q")
	if err != nil {
		return err
	}
	query, err := params.str("q")
	if err != nil {
		return err
	}
	ctx := r.Context()
	ps, err := catalog.Products(ctx, a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	ps = catalog.SearchProducts(langOf(r, p), query, ps)
	ranges, err := catalog.SizeRanges(ctx, a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	units, err := catalog.Units(ctx, a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	kits, err := catalog.Kits(ctx, a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	contents := make(map[int64][]kitBody, len(kits))
	for _, k := range kits {
		kb := make([]kitBody, 0, len(k.Components))
		for _, c := range k.Components {
			kb = append(kb, kitBody{ProductID: c.ProductID, Name: c.Name, Quantity: c.Quantity})
		}
		contents[k.ProductID] = kb
	}
	sizes := map[int64][]string{}
	for _, sr := range ranges {
		labels := make([]string, 0, len(sr.Sizes))
		for _, s := range sr.Sizes {
			labels = append(labels, s.Label)
		}
		sizes[sr.ID] = labels
	}
	out := productsBody{Products: make([]productBody, 0, len(ps)), Units: make([]unitBody, 0, len(units))}
	for _, pr := range ps {
		sz := sizes[pr.SizeRangeID]
		if sz == nil {
			sz = []string{}
		}
		kit := contents[pr.ID]
		if kit == nil {
			kit = []kitBody{}
		}
		out.Products = append(out.Products, productBody{
			ID: pr.ID, Name: pr.Name, Category: idName{pr.CategoryID, pr.CategoryName}, Gender: pr.Gender,
			Measure: pr.Measure, Unit: baseUnit(pr.Measure), Sizes: sz, Standard: pr.Standard(), Kit: kit,
		})
	}
	for _, u := range units {
		out.Units = append(out.Units, unitBody{Symbol: u.Symbol, Name: u.Name, Dimension: u.Dimension, PerBaseUnit: u.PerBaseUnit})
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// locationBody is a place of the base where boxes are kept.
type locationBody struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	DefaultState string `json:"default_state"`
}

// locations answers GET /api/v1/locations: the base's locations boxes may
// be moved to, in display order (archived ones are left out).
func (a *api) locations(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	ls, err := a.places.Locations(r.Context(), p.Actor, place.LocationFilter{})
	if err != nil {
		return err
	}
	out := struct {
		Locations []locationBody `json:"locations"`
	}{make([]locationBody, 0, len(ls))}
	for _, l := range ls {
		out.Locations = append(out.Locations, locationBody{ID: l.ID, Name: l.Name, Kind: l.Kind, DefaultState: l.DefaultState})
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
