package label

// Internal tests: they look at shaped glyphs, which the package does not
// export. What a person sees is tested from outside in label_test.go.

import (
	"slices"
	"testing"

	"github.com/go-text/typesetting/di"
)

func newTestTypesetter(t testing.TB) *typesetter {
	t.Helper()
	ts, err := getTypesetter("en")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// The Arabic for "sleeping bag" must come out joined and right to left:
// HarfBuzz replaces each letter by its initial, medial or final form, so the
// glyphs differ from the letters' standalone glyphs, and the first letter
// is drawn rightmost.
func TestArabicIsShapedJoinedRightToLeft(t *testing.T) {
	ts := newTestTypesetter(t)
	text := []rune("كيس نوم")
	dir := baseDirection(text)
	if dir != di.DirectionRTL {
		t.Fatalf("base direction = %v, want right to left", dir)
	}
	runs := ts.shape(text, style{size: 10}, dir)
	if len(runs) != 1 {
		t.Fatalf("got %d runs, want 1 (one face, one direction)", len(runs))
	}
	run := runs[0]
	if got := ts.fs.id(run.Face); got != arabicRegular {
		t.Fatalf("run set in font %d, want Noto Sans Arabic", got)
	}
	if run.Direction != di.DirectionRTL {
		t.Fatalf("run direction = %v, want right to left", run.Direction)
	}

	var shaped, standalone []uint16
	for _, g := range run.Glyphs {
		shaped = append(shaped, uint16(g.GlyphID))
	}
	for _, r := range text {
		gid, ok := ts.fs[arabicRegular].NominalGlyph(r)
		if !ok {
			t.Fatalf("no glyph for %q", r)
		}
		standalone = append(standalone, uint16(gid))
	}
	// Glyphs come in visual order, left to right: reverse them to compare
	// with the letters in reading order.
	logical := slices.Clone(shaped)
	slices.Reverse(logical)
	if slices.Equal(logical, standalone) {
		t.Errorf("shaped glyphs %v equal the standalone letters: not joined", logical)
	}
	// Every letter but the space is joined to a neighbour here, so each one
	// takes a contextual form.
	changed := 0
	for i := range min(len(logical), len(standalone)) {
		if logical[i] != standalone[i] {
			changed++
		}
	}
	if changed < 5 {
		t.Errorf("only %d of %d glyphs took a joining form: %v vs %v", changed, len(text), logical, standalone)
	}
	// Right to left: the leftmost glyph belongs to the last letter.
	first, last := run.Glyphs[0].ClusterIndex, run.Glyphs[len(run.Glyphs)-1].ClusterIndex
	if first != len(text)-1 || last != 0 {
		t.Errorf("clusters from left to right run %d…%d, want %d…0", first, last, len(text)-1)
	}
}

// Latin and Arabic on one line: each run keeps its own direction, and the
// Arabic words appear in right-to-left order inside the left-to-right line.
func TestMixedLatinArabicLine(t *testing.T) {
	ts := newTestTypesetter(t)
	lines := ts.lines("Tente (خيمة كبيرة) 2 places", style{size: 10}, 1000, 1)
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1", len(lines))
	}
	l := lines[0]
	if l.rtl {
		t.Fatal("a line starting with Latin should run left to right")
	}
	var fontsSeen []fontID
	for _, g := range l.glyphs {
		if len(fontsSeen) == 0 || fontsSeen[len(fontsSeen)-1] != g.font {
			fontsSeen = append(fontsSeen, g.font)
		}
	}
	// Latin, then Arabic, then Latin again (the parentheses may go with
	// either side).
	if !slices.Contains(fontsSeen, arabicRegular) || fontsSeen[0] != latinRegular || fontsSeen[len(fontsSeen)-1] != latinRegular {
		t.Errorf("fonts along the line = %v", fontsSeen)
	}
	for i := 1; i < len(l.glyphs); i++ {
		if l.glyphs[i].x < l.glyphs[i-1].x-0.5*10 {
			t.Errorf("glyph %d at x=%.2f goes back from %.2f: not in visual order", i, l.glyphs[i].x, l.glyphs[i-1].x)
		}
	}
}

