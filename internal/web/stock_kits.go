package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
)

// Kits, on /stock/products: a product of the base's own made of others
// ("Shelter kit: 1 × Tent, 1 × Sleeping bag, 1 × Mat, 1 × Tarp"). The page
// lists the kits with their contents; /stock/products?kit=ID opens the form
// that changes one kit's contents, which posts to /stock/products/{id}/kit.
// The form works without JavaScript: each product already in the kit has its
// quantity and a "remove" box, and a few empty rows add products.

// kitAddRows is how many empty rows the kit form offers at once.
const kitAddRows = 2

// kitView is one kit as the list shows it.
type kitView struct {
	ID    int64
	Name  string
	Items []string // "1 × Tent", "1 × Sleeping bag"; each is isolated on the page, for right-to-left
}

// kitEditor is the form that changes one kit's contents.
type kitEditor struct {
	ID      int64
	Name    string
	Rows    []kitRow // the products in the kit (or as typed, after an error)
	Add     []int    // the row numbers of the empty rows
	Choices []productGroup
	Error   string
	Max     int // products in one kit
	MaxQty  int // of one product
}

// kitRow is one product of the kit form.
type kitRow struct {
	N         int
	ProductID int64
	Name      string
	Quantity  string // as typed
	Remove    bool
}

// openKit reads the kit form of a product for /stock/products?kit=ID: only
// for those who manage the catalogue, and only for the base's own products.
func (s *server) openKit(r *http.Request, c *reqCtx, raw string) (*kitEditor, error) {
	ctx, actor := r.Context(), c.P.Actor
	if err := actor.Require(access.ManageCatalog); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, apperr.ErrNotFound()
	}
	p, err := catalog.GetProduct(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	if p.Standard() {
		return nil, apperr.New(apperr.Invalid, "catalog.error.kit_not_own")
	}
	cs, err := catalog.Kit(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	ed := &kitEditor{ID: id, Name: c.productName(p.Name, p.Gender, p.Standard())}
	for i, k := range cs {
		ed.Rows = append(ed.Rows, kitRow{N: i, ProductID: k.ProductID, Quantity: strconv.FormatInt(k.Quantity, 10)})
	}
	return ed, nil
}

// fillKits puts the kits, the products that may become kits and what the
// kit form offers on the products page, and tells which products are kits.
func (c *reqCtx) fillKits(p *productsPage, ps []catalog.Product, kits []catalog.KitProduct) map[int64]bool {
	isKit, inKit := map[int64]bool{}, map[int64]bool{}
	for _, k := range kits {
		isKit[k.ProductID] = true
		items := make([]string, 0, len(k.Components))
		for _, kc := range k.Components {
			inKit[kc.ProductID] = true
			items = append(items, c.T("web.kits.item", kc.Quantity, c.productName(kc.Name, kc.Gender, kc.Standard)))
		}
		p.Kits = append(p.Kits, kitView{ID: k.ProductID, Name: c.productName(k.Name, k.Gender, false), Items: items})
	}
	byID := make(map[int64]catalog.Product, len(ps))
	for _, pr := range ps {
		byID[pr.ID] = pr
		// A kit holds no kit, and a product in a kit cannot become one.
		if !pr.Standard() && !isKit[pr.ID] && !inKit[pr.ID] {
			p.Kitable = append(p.Kitable, option{Value: strconv.FormatInt(pr.ID, 10), Label: c.productName(pr.Name, pr.Gender, pr.Standard())})
		}
	}
	ed := p.Kit
	if ed == nil {
		return isKit
	}
	ed.Max, ed.MaxQty = catalog.MaxKitComponents, catalog.MaxKitQuantity
	// Name the rows; a product the base cannot use cannot have been offered.
	rows, in := ed.Rows[:0], map[int64]bool{}
	for _, row := range ed.Rows {
		if pr, ok := byID[row.ProductID]; ok {
			row.N, row.Name = len(rows), c.productName(pr.Name, pr.Gender, pr.Standard())
			rows = append(rows, row)
			in[row.ProductID] = true
		}
	}
	ed.Rows = rows
	for i := len(rows); i < len(rows)+kitAddRows && i < catalog.MaxKitComponents; i++ {
		ed.Add = append(ed.Add, i)
	}
	var choices []catalog.Product
	for _, pr := range ps {
		if !pr.Hidden && pr.ID != ed.ID && !isKit[pr.ID] && !in[pr.ID] {
			choices = append(choices, pr)
		}
	}
	ed.Choices = c.productGroups(choices)
	return isKit
}

// readKitForm reads the posted kit form: its rows as typed, and the
// contents they make. A row without a product, or whose "remove" box is
// ticked, is left out.
func readKitForm(c *reqCtx, pf url.Values) ([]kitRow, []catalog.KitComponent, error) {
	var rows []kitRow
	for key := range pf {
		n, ok := strings.CutPrefix(key, "product.")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= 100 {
			return nil, nil, apperr.New(apperr.Invalid, "error.bad_request")
		}
		id, _ := strconv.ParseInt(pf.Get(key), 10, 64)
		if strings.TrimSpace(pf.Get(key)) == "" {
			continue
		}
		rows = append(rows, kitRow{N: i, ProductID: id, Quantity: pf.Get("quantity." + n), Remove: pf.Get("remove."+n) != ""})
	}
	slices.SortFunc(rows, func(a, b kitRow) int { return a.N - b.N })
	var cs []catalog.KitComponent
	for _, row := range rows {
		if row.Remove {
			continue
		}
		if row.ProductID <= 0 {
			return rows, nil, apperr.New(apperr.Invalid, "catalog.error.kit_component_unknown")
		}
		q, err := formInt(row.Quantity, c.T("web.kits.quantity"))
		if err != nil {
			return rows, nil, err
		}
		cs = append(cs, catalog.KitComponent{ProductID: row.ProductID, Quantity: q})
	}
	return rows, cs, nil
}

// saveKit sets a kit's contents from its form, or shows the form again with
// what was typed and why it was refused.
func (s *server) saveKit(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, actor := r.Context(), c.P.Actor
	rows, cs, err := readKitForm(c, r.PostForm)
	if err == nil {
		_, err = s.catalog.SetKit(ctx, actor, id, cs)
	}
	if err != nil {
		msg, status := formError(c, err)
		if msg == "" {
			return err
		}
		// Only a product the base may make a kit gets its form back; for
		// any other the refusal is the page (another organisation's is
		// "not found", whatever was typed).
		p, gerr := catalog.GetProduct(ctx, s.db, actor, id)
		if gerr != nil {
			return gerr
		}
		if p.Standard() {
			return err
		}
		ed := &kitEditor{ID: id, Name: c.productName(p.Name, p.Gender, p.Standard()), Rows: rows, Error: msg}
		return s.renderProducts(w, r, c, status, productsPage{Kit: ed})
	}
	flash := "web.flash.kit_saved"
	if len(cs) == 0 {
		flash = "web.flash.kit_cleared"
	}
	s.setFlash(w, r, flash)
	redirect(w, r, "/stock/products#kits")
	return nil
}
