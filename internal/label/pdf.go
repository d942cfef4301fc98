package label

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
)

// A minimal PDF writer: pages of vector drawing, where each glyph used is a
// Form XObject holding its outline. Drawing outlines instead of embedding
// TrueType fonts keeps the writer small (no font subsetting, no CID maps)
// and the print as sharp as the printer can make it; the text is not
// selectable in a viewer, which a label does not need.

// Object numbers fixed in advance, so pages can point at them before they
// are written.
const (
	objCatalog   = 1
	objPages     = 2
	objResources = 3
	objInfo      = 4
	firstFreeObj = 5
)

type pdfWriter struct {
	w       io.Writer
	n       int64         // bytes written
	offsets map[int]int64 // object number → byte offset
	next    int
	pages   []int
	glyphs  map[glyphKey]int // glyph → its XObject's object number
	title   string           // the document's title; "" is "abri labels"
	layer   *textLayer       // the invisible text of a poster; nil until used
	err     error
	zbuf    bytes.Buffer
	zw      *zlib.Writer
}

type glyphKey struct {
	font   fontID
	gid    uint16
	embold bool
}

func newPDFWriter(w io.Writer) *pdfWriter {
	p := &pdfWriter{w: w, offsets: map[int]int64{}, next: firstFreeObj, glyphs: map[glyphKey]int{}}
	// The second line's high bytes mark the file as binary for tools that guess.
	p.write([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))
	return p
}

func (p *pdfWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.w.Write(b)
	p.n += int64(n)
	if err != nil {
		p.err = fmt.Errorf("label: write pdf: %w", err)
	}
}

func (p *pdfWriter) alloc() int { p.next++; return p.next - 1 }

// object writes one object whose body is a dictionary or other value.
func (p *pdfWriter) object(num int, body string) {
	p.offsets[num] = p.n
	p.write([]byte(strconv.Itoa(num) + " 0 obj\n" + body + "\nendobj\n"))
}

// stream writes a stream object, compressed. dict holds the entries besides
// /Length and /Filter.
func (p *pdfWriter) stream(num int, dict string, data []byte) {
	p.zbuf.Reset()
	if p.zw == nil {
		p.zw, _ = zlib.NewWriterLevel(&p.zbuf, zlib.BestSpeed)
	} else {
		p.zw.Reset(&p.zbuf)
	}
	p.zw.Write(data)
	p.zw.Close()
	p.offsets[num] = p.n
	p.write([]byte(fmt.Sprintf("%d 0 obj\n<<%s /Filter /FlateDecode /Length %d>>\nstream\n", num, dict, p.zbuf.Len())))
	p.write(p.zbuf.Bytes())
	p.write([]byte("\nendstream\nendobj\n"))
}

// page writes a page of the given size in points with its drawing.
func (p *pdfWriter) page(width, height float64, content []byte) {
	pageNum, contentNum := p.alloc(), p.alloc()
	p.stream(contentNum, "", content)
	p.object(pageNum, fmt.Sprintf("<</Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %d 0 R /Contents %d 0 R>>",
		objPages, num(width), num(height), objResources, contentNum))
	p.pages = append(p.pages, pageNum)
}

// glyph returns the resource name of a glyph's XObject, writing the
// XObject the first time the glyph is used; ok is false for a glyph with
// nothing to draw (a space).
func (p *pdfWriter) glyph(fs *faces, k glyphKey) (name string, ok bool) {
	if num, seen := p.glyphs[k]; seen {
		return glyphName(k), num != 0
	}
	g := glyphStream(fs, k)
	if g == nil {
		p.glyphs[k] = 0
		return "", false
	}
	num := p.alloc()
	p.glyphs[k] = num
	p.stream(num, g.dict, g.content)
	return glyphName(k), true
}

func glyphName(k glyphKey) string {
	name := "G" + strconv.Itoa(int(k.font)) + "." + strconv.Itoa(int(k.gid))
	if k.embold {
		name += "b"
	}
	return name
}

