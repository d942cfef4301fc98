// Package label prints box labels: a PDF of QR labels, either on A4 label
// sheets or on a 62 mm thermal roll. A label shows the QR of the box's URL,
// the box code in large type for typing it by hand, and what is in the box.
//
// Text in any script the embedded fonts cover (Latin, Greek, Cyrillic,
// Arabic, Ethiopic) is shaped with HarfBuzz (go-text/typesetting), so
// Arabic prints joined and right to left, and drawn as vector outlines: the
// PDF is sharp at any printer resolution and needs no font installed.
package label

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"abri/internal/apperr"
	"abri/internal/i18n"

	"github.com/go-text/typesetting/language"
	qrcode "github.com/skip2/go-qrcode"
)

// Label is what one label shows.
type Label struct {
	Code    string // the box code as printed, grouped for reading (stock.FormatCode): "7KX 3M9 PQR"
	URL     string // what the QR encodes: <base-url>/b/<code>
	Product string // in any language; empty for a blank label
	Size    string // e.g. "M", "40-42", "5 kg"; may be empty
	Count   string // e.g. "12 items"; may be empty
	Note    string // small line at the bottom, e.g. "Unassigned label — scan to make a box"
}

// Format is a kind of label stock.
type Format string

const (
	// A4 is a sheet of 3 × 8 labels of 70 × 37 mm.
	A4 Format = "a4"
	// Thermal62 is one 62 × 100 mm label per page, for a 62 mm roll.
	Thermal62 Format = "thermal62"
)

// Card is a free-shop card of 85.6 × 54 mm (ID-1, a bank card's size),
// one per page. It is not among the box label Formats.
const Card Format = "card"

// Formats lists the box label formats, for menus and for checking input.
var Formats = []Format{A4, Thermal62}

// ParseFormat reads a label format as a form or a client gives it, in any
// case; "" is A4.
func ParseFormat(raw string) (Format, error) {
	raw = strings.ToLower(strings.TrimSpace(raw))
	if raw == "" {
		return A4, nil
	}
	for _, f := range Formats {
		if string(f) == raw {
			return f, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "label.error.format").At("format")
}

// Limits on one PDF. A hundred A4 sheets is more than a Saturday of sorting;
// a longer URL would make the QR's modules too small to scan on a 70 × 37 mm
// label.
const (
	MaxLabels   = 2400
	MaxURLBytes = 200
)

// Positions is how many labels an A4 sheet holds: a start position is one
// of 1…Positions.
const Positions = 24

// ParseStart reads the position of the first label on a part-used sheet
// (1 is the top left, counting left to right along the rows as sheets are
// numbered, in every language); "" is 1.
func ParseStart(raw string) (int, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > Positions {
		return 0, apperr.New(apperr.Invalid, "label.error.start", Positions).At("start")
	}
	return n, nil
}

// Render writes one PDF with the labels, in order, as many pages as they
// need. lang is the reader's language: it sets the layout direction (an
// Arabic layout puts the QR on the right) and the default note of a blank
// label (one with no product, size or count).
//
// Errors are *apperr.Error for bad input: no labels, too many, an unknown
// format, a label without code or URL or with a URL too long to scan.
// Nothing is written then.
func Render(w io.Writer, f Format, labels []Label, lang string) error {
	return RenderFrom(w, f, labels, lang, 1)
}

// RenderFrom is Render onto a part-used sheet: the first label goes to
// position start (1…Positions, ParseStart) of the first page, the positions
// before it stay empty. Formats of one label per page ignore start.
func RenderFrom(w io.Writer, f Format, labels []Label, lang string, start int) error {
	sh, ok := sheets[f]
	if !ok {
		return apperr.New(apperr.Invalid, "label.error.format")
	}
	if len(labels) == 0 {
		return apperr.New(apperr.Invalid, "label.error.none")
	}
	if len(labels) > MaxLabels {
		return apperr.New(apperr.Invalid, "label.error.too_many", MaxLabels)
	}
	// Encode every QR first, so that bad input writes nothing.
	codes := make([][][]bool, len(labels))
	for i, l := range labels {
		if text, _ := clean(l.Code); len(text) == 0 {
			return apperr.New(apperr.Invalid, "label.error.code", i+1)
		}
		if l.URL == "" || len(l.URL) > MaxURLBytes {
			return apperr.New(apperr.Invalid, "label.error.url", i+1, MaxURLBytes)
		}
		// Error correction M survives about 15% damage: a scuffed box
		// corner, a strip of tape.
		q, err := qrcode.New(l.URL, qrcode.Medium)
		if err != nil {
			return apperr.Wrap(fmt.Errorf("label: encode QR of label %d: %w", i+1, err), apperr.Invalid, "label.error.url", i+1, MaxURLBytes)
		}
		q.DisableBorder = true // the layout leaves the quiet zone itself
		codes[i] = q.Bitmap()
	}

	ts, err := getTypesetter(lang)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	defer typesetters.Put(ts)

	rtl := i18n.Dir(lang) == "rtl"
	pw := newPDFWriter(w)
	perPage := sh.cols * sh.rows
	skip := 0 // empty positions before the first label
	if perPage > 1 && start > 1 {
		skip = min(start, perPage) - 1
	}
	for first := -skip; first < len(labels); first += perPage {
		c := &canvas{p: pw, fs: &ts.fs}
		for i := max(first, 0); i < min(first+perPage, len(labels)); i++ {
			pos := i - first
			col, row := pos%sh.cols, pos/sh.cols
			left, right := sh.design.inkX(len(codes[i]), rtl)
			ox := (sh.left + float64(col)*sh.pitchX + sh.shift(col, left, right)) * mm
			oy := (sh.pageH - sh.top - float64(row)*sh.pitchY) * mm
			drawLabel(c, ts, sh.design, labels[i], codes[i], ox, oy, rtl)
		}
		pw.page(sh.pageW*mm, sh.pageH*mm, c.b)
		if pw.err != nil {
			return pw.err
		}
	}
	return pw.finish()
}

// typesetters keeps typesetters (each with its own font faces and shaping
// buffers) for reuse across renders.
var typesetters sync.Pool

func getTypesetter(lang string) (*typesetter, error) {
	ts, _ := typesetters.Get().(*typesetter)
	if ts == nil {
		var err error
		if ts, err = newTypesetter(); err != nil {
			return nil, err
		}
	}
	ts.langCode = lang
	ts.lang = language.NewLanguage(lang)
	return ts, nil
}
