package people_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"abri/internal/checkcode"
	"abri/internal/people"
)

// A printed card, scanned, gives its code and nothing else (no address), in
// English and in Arabic; the page is a bank card's size.
func TestCardPDFScansToItsCode(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	for _, lang := range []string{"en", "ar"} {
		code := checkcode.New(people.CodeLen - 1)
		var b bytes.Buffer
		if err := people.CardPDF(&b, people.FormatCode(code), people.Card{HouseholdSize: 3}, lang); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		pdf := filepath.Join(dir, "card.pdf")
		if err := os.WriteFile(pdf, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := exec.Command("pdfinfo", pdf).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(info), "242.65 x 153.07 pts") || !strings.Contains(string(info), "Pages:           1") {
			t.Errorf("%s: page is not 85.6 × 54 mm: %s", lang, info)
		}
		if out, err := exec.Command("pdftoppm", "-r", "300", "-png", pdf, filepath.Join(dir, "card")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		pngs, _ := filepath.Glob(filepath.Join(dir, "card*.png"))
		if len(pngs) != 1 {
			t.Fatalf("%d pages", len(pngs))
		}
		out, _ := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pngs[0]).Output()
		if got := strings.TrimSpace(string(out)); got != code {
			t.Errorf("%s: the QR reads %q, want %q", lang, got, code)
		}
	}
	if err := people.CardPDF(&bytes.Buffer{}, "NOT-A-CODE", people.Card{}, "en"); err == nil {
		t.Error("a PDF for a code that is no card code")
	}
}
