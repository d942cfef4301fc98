package label_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"abri/internal/apperr"
	"abri/internal/label"
)

// A part-used sheet: labels printed from position 5 land in positions 5, 6,
// 7…, the first four stay blank, and the rest go on to the next sheet; a
// thermal roll ignores the position. Read back with zbarimg.
func TestStartPosition(t *testing.T) {
	needTools(t, "pdftoppm", "zbarimg")
	for _, tc := range []struct {
		start, n, pages int
		lang            string
	}{
		{5, 3, 1, "en"},
		{24, 2, 2, "ar"}, // the last position, then the next sheet
		{1, 1, 1, "fr"},
	} {
		t.Run(fmt.Sprintf("from-%d-%s", tc.start, tc.lang), func(t *testing.T) {
			labels := someLabels(tc.n)
			var buf bytes.Buffer
			if err := label.RenderFrom(&buf, label.A4, labels, tc.lang, tc.start); err != nil {
				t.Fatal(err)
			}
			pages := rasterise(t, buf.Bytes())
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			pos := 0 // position on the sheets, from 0
			for _, p := range pages {
				for _, cell := range cells(t, p, label.A4) {
					var want []string
					if i := pos - (tc.start - 1); i >= 0 && i < len(labels) {
						want = []string{labels[i].URL}
					}
					if got := decode(t, cell); !slices.Equal(got, want) {
						t.Errorf("position %d (%s): decoded %q, want %q", pos%24+1, filepath.Base(cell), got, want)
					}
					pos++
				}
			}
		})
	}
	var buf bytes.Buffer
	if err := label.RenderFrom(&buf, label.Thermal62, someLabels(2), "en", 7); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "/Type /Page "); n != 2 {
		t.Errorf("a roll from position 7: %d pages, want 2", n)
	}
}

func TestParseStart(t *testing.T) {
	for in, want := range map[string]int{"": 1, "1": 1, " 7 ": 7, "24": 24} {
		if got, err := label.ParseStart(in); err != nil || got != want {
			t.Errorf("ParseStart(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "25", "-1", "x", "1.5"} {
		if _, err := label.ParseStart(in); apperr.CodeOf(err) != apperr.Invalid || apperr.FieldOf(err) != "start" {
			t.Errorf("ParseStart(%q): %v, want invalid at start", in, err)
		}
	}
}

// Office printers do not print the outer few mm of a page and sheets sit
// askew: on a full A4 sheet with the longest names, in both directions, no
// ink comes within 8 mm of the page's left or right edge.
func TestInkKeepsFromThePageEdges(t *testing.T) {
	needTools(t, "pdftoppm")
	labels := longLabels()
	for _, lang := range []string{"en", "ar"} {
		img := readPNG(t, rasterise(t, render(t, label.A4, labels, lang))[0])
		const dpmm = 200 / 25.4
		b := img.Bounds()
		first, last := b.Max.X, b.Min.X
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
					first, last = min(first, x), max(last, x)
				}
			}
		}
		l, r := float64(first-b.Min.X)/dpmm, float64(b.Max.X-1-last)/dpmm
		t.Logf("%s: ink from %.1f mm to %.1f mm from the right edge", lang, l, r)
		if l < 8 || r < 8 {
			t.Errorf("%s: ink %.1f mm from the left edge and %.1f mm from the right, want at least 8", lang, l, r)
		}
	}
}
