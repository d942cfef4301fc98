package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/place"
	"abri/internal/stock"
)

// Sorting mode: a volunteer empties a bag of donations into boxes. The page
// records the donation (optional: its kind of source, day, weight or count,
// never who gave it), takes one row per box, makes them all at once and then
// offers their labels. Without JavaScript the product and size are chosen in
// two steps ("Show sizes"); sort.js updates the sizes as a product is chosen,
// filters the product list, and adds rows in the page.

// maxSortRows bounds one sorting form.
const maxSortRows = 100

// sortPage is the data of the sorting form.
type sortPage struct {
	Donation  donationForm
	Rows      []sortRow
	Groups    []productGroup
	Locations []place.Location
	Units     []catalog.Unit
	Sources   []option
	Ranges    string     // for sort.js, as JSON: r: range id → its measure and sizes; u: units and their measure
	Error     string     // a message that concerns no one field
	Err       fieldError // a message at its field
	ErrorRow  int        // 1-based; 0 for none
}

// donationForm is the donation intake as typed. ID is set once the donation
// is recorded, so that a retry after a refused row does not record it twice.
type donationForm struct {
	ID         int64
	Source     string
	ReceivedOn string
	Weight     string // kg
	Count      string
	Note       string
}

// Open tells whether the intake part of the form shows unfolded.
func (d donationForm) Open() bool {
	return d.ID != 0 || d.Source != "" || d.Weight != "" || d.Count != ""
}

// sortRow is one box to make, as typed.
type sortRow struct {
	N          int // 0-based; field names end in .N
	Code       string
	ProductID  int64
	Size       string
	Quantity   string
	Unit       string
	Items      string
	LocationID int64
	Tags       string
	Chosen     bool // a product is chosen
	Measured   bool
	Measure    string // the product's measure, "mass" or "volume"
	Sizes      []string
}

// Number is the row's number as people count.
func (r sortRow) Number() int { return r.N + 1 }

// empty tells whether nothing was typed in the row. The product, size and
// place a new row copies from the one above are not typing: an added row
// left as it came makes no box.
func (r sortRow) empty() bool {
	return strings.TrimSpace(r.Code+r.Quantity+r.Items+r.Tags) == ""
}

// sortForm shows an empty sorting form; ?code= prefills a pre-printed
// label's code in the first row ("make a box with this label").
func (s *server) sortForm(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	p := sortPage{Rows: []sortRow{{}}}
	if code := r.URL.Query().Get("code"); code != "" {
		if cc, err := stock.ParseCode(code); err == nil {
			p.Rows[0].Code = cc
		}
	}
	p.Donation.ReceivedOn = i18n.Day(c.zone(), s.db.Clock.Now())
	return s.renderSort(w, r, c, http.StatusOK, p)
}

func (s *server) renderSort(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p sortPage) error {
	ctx, actor := r.Context(), c.P.Actor
	ps, err := catalog.Products(ctx, s.db, actor)
	if err != nil {
		return err
	}
	rs, err := catalog.SizeRanges(ctx, s.db, actor)
	if err != nil {
		return err
	}
	us, err := catalog.Units(ctx, s.db, actor)
	if err != nil {
		return err
	}
	ls, err := s.liveLocations(ctx, actor)
	if err != nil {
		return err
	}
	byID := map[int64]catalog.Product{}
	for _, pr := range ps {
		byID[pr.ID] = pr
	}
	ranges := map[int64]catalog.SizeRange{}
	type rangeJSON struct {
		M string      `json:"m,omitempty"`
		S [][2]string `json:"s"` // each size as stored and as shown
	}
	rj := map[string]rangeJSON{}
	for _, rg := range rs {
		ranges[rg.ID] = rg
		sizes := make([][2]string, len(rg.Sizes))
		for i, sz := range rg.Sizes {
			sizes[i] = [2]string{sz.Label, catalog.SizeName(c.Lang, sz.Label)}
		}
		rj[strconv.FormatInt(rg.ID, 10)] = rangeJSON{M: rg.Measure, S: sizes}
	}
	units := make([][2]string, len(us))
	for i, u := range us {
		units[i] = [2]string{u.Symbol, u.Dimension}
	}
	b, err := json.Marshal(map[string]any{"r": rj, "u": units})
	if err != nil {
		return err
	}
	p.Ranges = string(b)
	for i := range p.Rows {
		row := &p.Rows[i]
		row.N = i
		if row.LocationID == 0 && len(ls) > 0 {
			row.LocationID = ls[0].ID
			if i > 0 {
				row.LocationID = p.Rows[i-1].LocationID
			}
		}
		pr, ok := byID[row.ProductID]
		if !ok {
			continue
		}
		row.Chosen, row.Measured, row.Measure = true, pr.Measure != "", pr.Measure
		for _, sz := range ranges[pr.SizeRangeID].Sizes {
			row.Sizes = append(row.Sizes, sz.Label)
		}
	}
	p.Groups, p.Locations, p.Units = c.productGroups(ps), ls, us
	for _, src := range stock.Sources {
		p.Sources = append(p.Sources, option{Value: src, Label: c.T("stock.source." + src)})
	}
	s.render(w, r, c, status, "sort", "web.sort.title", p)
	return nil
}

