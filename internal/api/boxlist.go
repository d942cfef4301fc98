package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/stock"
)

const (
	keyListFormat   = "api.list_format_unknown"
	keyExportPaging = "api.export_paging"
)

// listParams are the query parameters of GET /api/v1/boxes: the box filter's
// (stock.FilterParams) and format.
var listParams = append(slices.Clone(stock.FilterParams), "format")

// listBody is one page of the box list.
type listBody struct {
	Boxes      []boxBody `json:"boxes"`
	NextCursor *string   `json:"next_cursor"`
}

// listBoxes answers GET /api/v1/boxes: a page of the base's boxes, newest
// first, narrowed by the filters; next_cursor asks for the next page and is
// null on the last. With format=csv or xlsx it answers the whole filtered
// list as a download instead.
func (a *api) listBoxes(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, listParams...)
	if err != nil {
		return err
	}
	f, err := stock.ParseFilter(q.v)
	if err != nil {
		return err
	}
	format, err := q.str("format")
	if err != nil {
		return err
	}
	switch strings.ToLower(format) {
	case "", "json":
	case "csv", "xlsx":
		if q.has("limit") || q.has("cursor") {
			return apperr.New(apperr.Invalid, keyExportPaging).At("format")
		}
		return a.exportBoxes(w, r, p, f, export.Format(strings.ToLower(format)))
	default:
		return apperr.New(apperr.Invalid, keyListFormat).At("format")
	}
	page, err := a.stock.List(r.Context(), p.Actor, f)
	if err != nil {
		return err
	}
	out := listBody{Boxes: make([]boxBody, 0, len(page.Boxes))}
	for _, b := range page.Boxes {
		out.Boxes = append(out.Boxes, boxOf(b))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// exportBoxes streams the whole filtered box list as CSV or XLSX. The first
// page is read before anything is written, so a bad filter is still a JSON
// 400; a failure after the first byte cuts the connection, so the client
// never takes half a file for a whole one.
func (a *api) exportBoxes(w http.ResponseWriter, r *http.Request, p account.Principal, f stock.Filter, format export.Format) error {
	ctx := r.Context()
	f.Limit = stock.MaxLimit
	first, err := a.stock.List(ctx, p.Actor, f)
	if err != nil {
		return err
	}
	src := func(fn func(stock.Box) error) error {
		for _, b := range first.Boxes {
			if err := fn(b); err != nil {
				return err
			}
		}
		if first.NextCursor == "" {
			return nil
		}
		next := f
		next.Cursor = first.NextCursor
		return a.stock.Each(ctx, p.Actor, next, fn)
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="boxes-`+i18n.Day(p.Location(), a.cfg.DB.Clock.Now())+format.Extension()+`"`)
	// 100,000 boxes take a second or two to write, longer to a phone on a
	// poor link: give the answer more time than the server's default.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(10 * time.Minute))
	w.WriteHeader(http.StatusOK)
	if err := export.Boxes(w, format, langOf(r, p), p.Location(), src); err != nil {
		if ctx.Err() == nil {
			a.log.ErrorContext(ctx, "api: export cut short", "route", r.Pattern, "format", string(format), "err", err.Error())
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}
