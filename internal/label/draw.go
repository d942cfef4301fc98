package label

import "strconv"

// mm is the length unit of the layouts; PDF works in points.
const mm = 72 / 25.4

// canvas collects one page's drawing operators. Coordinates given to its
// methods are in points, PDF-style: origin bottom left, y up.
type canvas struct {
	b  []byte
	p  *pdfWriter
	fs *faces
}

func (c *canvas) op(s string) { c.b = append(c.b, s...) }

func (c *canvas) nums(vs ...float64) {
	for _, v := range vs {
		c.b = appendNum(c.b, v)
		c.b = append(c.b, ' ')
	}
}

// text draws a laid-out line with its left end at x and its baseline at y.
func (c *canvas) text(l textLine, x, y float64) {
	for _, g := range l.glyphs {
		name, ok := c.p.glyph(c.fs, glyphKey{font: g.font, gid: g.gid, embold: g.embold})
		if !ok {
			continue
		}
		c.op("q ")
		c.b = appendScale(c.b, g.scale)
		c.op(" 0 0 ")
		c.b = appendScale(c.b, g.scale)
		c.op(" ")
		c.nums(x+g.x, y+g.y)
		c.op("cm /" + name + " Do Q\n")
	}
}

// qr draws a QR symbol (true = dark module) with its top-left corner at
// (x, top) and modules of the given size. Each row's dark runs become
// rectangles of one path filled once, so renderers leave no hairline seams
// between modules.
func (c *canvas) qr(bits [][]bool, x, top, module float64) {
	n := len(bits)
	c.op("q ")
	c.b = appendScale(c.b, module)
	c.op(" 0 0 ")
	c.b = appendScale(c.b, module)
	c.op(" ")
	c.nums(x, top-float64(n)*module)
	c.op("cm\n")
	for r, row := range bits {
		y := strconv.Itoa(n - 1 - r)
		for col := 0; col < len(row); {
			if !row[col] {
				col++
				continue
			}
			end := col
			for end < len(row) && row[end] {
				end++
			}
			c.op(strconv.Itoa(col) + " " + y + " " + strconv.Itoa(end-col) + " 1 re\n")
			col = end
		}
	}
	c.op("f Q\n")
}

// rule draws a horizontal line for handwriting, width w points.
func (c *canvas) rule(x1, x2, y, w float64) {
	c.nums(w)
	c.op("w ")
	c.nums(x1, y)
	c.op("m ")
	c.nums(x2, y)
	c.op("l S\n")
}
