package label_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"abri/internal/apperr"
	"abri/internal/label"
)

// products in the languages volunteers and the people served write.
var products = []struct{ product, size, count string }{
	{"كيس نوم", "M", "12 قطعة"},
	{"Sac de couchage", "40-42", "12 pièces"},
	{"መደቀሲ", "L", "4 ንብረት"},
	{"Sleeping bag", "", "6 items"},
	{"Men's winter jacket, waterproof, with hood and an extra long description that cannot fit", "XXL", "3 items"},
	{"Tente 2 places (خيمة لشخصين)", "5 kg", ""},
	{"", "", ""}, // a blank label
}

// someLabels makes n labels with distinct codes and URLs.
func someLabels(n int) []label.Label {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	out := make([]label.Label, n)
	for i := range out {
		code := []byte("7KX3M9PQR")
		code[5], code[6], code[7] = alphabet[i%32], alphabet[(i/32)%32], alphabet[(i*7)%32]
		p := products[i%len(products)]
		out[i] = label.Label{
			Code:    string(code),
			URL:     "https://abri.example.org/b/" + string(code),
			Product: p.product,
			Size:    p.size,
			Count:   p.count,
		}
	}
	return out
}

func render(t testing.TB, f label.Format, labels []label.Label, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := label.Render(&buf, f, labels, lang); err != nil {
		t.Fatalf("Render(%s, %d labels, %s): %v", f, len(labels), lang, err)
	}
	return buf.Bytes()
}

// needTools skips when the PDF rasteriser or QR decoder is missing on a
// developer's machine, and fails in CI, which must have them.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (install poppler-utils and zbar-tools)", tool)
			}
			t.Skipf("%s is missing (apt-get install poppler-utils zbar-tools)", tool)
		}
	}
}

// rasterise renders a PDF to one PNG per page at 200 dpi, as a printer
// would print it, and returns the PNG files in page order.
func rasterise(t *testing.T, pdf []byte) []string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "labels.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(pages, func(a, b string) int { return pageNumber(a) - pageNumber(b) })
	return pages
}

func pageNumber(path string) int {
	base := strings.TrimSuffix(filepath.Base(path), ".png")
	n, _ := strconv.Atoi(base[strings.LastIndexByte(base, '-')+1:])
	return n
}

// decode reads every QR code in a PNG with zbarimg.
func decode(t *testing.T, png string) []string {
	t.Helper()
	cmd := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png)
	out, err := cmd.Output() // stderr has D-Bus noise on machines without it
	if err != nil {
		return nil // exit status 4: nothing found
	}
	return strings.Fields(string(out))
}

// cells cuts a page image into its labels, in reading order, and writes
// each to a PNG: zbarimg misses a few of 24 codes on a whole page, while a
// scanner only ever sees one label.
func cells(t *testing.T, page string, f label.Format) []string {
	t.Helper()
	img := readPNG(t, page)
	const dpmm = 200 / 25.4
	cols, rows, w, h, top := 1, 1, 62.0, 100.0, 0.0
	if f == label.A4 {
		cols, rows, w, h, top = 3, 8, 70, 37, 0.5
	}
	var out []string
	for i := range cols * rows {
		c, r := i%cols, i/cols
		rect := image.Rect(int(float64(c)*w*dpmm), int((top+float64(r)*h)*dpmm),
			int(float64(c+1)*w*dpmm), int((top+float64(r+1)*h)*dpmm))
		sub := img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(rect)
		path := strings.TrimSuffix(page, ".png") + fmt.Sprintf("-cell%02d.png", i)
		file, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(file, sub); err != nil {
			t.Fatal(err)
		}
		file.Close()
		out = append(out, path)
	}
	return out
}

// The end of the chain: a printed label, scanned, gives its box's URL —
// for every label, on every page, in both formats and both directions.
func TestEveryQRDecodesToItsURL(t *testing.T) {
	needTools(t, "pdftoppm", "zbarimg")
	for _, tc := range []struct {
		format   label.Format
		n, pages int
		lang     string
	}{
		{label.A4, 30, 2, "en"},       // a full sheet and a partial one
		{label.A4, 5, 1, "ar"},        // mirrored layout
		{label.Thermal62, 4, 4, "fr"}, // one label per page
	} {
		t.Run(fmt.Sprintf("%s-%s", tc.format, tc.lang), func(t *testing.T) {
			labels := someLabels(tc.n)
			pages := rasterise(t, render(t, tc.format, labels, tc.lang))
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			i := 0
			for _, p := range pages {
				for _, cell := range cells(t, p, tc.format) {
					got := decode(t, cell)
					var want []string
					if i < len(labels) {
						want = []string{labels[i].URL}
					}
					if !slices.Equal(got, want) {
						t.Errorf("label %d (%s): decoded %q, want %q", i+1, filepath.Base(cell), got, want)
					}
					i++
				}
			}
		})
	}
}

