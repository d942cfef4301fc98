package export_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"abri/internal/export"
)

// FuzzCell writes any text as a cell in both formats and reads it back: both
// must parse, both must hold exactly export.CleanText of the input, and no
// cell may start as a formula.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "+1", "-1", "@x", "\t=x", "\r\n", "a\"b,c\nd", "سترة",
		"\x00\x01\x0b", "\xff\xfe", "\uFFFE", "'=already", strings.Repeat("x", 40000), " leading", "trailing "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		clean := export.CleanText(s)
		if !utf8.ValidString(clean) {
			t.Fatalf("CleanText(%q) is not UTF-8", s)
		}
		if clean != "" && strings.ContainsRune("=+-@\t\r", rune(clean[0])) {
			t.Fatalf("CleanText(%q) = %q starts as a formula", s, clean)
		}
		if utf8.RuneCountInString(clean) > export.MaxCellChars {
			t.Fatalf("CleanText keeps %d characters", utf8.RuneCountInString(clean))
		}
		if export.CleanText(clean) != clean && !strings.HasPrefix(clean, "'") {
			t.Fatalf("CleanText is not stable on %q", clean)
		}

		var c bytes.Buffer
		w, err := export.NewCSV(&c, export.Table{Columns: []string{"a", "b"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(export.Text(s), export.Int(1)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, c.Bytes())
		if len(rows) != 2 || rows[1][0] != clean || rows[1][1] != "1" {
			t.Fatalf("CSV of %q read back as %q, want %q", s, rows, clean)
		}

		var x bytes.Buffer
		w, err = export.NewXLSX(&x, export.Table{Columns: []string{"a", "b"}, Sheet: s})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(export.Text(s), export.Int(1)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sh, _ := openXLSX(t, x.Bytes())
		got := cells(t, sh)
		if len(got) != 2 || got[1][0] != clean || got[1][1] != "1" {
			t.Fatalf("XLSX of %q read back as %q, want %q", s, got, clean)
		}
	})
}
