package label

import (
	"io"

	"abri/internal/apperr"
	"abri/internal/i18n"
)

// Poster is a page of large type to print and put up where people will
// read it: a title, a line under it, sections of entries and a footer. It
// is set like the labels (shaped text in the embedded fonts, drawn as
// outlines) and carries an invisible text layer with the same words, so
// the PDF can be searched, copied and read aloud.
type Poster struct {
	Title    string
	Subtitle string
	Note     string // small, under the subtitle (e.g. that a translation is a draft)
	Sections []PosterSection
	Footer   string
}

// PosterSection is a heading and its entries.
type PosterSection struct {
	Heading string
	Entries []PosterEntry
}

// PosterEntry is one entry: a line in bold and a detail under it.
type PosterEntry struct {
	Main   string
	Detail string
}

// Limits on one poster.
const (
	maxPosterEntries = 400
	maxPosterPages   = 30
)

// A4 in millimetres, and the poster's margins.
const (
	a4W, a4H     = 210.0, 297.0
	posterMargin = 18.0
)

// RenderPoster writes the poster as an A4 PDF in lang's direction: right to
// left languages are set flush right. Nothing is written for bad input.
func RenderPoster(w io.Writer, p Poster, lang string) error {
	n := 0
	for _, s := range p.Sections {
		n += len(s.Entries)
	}
	if n > maxPosterEntries {
		return apperr.New(apperr.Invalid, "label.error.too_many", maxPosterEntries)
	}
	ts, err := getTypesetter(lang)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	ts.keepText = true
	defer func() { ts.keepText = false; typesetters.Put(ts) }()

	pl := &posterLayout{ts: ts, pw: newPDFWriter(w), rtl: i18n.Dir(lang) == "rtl",
		left: posterMargin * mm, right: (a4W - posterMargin) * mm, bottom: posterMargin * mm}
	pl.pw.title = "abri poster"
	pl.newPage()
	pl.para(p.Title, style{size: 30, bold: true}, 3, 6)
	pl.para(p.Subtitle, style{size: 17}, 3, 4)
	pl.para(p.Note, style{size: 11}, 3, 6)
	for _, s := range p.Sections {
		pl.keep(22*1.4 + 20*1.35*2) // a heading never ends a page
		pl.gap(10)
		pl.para(s.Heading, style{size: 22, bold: true}, 2, 2)
		pl.c.rule(pl.left, pl.right, pl.y, 1.2)
		pl.gap(8)
		for _, e := range s.Entries {
			pl.keep(20 * 1.35 * 2)
			pl.para(e.Main, style{size: 20, bold: true}, 3, 1)
			pl.para(e.Detail, style{size: 15}, 4, 9)
		}
	}
	pl.gap(10)
	pl.para(p.Footer, style{size: 13}, 3, 0)
	pl.finishPage()
	if pl.pw.err != nil {
		return pl.pw.err
	}
	if pl.pages > maxPosterPages {
		return apperr.New(apperr.Invalid, "label.error.too_many", maxPosterEntries)
	}
	return pl.pw.finish()
}

// posterLayout stacks paragraphs down A4 pages.
type posterLayout struct {
	ts                  *typesetter
	pw                  *pdfWriter
	c                   *canvas
	rtl                 bool
	left, right, bottom float64 // points
	y                   float64 // the top of the next line, from the page's bottom
	pages               int
}

func (pl *posterLayout) newPage() {
	pl.c = &canvas{p: pl.pw, fs: &pl.ts.fs}
	pl.y = (a4H - posterMargin) * mm
	pl.pages++
}

func (pl *posterLayout) finishPage() { pl.pw.page(a4W*mm, a4H*mm, pl.c.b) }

// keep starts a new page unless h points are left on this one.
func (pl *posterLayout) keep(h float64) {
	if pl.y-h < pl.bottom && pl.pages < maxPosterPages+1 {
		pl.finishPage()
		pl.newPage()
	}
}

func (pl *posterLayout) gap(h float64) { pl.y -= h }

// para sets text in at most maxLines lines across the page, flush to the
// start side of the language, and leaves after points below it.
func (pl *posterLayout) para(s string, st style, maxLines int, after float64) {
	lines := pl.ts.lines(s, st, pl.right-pl.left, maxLines)
	if len(lines) == 0 {
		return
	}
	lh := st.size * 1.35
	for _, l := range lines {
		pl.keep(lh)
		base := pl.y - st.size*ascentEm
		x := pl.left
		if pl.rtl {
			x = pl.right - l.width
		}
		pl.c.text(l, x, base)
		pl.c.textLayer(l, x, base)
		pl.y -= lh
	}
	pl.y -= after
}
