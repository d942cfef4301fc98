package label_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"abri/internal/label"
)

// posterText renders a poster and extracts its text with pdftotext.
func posterText(t *testing.T, p label.Poster, lang string) (string, []byte) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	var buf bytes.Buffer
	if err := label.RenderPoster(&buf, p, lang); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "poster.pdf")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out), buf.Bytes()
}

// The poster's words come back out of the PDF as they went in, in reading
// order, for a right-to-left script that joins (Arabic) and for Ge'ez
// (Tigrinya), as well as for Latin.
func TestPosterTextExtracts(t *testing.T) {
	for _, tc := range []struct {
		lang string
		p    label.Poster
		want []string
	}{
		{"ar", label.Poster{Title: "مواعيد التوزيع", Subtitle: "التوزيعات في الأسبوعين القادمين",
			Sections: []label.PosterSection{{Heading: "الاثنين 8 ديسمبر", Entries: []label.PosterEntry{{Main: "18:00–19:00 · وجبات", Detail: "موقف السيارات خلف القاعة"}}}},
			Footer:   "قد تتغير المواعيد."},
			[]string{"مواعيد التوزيع", "التوزيعات في الأسبوعين القادمين", "وجبات", "موقف السيارات خلف القاعة", "قد تتغير المواعيد."}},
		{"ti", label.Poster{Title: "መደብ ዕደላ", Subtitle: "ኣብ ዝመጽእ ክልተ ሰሙን ዝግበር ዕደላ",
			Sections: []label.PosterSection{{Heading: "ሰኑይ 8 ታሕሳስ", Entries: []label.PosterEntry{{Main: "18:00–19:00 · መግቢ", Detail: "Canal"}}}},
			Footer:   "ሰዓታት ክቕየሩ ይኽእሉ እዮም።"},
			[]string{"መደብ ዕደላ", "ኣብ ዝመጽእ ክልተ ሰሙን ዝግበር ዕደላ", "ሰኑይ 8 ታሕሳስ", "18:00–19:00", "መግቢ", "Canal", "ሰዓታት ክቕየሩ ይኽእሉ እዮም።"}},
		{"en", label.Poster{Title: "Distribution schedule", Sections: []label.PosterSection{{Heading: "Monday 8 December",
			Entries: []label.PosterEntry{{Main: "18:00–19:00 · Meals", Detail: "The car park behind the sports hall."}}}}},
			[]string{"Distribution schedule", "Monday 8 December", "18:00–19:00 · Meals", "The car park behind the sports hall."}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			text, pdf := posterText(t, tc.p, tc.lang)
			// pdftotext marks the direction of runs with bidi controls.
			norm := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
				if r >= 0x202A && r <= 0x202E || r == 0x200E || r == 0x200F {
					return -1
				}
				return r
			}, text)), " ")
			for _, w := range tc.want {
				if !strings.Contains(norm, w) {
					t.Errorf("pdftotext lacks %q; it gave:\n%s", w, text)
				}
			}
			if !bytes.Contains(pdf, []byte("/MediaBox [0 0 595.28 841.89]")) {
				t.Error("the poster is not A4")
			}
		})
	}
}

// twoWeeks is a busy kitchen's public schedule: three rounds a day for 14
// days, in Arabic.
func twoWeeks() label.Poster {
	p := label.Poster{Title: "مواعيد التوزيع", Subtitle: "مطبخ الساحل · التوزيعات في الأسبوعين القادمين", Footer: "قد تتغير المواعيد."}
	for d := 1; d <= 14; d++ {
		s := label.PosterSection{Heading: fmt.Sprintf("الاثنين %d ديسمبر", d)}
		for _, w := range []string{"12:00–13:00", "15:00–16:00", "18:30–19:30"} {
			s.Entries = append(s.Entries, label.PosterEntry{Main: w + " · وجبات", Detail: "Zone du canal — موقف السيارات خلف القاعة الرياضية، قرب الجسر الأزرق"})
		}
		p.Sections = append(p.Sections, s)
	}
	return p
}

// BenchmarkPoster renders a two-week schedule of 42 rounds: the public
// poster is drawn on every request, by anyone, so its cost matters.
func BenchmarkPoster(b *testing.B) {
	p := twoWeeks()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := label.RenderPoster(&buf, p, "ar"); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/poster")
}

// TestWritePosterSample writes a poster for a person to look at:
//
//	LABEL_SAMPLES=/tmp/labels go test ./internal/label -run WritePosterSample
func TestWritePosterSample(t *testing.T) {
	dir := os.Getenv("LABEL_SAMPLES")
	if dir == "" {
		t.Skip("set LABEL_SAMPLES to a directory to write a sample poster")
	}
	var buf bytes.Buffer
	if err := label.RenderPoster(&buf, twoWeeks(), "ar"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "poster-ar.pdf"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
