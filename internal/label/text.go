package label

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// maxFieldRunes caps what is shaped of one field: a label line holds far
// fewer characters, so anything beyond is cut (and shown as cut) without
// spending time on it.
const maxFieldRunes = 300

// style is how a piece of text is set.
type style struct {
	size float64 // points
	bold bool
}

// placedGlyph is one glyph of a laid-out line, ready to draw.
type placedGlyph struct {
	font   fontID
	gid    uint16
	embold bool    // bold asked, but the font has no bold: stroke the outline
	x, y   float64 // points from the line's left end, on its baseline
	scale  float64 // points per font unit
}

// textLine is one line of text in visual order (left to right).
type textLine struct {
	glyphs []placedGlyph
	width  float64    // points
	rtl    bool       // the paragraph's direction
	spans  []textSpan // the characters, for a text layer (only when the typesetter keeps text)
	size   float64    // points
}

// textSpan is the characters of one glyph cluster, in visual order, and
// where the cluster's glyphs are drawn: the text layer a poster carries
// so that its text can be searched, copied and read aloud.
type textSpan struct {
	text []rune
	x, w float64 // points from the line's left end
}

// typesetter shapes text for one render at a time (renders take one from
// a pool): its faces and buffers are not safe for concurrent use.
type typesetter struct {
	fs       faces
	langCode string            // abri's language code, for translations
	lang     language.Language // the same, for shaping
	shaper   shaping.HarfbuzzShaper
	seg      shaping.Segmenter
	wrapper  shaping.LineWrapper
	runs     []shaping.Output
	keepText bool // record each line's characters (textLine.spans)
}

func newTypesetter() (*typesetter, error) {
	fs, err := newFaces()
	if err != nil {
		return nil, err
	}
	return &typesetter{fs: fs}, nil
}

// maxMarks is how many combining marks one letter keeps: real text stacks
// two or three (Arabic shadda and a vowel, Vietnamese tone and vowel
// marks); a tower of them would climb out of the label.
const maxMarks = 3

// clean makes a field printable on one label: invalid UTF-8 and control
// characters become spaces, runs of spaces collapse, marks are kept to
// maxMarks per letter, and overlong text is cut. It reports whether text
// was cut.
func clean(s string) ([]rune, bool) {
	out := make([]rune, 0, min(len(s), maxFieldRunes))
	space := true // drops leading spaces
	marks := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			if !space {
				out = append(out, ' ')
				space = true
			}
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if marks++; marks > maxMarks {
				continue
			}
		} else {
			marks = 0
		}
		if len(out) == maxFieldRunes {
			return trimSpace(out), true
		}
		out = append(out, r)
		space = false
	}
	return trimSpace(out), false
}

func trimSpace(rs []rune) []rune {
	for len(rs) > 0 && rs[len(rs)-1] == ' ' {
		rs = rs[:len(rs)-1]
	}
	return rs
}

// baseDirection is the paragraph direction from the first strong character
// (Unicode bidi rules P2 and P3); text with none, such as "40-42", is set
// left to right.
func baseDirection(text []rune) di.Direction {
	for _, r := range text {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return di.DirectionLTR
		case bidi.R, bidi.AL:
			return di.DirectionRTL
		}
	}
	return di.DirectionLTR
}

// shape segments text by direction, script and font, and shapes each run.
// The returned runs are in logical order and reused by the next call.
func (ts *typesetter) shape(text []rune, st style, dir di.Direction) []shaping.Output {
	fm := &fontmap{fs: &ts.fs, bold: st.bold}
	in := shaping.Input{
		Text:      text,
		RunStart:  0,
		RunEnd:    len(text),
		Direction: dir,
		Size:      toFixed(st.size),
		Language:  ts.lang,
	}
	ts.runs = ts.runs[:0]
	for _, run := range ts.seg.Split(in, fm) {
		ts.runs = append(ts.runs, ts.shaper.Shape(run))
	}
	return ts.runs
}

