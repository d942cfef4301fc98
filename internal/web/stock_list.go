package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"abri/internal/catalog"
	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/place"
	"abri/internal/stock"
)

// The box list, /stock/boxes: filters as a GET form, one page of boxes,
// newest first, a keyset "next page" link, and CSV and XLSX exports of the
// same filter. The page stays small: one line per box and no script.

// boxFilter is the filter form as typed, put back into the form: the
// query string's own values, so that a refused one shows as it was given.
// stock.ParseFilter reads it; the names are the API's.
type boxFilter struct {
	Product  int64
	Category int64
	Gender   string
	Size     string
	Location int64
	States   map[string]bool
	Tag      string
	From     string // created_from, YYYY-MM-DD
	To       string // created_to, YYYY-MM-DD, inclusive
}

// readBoxFilter reads the filter from a query string into the form and the
// domain's filter (stock.ParseFilter).
func readBoxFilter(q url.Values) (boxFilter, stock.Filter, error) {
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(q.Get(name), 10, 64)
		return n
	}
	bf := boxFilter{Product: num("product"), Category: num("category"), Location: num("location"), Gender: q.Get("gender"),
		Size: q.Get("size"), Tag: q.Get("tag"), From: q.Get("created_from"), To: q.Get("created_to"), States: map[string]bool{}}
	f, err := stock.ParseFilter(q)
	for _, st := range f.States {
		bf.States[string(st)] = true
	}
	return bf, f, err
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
	Total      string // how many boxes the filter selects, on all pages
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
	q := f.Query()
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
	if ferr == nil {
		var n int64
		n, ferr = s.stock.Count(ctx, actor, f)
		p.Total = c.T("web.boxes.total", c.plural("stock.boxes_n", n))
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
		nq := f.Query()
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
		f.Cursor, f.Limit = "", 0
		// Check the filter before the first byte goes out: after that an
		// error can only cut the file short.
		probe := f
		probe.Limit = 1
		if _, err := s.stock.List(ctx, actor, probe); err != nil {
			return err
		}
		name := "abri-boxes-" + i18n.Day(c.P.Location(), s.db.Clock.Now()) + format.Extension()
		// Thousands of boxes to a phone on a poor link take longer than
		// the server's default write timeout.
		return s.download(w, r, name, format.ContentType(), 10*time.Minute, func(w io.Writer) error {
			return export.Boxes(w, format, c.Lang, c.P.Location(), func(fn func(stock.Box) error) error {
				return s.stock.Each(ctx, actor, f, fn)
			})
		})
	}
}

// download streams a file that write makes. Before its first byte an error
// is an ordinary error page; after it, with half the file out under a 200,
// the connection is cut, so the browser reports a failed download instead
// of keeping a file that looks whole (as the API does).
func (s *server) download(w http.ResponseWriter, r *http.Request, name, contentType string, timeout time.Duration, write func(io.Writer) error) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout))
	sent := &countingWriter{w: w}
	err := write(sent)
	if err == nil {
		return nil
	}
	if sent.n == 0 {
		h.Del("Content-Disposition")
		h.Del("Content-Type")
		return err
	}
	if r.Context().Err() == nil {
		s.log.Error("web: export cut short", "route", r.Pattern, "type", contentType, "err", err.Error())
	}
	panic(http.ErrAbortHandler)
}

// countingWriter counts the bytes that went through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