// Text never spills over a label's edge: with the longest names, the
// strips along the cuts between A4 labels stay white.
func TestTextStaysInsideTheLabels(t *testing.T) {
	needTools(t, "pdftoppm")
	labels := longLabels()
	for i := range labels {
		labels[i].Code = strings.Repeat(labels[i].Code, 3)
	}
	for _, lang := range []string{"en", "ar"} {
		pages := rasterise(t, render(t, label.A4, labels, lang))
		img := readPNG(t, pages[0])
		const dpmm = 200 / 25.4
		b := img.Bounds()
		dark := func(x, y int) bool {
			r, g, bl, _ := img.At(x, y).RGBA()
			return r+g+bl < 3*0x8000
		}
		// 0.6 mm either side of each vertical cut between columns.
		for _, cut := range []float64{70, 140} {
			for x := int((cut - 0.6) * dpmm); x <= int((cut+0.6)*dpmm); x++ {
				for y := b.Min.Y; y < b.Max.Y; y++ {
					if dark(x, y) {
						t.Fatalf("%s: ink at %.1f mm, %.1f mm, on the cut at %v mm", lang, float64(x)/dpmm, float64(y)/dpmm, cut)
					}
				}
			}
		}
		// and along each horizontal cut between rows.
		for row := 1; row < 8; row++ {
			cut := 0.5 + 37*float64(row)
			for y := int((cut - 0.6) * dpmm); y <= int((cut+0.6)*dpmm); y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if dark(x, y) {
						t.Fatalf("%s: ink at %.1f mm, %.1f mm, on the cut at %v mm", lang, float64(x)/dpmm, float64(y)/dpmm, cut)
					}
				}
			}
		}
	}
}

// longLabels is a sheet of labels with the longest texts, Latin and Arabic
// in turn.
func longLabels() []label.Label {
	long := strings.Repeat("Sac de couchage très chaud ", 10)
	arabic := strings.Repeat("كيس نوم شتوي مقاوم للماء ", 10)
	labels := someLabels(24)
	for i := range labels {
		l := &labels[i]
		l.Product, l.Size, l.Count, l.Note = long, strings.Repeat("XL", 20), strings.Repeat("12 items ", 10), long
		if i%2 == 1 {
			l.Product, l.Count, l.Note = arabic, arabic, arabic
		}
	}
	return labels
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

var pageCount = regexp.MustCompile(`/Type /Pages /Kids \[[^\]]*\] /Count (\d+)`)

func TestPagesFollowTheLabelCount(t *testing.T) {
	for _, tc := range []struct {
		format label.Format
		n      int
		pages  int
	}{
		{label.A4, 1, 1},
		{label.A4, 24, 1},
		{label.A4, 25, 2},
		{label.A4, 100, 5},
		{label.Thermal62, 1, 1},
		{label.Thermal62, 7, 7},
	} {
		pdf := render(t, tc.format, someLabels(tc.n), "en")
		m := pageCount.FindSubmatch(pdf)
		if m == nil {
			t.Fatalf("%s, %d labels: no page tree", tc.format, tc.n)
		}
		if got, _ := strconv.Atoi(string(m[1])); got != tc.pages {
			t.Errorf("%s, %d labels: %d pages, want %d", tc.format, tc.n, got, tc.pages)
		}
		assertPDF(t, pdf)
	}
}

// assertPDF checks the frame of a PDF: header, cross-reference table
// pointing at real objects, trailer.
func assertPDF(t testing.TB, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.7\n")) {
		t.Fatalf("no PDF header: %q", pdf[:min(len(pdf), 20)])
	}
	if !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("no PDF trailer: %q", pdf[max(0, len(pdf)-20):])
	}
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 {
		t.Fatal("no startxref")
	}
	var xref int
	if _, err := fmt.Sscanf(string(pdf[i+len("startxref\n"):]), "%d", &xref); err != nil || xref <= 0 || xref >= len(pdf) {
		t.Fatalf("startxref %d: %v", xref, err)
	}
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref does not point at the xref table")
	}
	// Each in-use entry points at "N 0 obj".
	lines := strings.Split(string(pdf[xref:]), "\n")
	var count int
	fmt.Sscanf(lines[1], "0 %d", &count)
	for n := 1; n < count; n++ {
		var off int
		fmt.Sscanf(lines[2+n], "%d", &off)
		if !bytes.HasPrefix(pdf[off:], []byte(strconv.Itoa(n)+" 0 obj\n")) {
			t.Fatalf("xref entry %d points at %q", n, pdf[off:min(len(pdf), off+12)])
		}
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	good := someLabels(1)[0]
	noURL, longURL, noCode := good, good, good
	noURL.URL = ""
	longURL.URL = "https://abri.example.org/b/" + strings.Repeat("A", label.MaxURLBytes)
	noCode.Code = " \n"
	for _, tc := range []struct {
		name   string
		format label.Format
		labels []label.Label
		key    string
	}{
		{"no labels", label.A4, nil, "label.error.none"},
		{"unknown format", "letter", []label.Label{good}, "label.error.format"},
		{"too many", label.A4, make([]label.Label, label.MaxLabels+1), "label.error.too_many"},
		{"no URL", label.A4, []label.Label{good, noURL}, "label.error.url"},
		{"URL too long to scan", label.Thermal62, []label.Label{longURL}, "label.error.url"},
		{"no code", label.A4, []label.Label{noCode}, "label.error.code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := label.Render(&buf, tc.format, tc.labels, "fr")
			e := apperr.As(err)
			if err == nil || e.Code != apperr.Invalid || e.Key != tc.key {
				t.Fatalf("err = %v, want invalid %s", err, tc.key)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written on error", buf.Len())
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, fmt.Errorf("connection reset")
	}
	return len(p), nil
}

func TestWriteErrorIsReturned(t *testing.T) {
	err := label.Render(&failingWriter{after: 100}, label.A4, someLabels(30), "en")
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// Renders run side by side in a server; run with -race.
func TestConcurrentRenders(t *testing.T) {
	want := render(t, label.A4, someLabels(10), "ar")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := label.Render(&buf, label.A4, someLabels(10), "ar"); err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("render %d differs from the first", i)
			}
		}()
	}
	wg.Wait()
}

