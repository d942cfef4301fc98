package label

import (
	"abri/internal/i18n"
)

// rect is a box in millimetres from a label's top-left corner, y down.
type rect struct{ x, y, w, h float64 }

// design is the inside of one label. All lengths are millimetres; text
// sizes are points.
type design struct {
	w, h   float64
	qr     rect // the QR with its quiet zone, which is a square
	text   rect // the column the text lines stay inside
	center bool // centre text lines; otherwise start them on the reading side

	code, product, size, count, note style
	minCode                          float64 // the code shrinks down to this before it is cut
	productLines, noteLines          int
	ruleGap                          float64 // line spacing of the handwriting rules on a blank label
}

// sheet is a page format: a grid of identical labels.
type sheet struct {
	pageW, pageH   float64 // mm
	cols, rows     int
	left, top      float64 // the first label's top-left corner on the page, mm
	pitchX, pitchY float64 // from one label's corner to the next, mm
	// edge is how far ink stays from the page's left and right edges, mm:
	// the outer columns' contents move inwards (within their label) to
	// keep it, since office printers do not print the outer few mm and
	// sheets sit a little askew in the tray.
	edge   float64
	design design
}

var sheets = map[Format]sheet{
	// A free-shop card, ID-1 size (85.6 × 54 mm, a bank card's): the QR of
	// the card's code on the reading side, the code in large type beside
	// it, then a title, the household line and a note. One card per page,
	// for a card printer or to cut out of paper.
	Card: {
		pageW: 85.6, pageH: 54, cols: 1, rows: 1,
		pitchX: 85.6, pitchY: 54,
		design: design{
			w: 85.6, h: 54,
			qr:   rect{x: 2, y: 5, w: 44, h: 44},
			text: rect{x: 46, y: 5, w: 36.6, h: 44},
			code: style{15, true}, minCode: 9,
			product: style{11, true}, productLines: 2,
			size: style{11, true}, count: style{9, false},
			note: style{7, false}, noteLines: 3,
			ruleGap: 7,
		},
	},
	// A4 label sheet of 3 × 8 labels, each 70 × 37 mm, with no gaps between
	// them and 0.5 mm left over at the top and bottom — the common
	// "24 per sheet, 70 × 37 mm" sheet (such as Avery 3474). Office printers
	// cannot print the outer 3-5 mm of a page: text and QR modules stay at
	// least 5 mm from the sheet's edges, only the QR's quiet zone (white
	// anyway) comes closer.
	A4: {
		pageW: 210, pageH: 297, cols: 3, rows: 8,
		left: 0, top: 0.5, pitchX: 70, pitchY: 37, edge: 8,
		design: design{
			w: 70, h: 37,
			qr:   rect{x: 1.5, y: 2, w: 33, h: 33},
			text: rect{x: 34.5, y: 4.5, w: 30.5, h: 28},
			code: style{16, true}, minCode: 9,
			product: style{10, true}, productLines: 2,
			size: style{11, true}, count: style{9, false},
			note: style{7, false}, noteLines: 2,
			ruleGap: 7,
		},
	},
	// One label per page on a continuous 62 mm roll cut every 100 mm (such
	// as Brother DK-22205 in a QL printer), portrait: the QR on top, the
	// text centred under it.
	Thermal62: {
		pageW: 62, pageH: 100, cols: 1, rows: 1,
		pitchX: 62, pitchY: 100,
		design: design{
			w: 62, h: 100, center: true,
			qr:   rect{x: 6, y: 1.5, w: 50, h: 50},
			text: rect{x: 4, y: 51.5, w: 54, h: 44.5},
			code: style{26, true}, minCode: 12,
			product: style{18, true}, productLines: 3,
			size: style{18, true}, count: style{15, false},
			note: style{9, false}, noteLines: 2,
			ruleGap: 9,
		},
	},
}

// Vertical metrics used to stack lines, in ems: room above and below the
// baseline for Latin, Arabic and Ethiopic alike, and the height of capitals
// (the box code has no descenders).
const (
	ascentEm  = 0.95
	descentEm = 0.3
	capEm     = 0.72
	gapMM     = 1.0
)

// mirrored is the design's QR and text boxes for the reading direction.
func (d design) mirrored(rtl bool) (qrBox, text rect) {
	qrBox, text = d.qr, d.text
	if rtl && !d.center {
		// Mirror: QR on the right, text starting from the right.
		qrBox.x = d.w - qrBox.x - qrBox.w
		text.x = d.w - text.x - text.w
	}
	return qrBox, text
}

// inkX is how far the ink of a label reaches to the left and right, mm from
// its left side: the QR's modules (its quiet zone is white) of a QR of n
// modules across, and the text column.
func (d design) inkX(n int, rtl bool) (left, right float64) {
	qrBox, text := d.mirrored(rtl)
	module := qrBox.w / float64(n+8)
	return min(qrBox.x+4*module, text.x), max(qrBox.x+qrBox.w-4*module, text.x+text.w)
}

