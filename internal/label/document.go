package label

import (
	"io"
	"strings"

	"abri/internal/apperr"
	"abri/internal/i18n"
)

// A document is text on A4 pages (an incident report), set with the same
// shaping and outlines as labels, so Arabic notes print joined and right to
// left and the PDF needs no font installed.

// Block is one paragraph of a document.
type Block struct {
	Text    string
	Heading bool // larger and bold, with room above
}

// Page geometry of a document, in millimetres and points.
const (
	docPageW, docPageH = 210.0, 297.0
	docMargin          = 18.0
	docBodySize        = 10.0
	docHeadingSize     = 13.0
	docLineGap         = 1.35 // line height in ems
	// MaxDocumentBlocks bounds one document.
	MaxDocumentBlocks = 20000
)

// chunks cuts a long paragraph at spaces into pieces that clean keeps
// whole; each piece wraps on its own lines.
func chunks(s string) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		rs := []rune(para)
		for len(rs) > maxFieldRunes-10 {
			cut := maxFieldRunes - 10
			for i := cut; i > cut/2; i-- {
				if rs[i] == ' ' {
					cut = i
					break
				}
			}
			out = append(out, string(rs[:cut]))
			rs = rs[cut:]
		}
		out = append(out, string(rs))
	}
	return out
}

// RenderDocument writes blocks as a PDF of A4 pages. lang sets the page's
// direction: in Arabic, lines align to the right margin; each paragraph
// keeps its own direction for shaping.
func RenderDocument(w io.Writer, lang string, blocks []Block) error {
	if len(blocks) > MaxDocumentBlocks {
		return apperr.New(apperr.Invalid, "label.error.too_many", MaxDocumentBlocks)
	}
	ts, err := getTypesetter(lang)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	defer typesetters.Put(ts)
	pageRTL := i18n.Dir(lang) == "rtl"
	pw := newPDFWriter(w)
	left, width := docMargin*mm, (docPageW-2*docMargin)*mm
	top, bottom := (docPageH-docMargin)*mm, docMargin*mm
	c := &canvas{p: pw, fs: &ts.fs}
	y := top
	newPage := func() {
		pw.page(docPageW*mm, docPageH*mm, c.b)
		c = &canvas{p: pw, fs: &ts.fs}
		y = top
	}
	for _, b := range blocks {
		st := style{size: docBodySize}
		if b.Heading {
			st = style{size: docHeadingSize, bold: true}
			if y < top {
				y -= st.size * 0.8
			}
		}
		for _, piece := range chunks(b.Text) {
			lines := ts.lines(piece, st, width, 1000)
			if len(lines) == 0 {
				y -= st.size * docLineGap / 2
				continue
			}
			for _, l := range lines {
				if y-st.size*docLineGap < bottom {
					newPage()
				}
				y -= st.size * docLineGap
				x := left
				if pageRTL || l.rtl {
					x = left + width - l.width
				}
				c.text(l, x, y)
			}
		}
		if pw.err != nil {
			return pw.err
		}
	}
	pw.page(docPageW*mm, docPageH*mm, c.b)
	return pw.finish()
}