// readSortForm reads the posted sorting form back into its page.
func readSortForm(pf url.Values) sortPage {
	p := sortPage{Donation: donationForm{
		Source: pf.Get("source"), ReceivedOn: pf.Get("received_on"), Weight: pf.Get("weight"), Count: pf.Get("count"), Note: pf.Get("note"),
	}}
	p.Donation.ID, _ = strconv.ParseInt(pf.Get("donation"), 10, 64)
	n, _ := strconv.Atoi(pf.Get("rows"))
	n = min(max(n, 1), maxSortRows)
	for i := 0; i < n; i++ {
		k := func(name string) string { return pf.Get(name + "." + strconv.Itoa(i)) }
		row := sortRow{Code: oneLine(k("code")), Size: k("size"), Quantity: k("quantity"), Unit: k("unit"), Items: k("items"), Tags: k("tags")}
		row.ProductID, _ = strconv.ParseInt(k("product"), 10, 64)
		row.LocationID, _ = strconv.ParseInt(k("location"), 10, 64)
		p.Rows = append(p.Rows, row)
	}
	return p
}

// sortBoxes makes the boxes of the sorting form, or redraws the form: with
// one more row ("add"), or with the sizes of the chosen products ("sizes",
// for browsers without JavaScript).
func (s *server) sortBoxes(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, actor, pf := r.Context(), c.P.Actor, r.PostForm
	p := readSortForm(pf)
	switch {
	case pf.Has("add"):
		if len(p.Rows) < maxSortRows {
			last := p.Rows[len(p.Rows)-1]
			p.Rows = append(p.Rows, sortRow{ProductID: last.ProductID, Size: last.Size, Unit: last.Unit, LocationID: last.LocationID})
		}
		return s.renderSort(w, r, c, http.StatusOK, p)
	case pf.Has("remove"):
		if i, err := strconv.Atoi(pf.Get("remove")); err == nil && i >= 0 && i < len(p.Rows) && len(p.Rows) > 1 {
			p.Rows = append(p.Rows[:i], p.Rows[i+1:]...)
		}
		return s.renderSort(w, r, c, http.StatusOK, p)
	case pf.Has("sizes"):
		return s.renderSort(w, r, c, http.StatusOK, p)
	}
	refuse := func(err error, row int) error {
		msg, status := formError(c, err)
		if msg == "" {
			return err
		}
		p.ErrorRow = row
		if id := sortFieldID(row, apperr.FieldOf(err)); id != "" {
			p.Err = fieldError{ID: id, Msg: msg}
		} else {
			p.Error = msg
		}
		return s.renderSort(w, r, c, status, p)
	}

	// Read every row first, so a typing mistake records nothing.
	var nbs []stock.NewBox
	var rowOf []int // the form's row of each box
	for i, row := range p.Rows {
		if row.empty() {
			continue
		}
		nb, err := row.newBox(c)
		if err != nil {
			return refuse(stock.RowError(i, err), i+1)
		}
		nbs = append(nbs, nb)
		rowOf = append(rowOf, i)
	}
	if len(nbs) == 0 {
		return refuse(apperr.New(apperr.Invalid, "web.sort.error.no_rows").At("items"), 1)
	}

	// Anything typed in the intake records it (and a missing source is
	// refused), so an amount is never dropped without a word. The donation
	// and its boxes are made in one transaction: all or nothing.
	var boxes []stock.Box
	var err error
	if p.Donation.ID == 0 && (p.Donation.Open() || strings.TrimSpace(p.Donation.Note) != "") {
		var d stock.Donation
		if d, err = p.Donation.read(c); err != nil {
			return refuse(err, 0)
		}
		_, boxes, err = s.stock.Intake(ctx, actor, d, nbs)
	} else {
		for i := range nbs {
			nbs[i].DonationID = p.Donation.ID
		}
		boxes, err = s.stock.CreateBoxes(ctx, actor, nbs)
	}
	if err != nil {
		// The domain counts the boxes it was given; the form counts its rows.
		if i, cause, ok := stock.InRow(err); ok && i >= 0 && i < len(rowOf) {
			return refuse(stock.RowError(rowOf[i], cause), rowOf[i]+1)
		}
		if len(nbs) == 1 && apperr.As(err).Code != apperr.Internal {
			return refuse(stock.RowError(rowOf[0], err), rowOf[0]+1)
		}
		return refuse(err, 0)
	}
	codes := make([]string, len(boxes))
	for i, b := range boxes {
		codes[i] = b.Code
	}
	redirect(w, r, "/stock/sorted?"+url.Values{"codes": {strings.Join(codes, ",")}}.Encode())
	return nil
}

