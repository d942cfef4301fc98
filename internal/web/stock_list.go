package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/export"
	"abri/internal/place"
	"abri/internal/stock"
)

// The box list, /stock/boxes: filters as a GET form, one page of boxes,
// newest first, a keyset "next page" link, and CSV and XLSX exports of the
// same filter. The page stays small: one line per box and no script.

// boxFilter is the filter form as typed: the query string of the list and of
// its exports.
type boxFilter struct {
	Product  int64
	Category int64
	Gender   string
	Size     string
	Location int64
	States   map[string]bool
	Tag      string
	From     string // YYYY-MM-DD, inclusive
	To       string // YYYY-MM-DD, inclusive
}

// readBoxFilter reads the filter from a query string into the form and the
// domain's filter. A malformed value is bad input.
func readBoxFilter(q url.Values) (boxFilter, stock.Filter, error) {
	bf := boxFilter{Gender: q.Get("gender"), Size: strings.TrimSpace(q.Get("size")), Tag: strings.TrimSpace(q.Get("tag")),
		From: q.Get("from"), To: q.Get("to"), States: map[string]bool{}}
	var f stock.Filter
	id := func(name string) (int64, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, apperr.New(apperr.Invalid, "error.bad_request")
		}
		return n, nil
	}
	var err error
	if bf.Product, err = id("product"); err != nil {
		return bf, f, err
	}
	if bf.Category, err = id("category"); err != nil {
		return bf, f, err
	}
	if bf.Location, err = id("location"); err != nil {
		return bf, f, err
	}
	if !catalog.ValidGender(bf.Gender) {
		return bf, f, apperr.New(apperr.Invalid, "catalog.error.gender_unknown")
	}
	for _, s := range q["state"] {
		st, err := stock.ParseState(s)
		if err != nil {
			return bf, f, err
		}
		if !bf.States[s] {
			f.States = append(f.States, st)
		}
		bf.States[s] = true
	}
	day := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return t, apperr.New(apperr.Invalid, "stock.error.date_invalid")
		}
		return t, nil
	}
	if f.CreatedFrom, err = day(bf.From); err != nil {
		return bf, f, err
	}
	to, err := day(bf.To)
	if err != nil {
		return bf, f, err
	}
	if !to.IsZero() {
		f.CreatedTo = to.AddDate(0, 0, 1)
	}
	f.ProductID, f.CategoryID, f.Gender, f.Size, f.LocationID, f.Tag = bf.Product, bf.Category, bf.Gender, bf.Size, bf.Location, bf.Tag
	f.Cursor = q.Get("cursor")
	return bf, f, nil
}

// query is the filter as a query string, without a cursor.
func (bf boxFilter) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	set("product", id(bf.Product))
	set("category", id(bf.Category))
	set("gender", bf.Gender)
	set("size", bf.Size)
	set("location", id(bf.Location))
	for _, st := range stock.States {
		if bf.States[string(st)] {
			q.Add("state", string(st))
		}
	}
	set("tag", bf.Tag)
	set("from", bf.From)
	set("to", bf.To)
	return q
}

// boxListPage is the data of the box list.
type boxListPage struct {
	F          boxFilter
	Filtered   bool
	Boxes      []boxView
	Next       string // the next page's address, "" on the last page
	First      string // the first page's address, when this is a later one
	CSV, XLSX  string
	Groups     []productGroup
	Categories []catalog.Category
	Genders    []option
	Locations  []place.Location
	States     []option
	Error      string
}

func (s *server) boxList(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	ctx, actor := r.Context(), c.P.Actor
	bf, f, ferr := readBoxFilter(r.URL.Query())
	p := boxListPage{F: bf, Genders: c.genderOptions(), States: c.stateOptions(stock.States)}
	ps, err := catalog.Products(ctx, s.db, actor)
	if err != nil {
		return err
	}
	if p.Categories, err = catalog.Categories(ctx, s.db, actor); err != nil {
		return err
	}
	if p.Locations, err = s.places.Locations(ctx, actor, place.LocationFilter{IncludeArchived: true}); err != nil {
		return err
	}
	p.Groups = c.productGroups(ps)
	q := bf.query()
	p.Filtered = len(q) > 0
	p.CSV, p.XLSX = "/stock/boxes.csv", "/stock/boxes.xlsx"
	if enc := q.Encode(); enc != "" {
		p.CSV += "?" + enc
		p.XLSX += "?" + enc
	}
	status := http.StatusOK
	var page stock.Page
	if ferr == nil {
		page, ferr = s.stock.List(ctx, actor, f)
	}
	if ferr != nil {
		msg, st := formError(c, ferr)
		if msg == "" {
			return ferr
		}
		p.Error, status = msg, st
	}
	for _, b := range page.Boxes {
		p.Boxes = append(p.Boxes, c.boxView(b))
	}
	if page.NextCursor != "" {
		nq := bf.query()
		nq.Set("cursor", page.NextCursor)
		p.Next = "/stock/boxes?" + nq.Encode()
	}
	if f.Cursor != "" {
		p.First = "/stock/boxes"
		if enc := q.Encode(); enc != "" {
			p.First += "?" + enc
		}
	}
	s.render(w, r, c, status, "boxes", "web.boxes.title", p)
	return nil
}

// exportBoxes streams every box the filter selects as CSV or XLSX.
func (s *server) exportBoxes(format export.Format) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		ctx, actor := r.Context(), c.P.Actor
		_, f, err := readBoxFilter(r.URL.Query())
		if err != nil {
			return err
		}
		f.Cursor = ""
		// Check the filter before the first byte goes out: after that an
		// error can only cut the file short.
		probe := f
		probe.Limit = 1
		if _, err := s.stock.List(ctx, actor, probe); err != nil {
			return err
		}
		name := "abri-boxes-" + s.db.Clock.Now().Format("2006-01-02") + format.Extension()
		h := w.Header()
		h.Set("Content-Type", format.ContentType())
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		err = export.Boxes(w, format, c.Lang, func(fn func(stock.Box) error) error {
			return s.stock.Each(ctx, actor, f, fn)
		})
		if err != nil {
			// The headers are gone; the person gets a cut-short file, the
			// log says why.
			s.log.Error("web: export boxes", "err", err)
		}
		return nil
	}
}
