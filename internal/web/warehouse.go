package web

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/place"
	"abri/internal/stock"
)

// This file holds what the warehouse screens share: how a box is shown, the
// product picker's groups, and the reading of numbers, codes and tags as
// people type them on a phone.

// boxView is a box with the words a screen shows for it, in the person's
// language.
type boxView struct {
	stock.Box
	CodeShown string // grouped for reading: "7KX 3M9 PQR"
	What      string // product, gender
	Amount    string // "M · 12 items" or "2.5 kg"
	StateName string
}

func (c *reqCtx) boxView(b stock.Box) boxView {
	return boxView{
		Box:       b,
		CodeShown: stock.FormatCode(b.Code),
		What:      b.Name(c.Lang),
		Amount:    c.amount(b),
		StateName: c.T("stock.state." + string(b.State)),
	}
}

// productName is a product's name in the reader's language with its gender
// (catalog.ProductDisplayName).
func (c *reqCtx) productName(name, gender string, standard bool) string {
	return catalog.ProductDisplayName(c.Lang, name, gender, standard)
}

// amount is what a box holds: its size and items, or its weight or volume,
// in the words of its label.
func (c *reqCtx) amount(b stock.Box) string {
	size, count := b.SizeText(c.Lang), b.CountText(c.Lang)
	switch {
	case size == "":
		return count
	case count == "":
		return c.iso(size)
	}
	return c.iso(size) + " · " + count
}

// plural translates a key holding a count (i18n.Plural).
func (c *reqCtx) plural(key string, n int64) string { return i18n.Plural(c.Lang, key, n) }

// quantity shows thousandths of kg or l as "2.5 kg" (stock.FormatQuantity).
func (c *reqCtx) quantity(mil int64, unit string) string {
	return stock.FormatQuantity(c.Lang, mil, unit)
}

// when shows a moment as "12 Nov 14:03 CET", in the time zone of the
// person's base (i18n.When, the one formatting of times for people).
func (c *reqCtx) when(t time.Time) string { return i18n.When(c.Lang, c.zone(), t) }

// zone is the time zone of the person's base; UTC when signed out.
func (c *reqCtx) zone() *time.Location {
	if c.P == nil {
		return time.UTC
	}
	return c.P.Location()
}

// option is one choice of a select list.
type option struct {
	Value string
	Label string
}

func (c *reqCtx) stateOptions(states []stock.State) []option {
	out := make([]option, len(states))
	for i, st := range states {
		out[i] = option{Value: string(st), Label: c.T("stock.state." + string(st))}
	}
	return out
}

func (c *reqCtx) genderOptions() []option {
	out := make([]option, 0, len(catalog.Genders))
	for _, g := range catalog.Genders {
		out = append(out, option{Value: g, Label: c.T(catalog.GenderKey(g))})
	}
	return out
}

// productGroup is one category of the product picker.
type productGroup struct {
	Name     string
	Products []productOption
}

type productOption struct {
	ID       int64
	Label    string
	Key      string // what the picker's filter finds it by (catalog.SearchKey)
	RangeID  int64
	Measured bool
}

// productGroups groups products by category, in the reader's alphabetical
// order (category, then name: catalog.InReadingOrder).
func (c *reqCtx) productGroups(ps []catalog.Product) []productGroup {
	var gs []productGroup
	for _, p := range catalog.InReadingOrder(c.Lang, slices.Clone(ps)) {
		if cat := catalog.CategoryName(c.Lang, p.CategoryName); len(gs) == 0 || gs[len(gs)-1].Name != cat {
			gs = append(gs, productGroup{Name: cat})
		}
		g := &gs[len(gs)-1]
		g.Products = append(g.Products, productOption{ID: p.ID, Label: c.productName(p.Name, p.Gender, p.Standard()),
			Key: catalog.SearchKey(c.Lang, p), RangeID: p.SizeRangeID, Measured: p.Measure != ""})
	}
	return gs
}

// liveLocations are the locations a box may be put in: not archived.
func (s *server) liveLocations(ctx context.Context, actor access.Actor) ([]place.Location, error) {
	return s.places.Locations(ctx, actor, place.LocationFilter{})
}

// staleBox returns the box as it is now when err says someone else saved it
// first.
func staleBox(err error) (stock.Box, bool) {
	var st *stock.StaleError
	if errors.As(err, &st) {
		return st.Current, true
	}
	return stock.Box{}, false
}

// digits maps the Arabic-Indic and Persian digits an Arabic keyboard types to
// ASCII, and the Arabic decimal separator to a point.
var digits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
	"٫", ".", "٬", "",
)

// formInt reads a whole number as typed; "" is 0. A number that is not one
// is bad input, with the field's name in the message.
func formInt(raw, field string) (int64, error) {
	s := strings.TrimSpace(digits.Replace(raw))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, apperr.New(apperr.Invalid, "web.stock.error.whole_number", field)
	}
	return n, nil
}

// at says which input err concerns, when it is an application error.
func at(err error, field string) error {
	if e, ok := err.(*apperr.Error); ok {
		return e.At(field)
	}
	return err
}

// formDecimal reads a decimal number with a point or a comma; "" is 0.
func formDecimal(raw, field string) (float64, error) {
	s := strings.TrimSpace(digits.Replace(raw))
	if s == "" {
		return 0, nil
	}
	s = strings.Replace(s, ",", ".", 1)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, apperr.New(apperr.Invalid, "web.stock.error.number", field)
	}
	return f, nil
}

// splitCodes reads codes typed or scanned into a list: one per line, or
// separated by commas, semicolons or spaces between whole codes. A code
// typed with spaces inside ("7KX3 M9PQ C") stays one code when it is alone
// on its line.
func splitCodes(raw string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if _, err := stock.ParseCode(line); err == nil {
			out = append(out, line)
			continue
		}
		out = append(out, strings.Fields(line)...)
	}
	return out
}

// splitTags reads tags separated by commas.
func splitTags(raw string) []string {
	var out []string
	for _, t := range strings.Split(raw, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// oneLine keeps a short text free of control characters, for a value put
// back into a form.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// iso isolates a piece of text put inside a sentence or a list, so that a
// size, a weight or a name keeps its own direction: "M · 12 قطعة" must not
// come out as "12 · M قطعة" on a right-to-left page. It does so on
// right-to-left pages, and around any text that holds right-to-left letters.
func (c *reqCtx) iso(s string) string {
	if s == "" || i18n.Dir(c.Lang) != "rtl" && !hasRTL(s) {
		return s
	}
	return "\u2068" + s + "\u2069" // first strong isolate … pop directional isolate
}

func hasRTL(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko) {
			return true
		}
	}
	return false
}

// line joins the facts of a box into one line: "Jackets · M · 12 items · A1".
func (c *reqCtx) line(parts ...string) string {
	for i, p := range parts {
		parts[i] = c.iso(p)
	}
	return strings.Join(parts, " · ")
}

// errText is an application error's message in the person's language.
func errText(c *reqCtx, err error) string { return i18n.Message(c.Lang, apperr.As(err)) }