// sortFieldID is the id of the control of the form that a refusal
// concerns: a field of a row (1-based; a refused row without a field shows
// at its product) or of the donation (row 0). "" when none.
func sortFieldID(row int, field string) string {
	switch field {
	case "source", "weight", "count", "note":
		return "d-" + field
	case "received_on":
		return "d-date"
	}
	if row == 0 {
		return ""
	}
	switch field {
	case "quantity":
		field = "qty"
	case "size", "unit", "items", "location", "tags", "code", "product":
	default:
		field = "product"
	}
	return "r" + strconv.Itoa(row-1) + "-" + field
}

// newBox reads one row into a box to make.
func (r sortRow) newBox(c *reqCtx) (stock.NewBox, error) {
	if r.ProductID == 0 {
		return stock.NewBox{}, apperr.New(apperr.Invalid, "stock.error.product_unknown")
	}
	items, err := formInt(r.Items, c.T("web.box.field.items"))
	if err != nil {
		return stock.NewBox{}, at(err, "items")
	}
	nb := stock.NewBox{Code: r.Code, ProductID: r.ProductID, Items: items, LocationID: r.LocationID, Tags: splitTags(r.Tags)}
	// The form sends both a size and a quantity; the product says which
	// counts. A product changed without "Show sizes" sends a stale size,
	// which the domain refuses with a clear message.
	q, err := formDecimal(r.Quantity, c.T("web.box.field.measure"))
	if err != nil {
		return stock.NewBox{}, at(err, "quantity")
	}
	if q != 0 {
		nb.Quantity, nb.Unit = q, r.Unit
	} else {
		nb.Size = r.Size
	}
	return nb, nil
}

// read turns the typed intake into a donation: the weight in kg becomes
// grams.
func (d donationForm) read(c *reqCtx) (stock.Donation, error) {
	kg, err := formDecimal(d.Weight, c.T("web.sort.weight"))
	if err != nil {
		return stock.Donation{}, at(err, "weight")
	}
	n, err := formInt(d.Count, c.T("web.sort.count"))
	if err != nil {
		return stock.Donation{}, at(err, "count")
	}
	return stock.Donation{Source: d.Source, ReceivedOn: d.ReceivedOn, WeightG: int64(math.Round(kg * 1000)), ItemCount: n, Note: d.Note}, nil
}

// sortedPage is the data of the page after sorting: the boxes made, and
// their labels to print.
type sortedPage struct {
	Boxes  []boxView
	Codes  string
	Labels labelChoice
}

// sorted shows the boxes just made with a button for their labels.
func (s *server) sorted(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	codes := splitCodes(r.URL.Query().Get("codes"))
	p := sortedPage{Labels: newLabelChoice("", "")}
	if len(codes) == 0 { // a bookmark, or the page reloaded without its list: say where boxes are made
		s.render(w, r, c, http.StatusOK, "sorted", "web.sorted.title", p)
		return nil
	}
	if len(codes) > stock.MaxBlankLabels {
		return apperr.New(apperr.Invalid, "stock.error.batch_size", stock.MaxBlankLabels)
	}
	var canon []string
	for _, code := range codes {
		b, err := s.stock.Box(r.Context(), c.P.Actor, code)
		if err != nil {
			return err
		}
		p.Boxes = append(p.Boxes, c.boxView(b))
		canon = append(canon, b.Code)
	}
	p.Codes = strings.Join(canon, ",")
	s.render(w, r, c, http.StatusOK, "sorted", "web.sorted.title", p)
	return nil
}