func TestTigrinyaUsesEthiopicFont(t *testing.T) {
	ts := newTestTypesetter(t)
	lines := ts.lines("መደቀሲ", style{size: 10, bold: true}, 1000, 1)
	if len(lines) != 1 || len(lines[0].glyphs) != 4 {
		t.Fatalf("got %+v", lines)
	}
	for _, g := range lines[0].glyphs {
		if g.font != ethiopicRegular || !g.embold || g.gid == 0 {
			t.Errorf("glyph %+v: want Noto Sans Ethiopic, emboldened, not the missing-glyph box", g)
		}
	}
}

// Long text is cut with an ellipsis and never goes past the column,
// whatever the script, and even when a single word is too long.
func TestLongTextIsCutToFit(t *testing.T) {
	ts := newTestTypesetter(t)
	ellipsis, _ := ts.fs[latinBold].NominalGlyph('…')
	cases := []string{
		"Men's winter jacket, waterproof, with hood and an extra long description",
		"كيس نوم شتوي مقاوم للماء مع غطاء للرأس وحقيبة حمل كبيرة",
		"መደቀሲ መደቀሲ መደቀሲ መደቀሲ መደቀሲ መደቀሲ መደቀሲ መደቀሲ መደቀሲ",
		"Schlafsackkompressionsbeutelverschlussriemenhalterungsschnalle",
	}
	const width = 30 * mm
	for _, text := range cases {
		for _, maxLines := range []int{1, 2} {
			lines := ts.lines(text, style{size: 10, bold: true}, width, maxLines)
			if len(lines) == 0 || len(lines) > maxLines {
				t.Fatalf("%q: %d lines, want 1..%d", text, len(lines), maxLines)
			}
			for i, l := range lines {
				if l.width > width+0.01 {
					t.Errorf("%q line %d: %.1f pt wide, column is %.1f", text, i, l.width, width)
				}
			}
			last := lines[len(lines)-1]
			if !slices.ContainsFunc(last.glyphs, func(g placedGlyph) bool { return g.font == latinBold && g.gid == uint16(ellipsis) }) {
				t.Errorf("%q in %d lines: the last line has no ellipsis", text, maxLines)
			}
		}
	}
}

func TestFitShrinksTheCodeBeforeCuttingIt(t *testing.T) {
	ts := newTestTypesetter(t)
	st := style{size: 16, bold: true}
	l, size := ts.fit("7KX 3M9 PQR", st, 9, 200)
	if size != 16 || l.width > 200 {
		t.Errorf("short code: size %.1f width %.1f, want 16 and fitting", size, l.width)
	}
	l, size = ts.fit("7KX 3M9 PQR", st, 9, 80)
	if size >= 16 || size < 9 || l.width > 80.01 {
		t.Errorf("tight column: size %.1f width %.1f, want shrunk between 9 and 16 and fitting", size, l.width)
	}
	l, size = ts.fit("7KX3M9PQR7KX3M9PQR7KX3M9PQR7KX3M9PQR", st, 9, 80)
	if size != 9 || l.width > 80.01 {
		t.Errorf("overlong code: size %.1f width %.1f, want 9 and cut to fit", size, l.width)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  Sac\tde\n\ncouchage  ": "Sac de couchage",
		"a\x00b\xffc":             "a b c",
		"":                        "",
		" \n ":                    "",
		// A tower of accents is cut to three; Arabic shadda and fatha stay.
		"e\u0301\u0302\u0303\u0304\u0305": "e\u0301\u0302\u0303",
		"\u0644\u0651\u064e":              "\u0644\u0651\u064e",
	} {
		got, cut := clean(in)
		if string(got) != want || cut {
			t.Errorf("clean(%q) = %q, %v; want %q, false", in, string(got), cut, want)
		}
	}
	long := make([]rune, maxFieldRunes+10)
	for i := range long {
		long[i] = 'x'
	}
	if got, cut := clean(string(long)); len(got) != maxFieldRunes || !cut {
		t.Errorf("long field: %d runes, cut %v", len(got), cut)
	}
}