// shift is how far a label in column col moves its contents sideways (mm)
// so that its ink, from left to right within the label, stays sh.edge from
// the page's sides, never closer than 1 mm to the label's own sides.
func (sh sheet) shift(col int, left, right float64) float64 {
	if sh.edge == 0 {
		return 0
	}
	x := sh.left + float64(col)*sh.pitchX
	dx := 0.0
	if over := sh.edge - (x + left); over > 0 {
		dx = min(over, sh.design.w-1-right)
	}
	if over := x + right - (sh.pageW - sh.edge); over > 0 {
		dx = -min(over, left-1)
	}
	return dx
}

// drawLabel draws one label whose top-left corner is at (ox, oy) points on
// the page (PDF coordinates, y up).
func drawLabel(c *canvas, ts *typesetter, d design, l Label, qr [][]bool, ox, oy float64, rtl bool) {
	qrBox, text := d.mirrored(rtl)
	X := func(v float64) float64 { return ox + v*mm }
	Y := func(v float64) float64 { return oy - v*mm }

	// The QR with a quiet zone of 4 modules on every side.
	module := qrBox.w / float64(len(qr)+8)
	c.qr(qr, X(qrBox.x+4*module), Y(qrBox.y+4*module), module*mm)

	// put draws a line in the text column at the given baseline (mm).
	put := func(tl textLine, base float64) {
		x := text.x
		free := text.w - tl.width/mm
		switch {
		case d.center:
			x += free / 2
		case rtl:
			x += free
		}
		c.text(tl, X(x), Y(base))
	}
	em := func(s style) float64 { return s.size / mm } // one em, in mm
	width := text.w * mm

	// The note sits at the bottom; everything else flows from the top and
	// stops before it.
	note := l.Note
	blank := isEmpty(l.Product) && isEmpty(l.Size) && isEmpty(l.Count)
	if blank && note == "" {
		note = i18n.T(ts.langCode, "label.blank_note")
	}
	noteLines := ts.lines(note, d.note, width, d.noteLines)
	limit := text.y + text.h
	for i := len(noteLines) - 1; i >= 0; i-- {
		base := limit - descentEm*em(d.note)
		put(noteLines[i], base)
		limit = base - ascentEm*em(d.note)
	}
	limit -= gapMM / 2

	y := text.y
	codeLine, codeSize := ts.fit(l.Code, d.code, d.minCode, width)
	base := y + capEm*codeSize/mm
	put(codeLine, base)
	y = base + descentEm*codeSize/mm/2 + gapMM

	// The size and count line is kept, and the product gets the lines left
	// between it and the note.
	sizeCount := ts.sizeCount(l.Size, l.Count, d.size, d.count, width, rtl)
	sizeHeight := 0.0
	if len(sizeCount.glyphs) > 0 {
		sizeHeight = (ascentEm + descentEm) * em(d.size)
	}
	pitch := (ascentEm + descentEm) * em(d.product)
	if n := min(d.productLines, int((limit-sizeHeight-y)/pitch)); n > 0 {
		for _, tl := range ts.lines(l.Product, d.product, width, n) {
			base := y + ascentEm*em(d.product)
			put(tl, base)
			y = base + descentEm*em(d.product)
		}
	}
	if sizeHeight > 0 && y+sizeHeight <= limit {
		base := y + ascentEm*em(d.size)
		put(sizeCount, base)
		y = base + descentEm*em(d.size)
	}

	if blank {
		// Ruled lines to write the product, size and count on by hand.
		for r := y + d.ruleGap; r <= limit; r += d.ruleGap {
			c.rule(X(text.x), X(text.x+text.w), Y(r), 0.5)
		}
	}
}

// sizeCount sets the size (bold) and the count (regular) on one line,
// separated by a middle dot, the size first in reading order. The size is
// kept whole if it can be; the count is cut first.
func (ts *typesetter) sizeCount(size, count string, ss, cs style, width float64, rtl bool) textLine {
	sl := ts.lines(size, ss, width, 1)
	if len(sl) == 0 {
		if cl := ts.lines(count, cs, width, 1); len(cl) > 0 {
			return cl[0]
		}
		return textLine{}
	}
	parts := []textLine{sl[0]}
	if dot := ts.lines("·", cs, width, 1); len(dot) > 0 {
		pad := cs.size * 0.3
		rest := width - sl[0].width - dot[0].width - 2*pad
		if cl := ts.lines(count, cs, rest, 1); len(cl) > 0 && rest > cs.size {
			dot[0].width += 2 * pad
			for i := range dot[0].glyphs {
				dot[0].glyphs[i].x += pad
			}
			parts = append(parts, dot[0], cl[0])
		}
	}
	if rtl {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	var out textLine
	for _, p := range parts {
		for _, g := range p.glyphs {
			g.x += out.width
			out.glyphs = append(out.glyphs, g)
		}
		out.width += p.width
	}
	return out
}

// isEmpty tells whether a field prints nothing.
func isEmpty(s string) bool { text, _ := clean(s); return len(text) == 0 }