func FuzzRender(f *testing.F) {
	f.Add("7KX3M9PQR", "https://abri.example.org/b/7KX3M9PQR", "كيس نوم", "M", "12 قطعة", "", "ar", false)
	f.Add("8HJ4N2WR", "https://abri.example.org/b/8HJ4N2WR", "Sac de couchage", "40-42", "12 pièces", "note", "fr", true)
	f.Add("X", "u", "መደቀሲ\u202e\u0000\xff", "\u200f", "\n\n\n", strings.Repeat("w ", 500), "", false)
	f.Add("٣٤٥", "https://abri.example.org/b/٣٤٥", "\u0644\u0627\u0651\u064e", "🙂", "a\u0301\u0301\u0301", "\t", "xx", true)
	f.Fuzz(func(t *testing.T, code, url, product, size, count, note, lang string, thermal bool) {
		format := label.A4
		if thermal {
			format = label.Thermal62
		}
		l := label.Label{Code: code, URL: url, Product: product, Size: size, Count: count, Note: note}
		var buf bytes.Buffer
		err := label.Render(&buf, format, []label.Label{l, l}, lang)
		if err != nil {
			if e := apperr.As(err); e.Code != apperr.Invalid || buf.Len() != 0 {
				t.Fatalf("err = %v after %d bytes, want an invalid-input error before writing", err, buf.Len())
			}
			return
		}
		assertPDF(t, buf.Bytes())
	})
}

func BenchmarkRender100(b *testing.B) {
	labels := someLabels(100)
	for _, f := range label.Formats {
		b.Run(string(f), func(b *testing.B) {
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := label.Render(&buf, f, labels, "en"); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size)/100, "bytes/label")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/100, "µs/label")
		})
	}
}

// TestWriteSamples writes sample PDFs for a person to look at:
//
//	LABEL_SAMPLES=/tmp/labels go test ./internal/label -run WriteSamples
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("LABEL_SAMPLES")
	if dir == "" {
		t.Skip("set LABEL_SAMPLES to a directory to write sample PDFs")
	}
	for _, f := range label.Formats {
		for _, lang := range []string{"en", "ar"} {
			pdf := render(t, f, someLabels(len(products)), lang)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("labels-%s-%s.pdf", f, lang)), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
