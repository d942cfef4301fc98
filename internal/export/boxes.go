package export

import (
	"io"
	"strings"
	"time"

	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/stock"
)

// BoxSource calls fn for every box to export, in order, and stops at the
// first error fn returns. stock.Service.Each fits it:
//
//	src := func(fn func(stock.Box) error) error { return boxes.Each(ctx, actor, filter, fn) }
type BoxSource func(fn func(stock.Box) error) error

// boxColumns are the translation keys of the box list's columns, in order.
var boxColumns = []string{
	"export.box.code", "export.box.product", "export.box.category", "export.box.gender", "export.box.size",
	"export.box.quantity", "export.box.unit", "export.box.items", "export.box.location", "export.box.state",
	"export.box.tags", "export.box.expires_on", "export.box.created_at", "export.box.updated_at",
}

// BoxColumns are the box list's column headers in lang; the times' headers
// name the base's zone loc.
func BoxColumns(lang string, loc *time.Location) []string {
	out := make([]string, len(boxColumns))
	for i, k := range boxColumns {
		if strings.HasSuffix(k, "_at") {
			out[i] = i18n.T(lang, k, i18n.ZoneName(loc))
		} else {
			out[i] = i18n.T(lang, k)
		}
	}
	return out
}

// Boxes writes a box list: one row per box with its code, product,
// category, gender, size, quantity and unit (measured goods), items,
// location, state, tags, expiry date, and when it was made and last changed.
// Headers, genders and states are in lang, and so are the standard
// catalogue's products, categories and sizes; a base's own products and its
// locations are as the base wrote them. Times are in the base's zone loc
// (i18n.Stamp), which the headers name.
// If src fails, Boxes returns its error without finishing the file, so a
// cut-short XLSX does not open as if it were whole.
func Boxes(w io.Writer, f Format, lang string, loc *time.Location, src BoxSource) error {
	t := Table{Columns: BoxColumns(lang, loc), Sheet: i18n.T(lang, "export.box.sheet"), RightToLeft: i18n.Dir(lang) == "rtl"}
	ew, err := New(w, f, t)
	if err != nil {
		return err
	}
	genders := map[string]string{}
	for _, g := range catalog.Genders {
		if g != "" {
			genders[g] = i18n.T(lang, catalog.GenderKey(g))
		}
	}
	states := map[stock.State]string{}
	for _, s := range stock.States {
		states[s] = i18n.T(lang, "stock.state."+string(s))
	}
	row := make([]Cell, len(boxColumns))
	err = src(func(b stock.Box) error {
		qty, unit := Empty(), Text("")
		if u := b.BaseUnit(); u != "" {
			qty, unit = Number(b.Quantity()), Text(u)
		}
		state, ok := states[b.State]
		if !ok {
			state = string(b.State)
		}
		row[0] = Text(b.Code)
		row[1] = Text(catalog.ProductName(lang, b.ProductName, b.Standard))
		row[2] = Text(catalog.CategoryName(lang, b.CategoryName))
		row[3] = Text(genders[b.Gender])
		row[4] = Text(catalog.SizeName(lang, b.Size))
		row[5] = qty
		row[6] = unit
		row[7] = Int(b.Items)
		row[8] = Text(b.LocationName)
		row[9] = Text(state)
		row[10] = Text(strings.Join(b.Tags, ", "))
		row[11] = Text(b.ExpiresOn)
		row[12] = Text(i18n.Stamp(loc, b.CreatedAt))
		row[13] = Text(i18n.Stamp(loc, b.UpdatedAt))
		return ew.Row(row...)
	})
	if err != nil {
		return err
	}
	return ew.Close()
}