// finish writes the shared resources, the page tree, the catalogue and the
// cross-reference table.
func (p *pdfWriter) finish() error {
	var res bytes.Buffer
	res.WriteString("<</XObject <<")
	keys := make([]glyphKey, 0, len(p.glyphs))
	for k, num := range p.glyphs {
		if num != 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return p.glyphs[keys[i]] < p.glyphs[keys[j]] })
	for _, k := range keys {
		fmt.Fprintf(&res, "/%s %d 0 R ", glyphName(k), p.glyphs[k])
	}
	res.WriteString(">>")
	if p.layer != nil {
		res.WriteString(" /Font <<")
		for i, f := range p.layer.fonts {
			fmt.Fprintf(&res, "/T%d %d 0 R ", i, f.num)
		}
		res.WriteString(">>")
	}
	res.WriteString(">>")
	p.object(objResources, res.String())
	if p.layer != nil {
		p.layer.write(p)
	}

	var kids bytes.Buffer
	for _, n := range p.pages {
		fmt.Fprintf(&kids, "%d 0 R ", n)
	}
	p.object(objPages, fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d>>", bytes.TrimSpace(kids.Bytes()), len(p.pages)))
	// PrintScaling /None asks viewers to print at 100%: a label sheet
	// printed "fit to page" no longer lines up with its labels.
	p.object(objCatalog, fmt.Sprintf("<</Type /Catalog /Pages %d 0 R /ViewerPreferences <</PrintScaling /None>>>>", objPages))
	title := "abri labels"
	if p.title != "" {
		title = p.title
	}
	p.object(objInfo, "<</Producer (abri) /Title ("+title+")>>")

	xref := p.n
	var b bytes.Buffer
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", p.next)
	for i := 1; i < p.next; i++ {
		fmt.Fprintf(&b, "%010d 00000 n \n", p.offsets[i])
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root %d 0 R /Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n", p.next, objCatalog, objInfo, xref)
	p.write(b.Bytes())
	return p.err
}

// encodedGlyph is a glyph's XObject: its dictionary entries and drawing.
type encodedGlyph struct {
	dict    string
	content []byte
}

// glyphCache keeps encoded glyphs across renders: the fonts are fixed, so a
// glyph's drawing never changes, and there are at most a few thousand.
var glyphCache sync.Map // glyphKey → *encodedGlyph (nil: nothing to draw)

// emboldenEm is the stroke width, as a fraction of the em, that turns a
// regular outline into a passable bold when a font has no bold.
const emboldenEm = 0.04

func glyphStream(fs *faces, k glyphKey) *encodedGlyph {
	if v, ok := glyphCache.Load(k); ok {
		return v.(*encodedGlyph)
	}
	g := encodeGlyph(fs[k.font], k)
	glyphCache.Store(k, g)
	return g
}

// encodeGlyph draws a glyph's outline in font units (y up). TrueType
// quadratic curves become the cubic curves PDF knows.
func encodeGlyph(face *font.Face, k glyphKey) *encodedGlyph {
	out, ok := face.GlyphDataOutline(font.GID(k.gid))
	if !ok || len(out.Segments) == 0 {
		return nil
	}
	var c []byte
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	see := func(pt ot.SegmentPoint) {
		x, y := float64(pt.X), float64(pt.Y)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	var cur ot.SegmentPoint
	for _, s := range out.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if len(c) > 0 {
				c = append(c, "h\n"...)
			}
			c = appendPoints(c, "m", s.Args[0])
			cur = s.Args[0]
		case ot.SegmentOpLineTo:
			c = appendPoints(c, "l", s.Args[0])
			cur = s.Args[0]
		case ot.SegmentOpQuadTo:
			q, end := s.Args[0], s.Args[1]
			c1 := ot.SegmentPoint{X: cur.X + 2.0/3*(q.X-cur.X), Y: cur.Y + 2.0/3*(q.Y-cur.Y)}
			c2 := ot.SegmentPoint{X: end.X + 2.0/3*(q.X-end.X), Y: end.Y + 2.0/3*(q.Y-end.Y)}
			c = appendPoints(c, "c", c1, c2, end)
			cur = end
		case ot.SegmentOpCubeTo:
			c = appendPoints(c, "c", s.Args[0], s.Args[1], s.Args[2])
			cur = s.Args[2]
		}
		for _, pt := range s.ArgsSlice() {
			see(pt)
		}
	}
	c = append(c, "h\n"...)
	// Outlines are filled nonzero, as TrueType renders them.
	pad := 1.0
	if k.embold {
		w := emboldenEm * float64(face.Upem())
		pad += w / 2
		c = append([]byte(num(w)+" w 1 j\n"), c...)
		c = append(c, "B\n"...)
	} else {
		c = append(c, "f\n"...)
	}
	return &encodedGlyph{
		dict: fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [%s %s %s %s]",
			num(minX-pad), num(minY-pad), num(maxX+pad), num(maxY+pad)),
		content: c,
	}
}

func appendPoints(b []byte, op string, pts ...ot.SegmentPoint) []byte {
	for _, pt := range pts {
		b = appendNum(b, float64(pt.X))
		b = append(b, ' ')
		b = appendNum(b, float64(pt.Y))
		b = append(b, ' ')
	}
	b = append(b, op...)
	return append(b, '\n')
}

// appendNum writes a length with at most two decimals: 1/100 of a point is
// 0.0035 mm, and 1/100 of a font unit is finer still.
func appendNum(b []byte, v float64) []byte { return appendRounded(b, v, 100) }

// appendScale writes a scale factor, which needs more digits than a length.
func appendScale(b []byte, v float64) []byte { return appendRounded(b, v, 1e6) }

func appendRounded(b []byte, v, per float64) []byte {
	v = math.Round(v*per) / per
	if v == 0 {
		return append(b, '0') // never "-0"
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func num(v float64) string { return string(appendNum(nil, v)) }
