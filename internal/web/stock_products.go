package web

import (
	"net/http"
	"strconv"

	"abri/internal/access"
	"abri/internal/catalog"
)

// The catalogue, /stock/products: the standard products and the base's own,
// by category. The warehouse, coordinators and administrators add the
// base's own products and hide the ones the base never handles, so the
// sorting form offers only what is used.

type productsPage struct {
	Categories []productsCategory
	CanManage  bool
	AllCats    []catalog.Category
	Ranges     []catalog.SizeRange
	Genders    []option
	Form       catalog.NewProduct
	Error      string
	Hidden     int

	Kits    []kitView  // the base's kits with their contents
	Kitable []option   // the base's own products that may become kits
	Kit     *kitEditor // the kit being changed, when one is
}

type productsCategory struct {
	Name     string
	Products []productRow
}

type productRow struct {
	ID     int64
	Name   string
	Sizes  string // the size range, or the unit
	Own    bool
	Hidden bool
	Kit    bool
}

func (s *server) products(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	var p productsPage
	if r.URL.Query().Get("kit") != "" { // "" is the list's placeholder: nothing chosen
		ed, err := s.openKit(r, c, r.URL.Query().Get("kit"))
		if err != nil {
			return err
		}
		p.Kit = ed
	}
	return s.renderProducts(w, r, c, http.StatusOK, p)
}

func (s *server) renderProducts(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p productsPage) error {
	ctx, actor := r.Context(), c.P.Actor
	ps, err := catalog.AllProducts(ctx, s.db, actor)
	if err != nil {
		return err
	}
	if p.AllCats, err = catalog.Categories(ctx, s.db, actor); err != nil {
		return err
	}
	if p.Ranges, err = catalog.SizeRanges(ctx, s.db, actor); err != nil {
		return err
	}
	kits, err := catalog.Kits(ctx, s.db, actor)
	if err != nil {
		return err
	}
	p.CanManage, p.Genders = actor.Can(access.ManageCatalog), c.genderOptions()
	isKit := c.fillKits(&p, ps, kits)
	for _, pr := range ps {
		if name := catalog.CategoryName(c.Lang, pr.CategoryName); len(p.Categories) == 0 || p.Categories[len(p.Categories)-1].Name != name {
			p.Categories = append(p.Categories, productsCategory{Name: name})
		}
		cat := &p.Categories[len(p.Categories)-1]
		sizes := catalog.RangeName(c.Lang, pr.SizeRangeName)
		if pr.Measure != "" {
			sizes = c.T("catalog.measure." + pr.Measure)
		}
		cat.Products = append(cat.Products, productRow{ID: pr.ID, Name: c.productName(pr.Name, pr.Gender, pr.Standard()), Sizes: sizes,
			Own: !pr.Standard(), Hidden: pr.Hidden, Kit: isKit[pr.ID]})
		if pr.Hidden {
			p.Hidden++
		}
	}
	s.render(w, r, c, status, "products", "web.products.title", p)
	return nil
}

func (s *server) addProduct(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	np := catalog.NewProduct{Name: pf.Get("name"), Gender: pf.Get("gender")}
	np.CategoryID, _ = strconv.ParseInt(pf.Get("category"), 10, 64)
	np.SizeRangeID, _ = strconv.ParseInt(pf.Get("size_range"), 10, 64)
	if _, err := s.catalog.AddProduct(r.Context(), c.P.Actor, np); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderProducts(w, r, c, status, productsPage{Form: np, Error: msg})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.product_added")
	redirect(w, r, "/stock/products")
	return nil
}

func (s *server) hideProduct(hidden bool) handlerFunc {
	flash := "web.flash.product_shown"
	if hidden {
		flash = "web.flash.product_hidden"
	}
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.catalog.HideProduct(r.Context(), c.P.Actor, id, hidden); err != nil {
			return err
		}
		s.setFlash(w, r, flash)
		redirect(w, r, "/stock/products")
		return nil
	}
}
