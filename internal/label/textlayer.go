package label

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// The text layer: the characters of each line drawn again in text render
// mode 3 (invisible) over the outlines, in a Type 3 font whose glyphs draw
// nothing and whose ToUnicode map gives each code its character. A viewer
// then finds, copies and reads the text aloud, and pdftotext extracts it,
// while what prints stays the shaped outlines. Characters are placed
// where their glyph cluster is drawn, in visual order, as any shaped PDF
// does, so extraction tools put right-to-left text back in reading order.

// textLayer gives each character used a one-byte code in one of as many
// Type 3 fonts as needed (255 characters each).
type textLayer struct {
	codes map[rune][2]int // character → font index, code (1…255)
	fonts []*layerFont
}

type layerFont struct {
	num   int    // object number
	chars []rune // code i+1 is chars[i]
}

// layerAdvance is every layer glyph's advance in thousandths of an em;
// each character is stretched to its cluster's width with Tz.
const layerAdvance = 500

func (t *textLayer) code(p *pdfWriter, r rune) (font, code int) {
	if fc, ok := t.codes[r]; ok {
		return fc[0], fc[1]
	}
	if len(t.fonts) == 0 || len(t.fonts[len(t.fonts)-1].chars) == 255 {
		t.fonts = append(t.fonts, &layerFont{num: p.alloc()})
	}
	f := len(t.fonts) - 1
	t.fonts[f].chars = append(t.fonts[f].chars, r)
	c := len(t.fonts[f].chars)
	t.codes[r] = [2]int{f, c}
	return f, c
}

// write writes the layer's fonts, their shared empty glyph and their
// ToUnicode maps.
func (t *textLayer) write(p *pdfWriter) {
	empty := p.alloc()
	p.stream(empty, "", []byte(fmt.Sprintf("%d 0 d0\n", layerAdvance)))
	for _, f := range t.fonts {
		cmap := p.alloc()
		var b strings.Builder
		b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
			"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
			"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
		for i := 0; i < len(f.chars); i += 100 {
			end := min(i+100, len(f.chars))
			fmt.Fprintf(&b, "%d beginbfchar\n", end-i)
			for j := i; j < end; j++ {
				fmt.Fprintf(&b, "<%02X> <", j+1)
				for _, u := range utf16.Encode([]rune{f.chars[j]}) {
					fmt.Fprintf(&b, "%04X", u)
				}
				b.WriteString(">\n")
			}
			b.WriteString("endbfchar\n")
		}
		b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
		p.stream(cmap, "", []byte(b.String()))

		var procs, diffs, widths strings.Builder
		for i := range f.chars {
			fmt.Fprintf(&procs, "/c%d %d 0 R ", i+1, empty)
			fmt.Fprintf(&diffs, "/c%d ", i+1)
			fmt.Fprintf(&widths, "%d ", layerAdvance)
		}
		p.object(f.num, fmt.Sprintf("<</Type /Font /Subtype /Type3 /FontBBox [0 0 0 0] /FontMatrix [0.001 0 0 0.001 0 0] "+
			"/CharProcs <<%s>> /Encoding <</Type /Encoding /Differences [1 %s]>> /FirstChar 1 /LastChar %d /Widths [%s] "+
			"/Resources <<>> /ToUnicode %d 0 R>>",
			procs.String(), strings.TrimSpace(diffs.String()), len(f.chars), strings.TrimSpace(widths.String()), cmap))
	}
}

// textLayer draws a laid-out line's characters, invisible, with the line's
// left end at x and its baseline at y. Lines laid out without their text
// (labels) add nothing.
func (c *canvas) textLayer(l textLine, x, y float64) {
	if len(l.spans) == 0 || l.size <= 0 {
		return
	}
	if c.p.layer == nil {
		c.p.layer = &textLayer{codes: map[rune][2]int{}}
	}
	c.op("BT 3 Tr\n")
	cur := -1
	for _, sp := range l.spans {
		if len(sp.text) == 0 {
			continue
		}
		w := sp.w / float64(len(sp.text))
		for i, r := range sp.text {
			f, code := c.p.layer.code(c.p, r)
			if f != cur {
				c.op(fmt.Sprintf("/T%d ", f))
				c.nums(l.size)
				c.op("Tf\n")
				cur = f
			}
			// Tz stretches the glyph's advance to the character's share
			// of its cluster; never to nothing, which some readers refuse.
			c.nums(max(100*w/(l.size*layerAdvance/1000), 1))
			c.op("Tz 1 0 0 1 ")
			c.nums(x+sp.x+float64(i)*w, y)
			c.op(fmt.Sprintf("Tm <%02X> Tj\n", code))
		}
	}
	c.op("ET\n")
}