// lines sets text in at most maxLines lines of maxWidth points, cutting it
// with an ellipsis when it does not fit.
func (ts *typesetter) lines(s string, st style, maxWidth float64, maxLines int) []textLine {
	text, cut := clean(s)
	if len(text) == 0 {
		return nil
	}
	dir := baseDirection(text)
	runs := ts.shape(text, st, dir)
	ellipsisFont := latinRegular
	if st.bold {
		ellipsisFont = latinBold
	}
	ellipsis := ts.shaper.Shape(shaping.Input{
		Text: []rune{'…'}, RunEnd: 1, Direction: dir, Size: toFixed(st.size),
		Face: ts.fs[ellipsisFont], Script: language.Latin, Language: ts.lang,
	})
	cfg := shaping.WrapConfig{
		Direction:          dir,
		TruncateAfterLines: maxLines,
		Truncator:          ellipsis,
		TextContinues:      cut,
		BreakPolicy:        shaping.WhenNecessary,
	}
	wrapped, _ := ts.wrapper.WrapParagraphF(cfg, toFixed(maxWidth), text, shaping.NewSliceIterator(runs))
	out := make([]textLine, 0, len(wrapped))
	for _, l := range wrapped {
		out = append(out, ts.place(l, st, dir, text))
	}
	return out
}

// fit sets text on one line at st.size, shrinking it down to minSize to
// fit maxWidth, and cutting it only below that.
func (ts *typesetter) fit(s string, st style, minSize, maxWidth float64) (textLine, float64) {
	l := ts.lines(s, st, 1e6, 1)
	if len(l) == 0 {
		return textLine{}, st.size
	}
	if l[0].width <= maxWidth {
		return l[0], st.size
	}
	if size := st.size * maxWidth / l[0].width; size >= minSize {
		// Shaping is linear in size (no hinting), so scaling the laid-out
		// line equals setting it again at the smaller size.
		k := size / st.size
		for i := range l[0].glyphs {
			g := &l[0].glyphs[i]
			g.x, g.y, g.scale = g.x*k, g.y*k, g.scale*k
		}
		l[0].width *= k
		return l[0], size
	}
	st.size = minSize
	l = ts.lines(s, st, maxWidth, 1)
	return l[0], minSize
}

// place turns a wrapped line's runs into glyph positions, left to right.
func (ts *typesetter) place(line shaping.Line, st style, dir di.Direction, text []rune) textLine {
	runs := slices.Clone(line)
	slices.SortFunc(runs, func(a, b shaping.Output) int { return int(a.VisualIndex - b.VisualIndex) })
	tl := textLine{rtl: dir == di.DirectionRTL, size: st.size}
	x := 0.0
	for _, run := range runs {
		id := ts.fs.id(run.Face)
		embold := st.bold && !faceFiles[id].bold
		scale := st.size / float64(run.Face.Upem())
		// HarfBuzz gives the glyphs of a right-to-left run in visual order
		// already, so every run is drawn from its left end.
		for i, g := range run.Glyphs {
			if ts.keepText && (i == 0 || run.Glyphs[i-1].ClusterIndex != g.ClusterIndex) && g.ClusterIndex+g.RuneCount <= len(text) {
				rs := slices.Clone(text[g.ClusterIndex : g.ClusterIndex+g.RuneCount])
				if run.Direction.Progression() == di.TowardTopLeft {
					slices.Reverse(rs) // visual order, as the glyphs
				}
				tl.spans = append(tl.spans, textSpan{text: rs, x: x})
			}
			if n := len(tl.spans); ts.keepText && n > 0 {
				tl.spans[n-1].w += fromFixed(g.Advance)
			}
			tl.glyphs = append(tl.glyphs, placedGlyph{
				font:   id,
				gid:    uint16(g.GlyphID),
				embold: embold,
				x:      x + fromFixed(g.XOffset),
				y:      fromFixed(g.YOffset),
				scale:  scale,
			})
			x += fromFixed(g.Advance)
		}
	}
	tl.width = x
	return tl
}

func toFixed(pt float64) fixed.Int26_6 { return fixed.Int26_6(pt*64 + 0.5) }

func fromFixed(v fixed.Int26_6) float64 { return float64(v) / 64 }
