package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"abri/internal/export"
)

// sample is a table with the text that breaks naive writers: separators,
// quotes, line breaks, Arabic, leading spaces, would-be formulas, numbers.
var sampleColumns = []string{"Code", "Name", "Count", "Weight"}

var sampleRows = [][]export.Cell{
	{export.Text("7KX3M9PQC"), export.Text("Jackets, men's \"winter\""), export.Int(12), export.Number(2.5)},
	{export.Text("ABCDEFGHJ"), export.Text("سترة شتوية"), export.Int(0), export.Empty()},
	{export.Text("=HYPERLINK(\"http://x\")"), export.Text("+33 6 12"), export.Int(-3), export.Number(-0.25)},
	{export.Text("@SUM(A1)"), export.Text("-1+1"), export.Int(1 << 40), export.Number(1e-7)},
	{export.Text("two\r\nlines"), export.Text("\tTab first"), export.Empty(), export.Number(1234567.125)},
	{export.Text("  spaced  "), export.Text("x\x00y\x1b"), export.Int(5)}, // a short row
}

// want is what a spreadsheet shows for sampleRows.
var want = [][]string{
	sampleColumns,
	{"7KX3M9PQC", "Jackets, men's \"winter\"", "12", "2.5"},
	{"ABCDEFGHJ", "سترة شتوية", "0", ""},
	{"'=HYPERLINK(\"http://x\")", "'+33 6 12", "-3", "-0.25"},
	{"'@SUM(A1)", "'-1+1", "1099511627776", "0.0000001"},
	{"two\nlines", "'\tTab first", "", "1234567.125"},
	{"  spaced  ", "x\uFFFDy\uFFFD", "5", ""},
}

func writeSample(t *testing.T, f export.Format, table export.Table) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := export.New(&buf, f, table)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sampleRows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatalf("CSV does not start with a UTF-8 byte-order mark: %q", b[:min(len(b), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, b)
	}
	return rows
}

func TestCSVRoundTrips(t *testing.T) {
	b := writeSample(t, export.CSV, export.Table{Columns: sampleColumns})
	if got := readCSV(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("CSV read back as\n%q\nwant\n%q", got, want)
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("CSV lines should end in CRLF (RFC 4180)")
	}
}

// sheet is the part of a worksheet the tests read back.
type sheet struct {
	XMLName xml.Name `xml:"worksheet"`
	Views   []struct {
		RTL  string `xml:"rightToLeft,attr"`
		Pane struct {
			YSplit string `xml:"ySplit,attr"`
			State  string `xml:"state,attr"`
		} `xml:"pane"`
	} `xml:"sheetViews>sheetView"`
	Rows []struct {
		R     string `xml:"r,attr"`
		Cells []struct {
			R  string `xml:"r,attr"`
			T  string `xml:"t,attr"`
			S  string `xml:"s,attr"`
			V  string `xml:"v"`
			T2 struct {
				Text  string `xml:",chardata"`
				Space string `xml:"http://www.w3.org/XML/1998/namespace space,attr"`
			} `xml:"is>t"`
		} `xml:"c"`
	} `xml:"sheetData>row"`
}

// openXLSX unzips a workbook, checks that every part is well-formed XML and
// that the parts a spreadsheet needs are there, and returns the worksheet
// and the workbook's sheet name.
func openXLSX(t testing.TB, b []byte) (sheet, string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("XLSX is not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		parts[f.Name] = body
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
		"xl/styles.xml", "xl/worksheets/sheet1.xml"} {
		if _, ok := parts[name]; !ok {
			t.Fatalf("XLSX lacks %s", name)
		}
	}
	var s sheet
	if err := xml.Unmarshal(parts["xl/worksheets/sheet1.xml"], &s); err != nil {
		t.Fatal(err)
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(parts["xl/workbook.xml"], &wb); err != nil || len(wb.Sheets) != 1 {
		t.Fatalf("workbook: %v %+v", err, wb)
	}
	var styles struct {
		Fonts []struct {
			Bold *struct{} `xml:"b"`
		} `xml:"fonts>font"`
		Xfs []struct {
			FontID string `xml:"fontId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.Unmarshal(parts["xl/styles.xml"], &styles); err != nil || len(styles.Xfs) != 2 {
		t.Fatalf("styles: %v %+v", err, styles)
	}
	if f, _ := strconv.Atoi(styles.Xfs[1].FontID); f >= len(styles.Fonts) || styles.Fonts[f].Bold == nil {
		t.Error("cell style 1 (the header's) is not bold")
	}
	return s, wb.Sheets[0].Name
}

// cells turns a worksheet into rows of text, placing each cell by its
// reference and checking the references count up.
func cells(t testing.TB, s sheet) [][]string {
	t.Helper()
	var out [][]string
	for i, r := range s.Rows {
		if r.R != strconv.Itoa(i+1) {
			t.Fatalf("row %d has r=%q", i+1, r.R)
		}
		var row []string
		for _, c := range r.Cells {
			col := strings.TrimSuffix(c.R, r.R)
			n := 0
			for _, ch := range col {
				n = n*26 + int(ch-'A'+1)
			}
			for len(row) < n-1 {
				row = append(row, "")
			}
			switch c.T {
			case "inlineStr":
				if c.T2.Space != "preserve" {
					t.Errorf("cell %s: text without xml:space=preserve", c.R)
				}
				row = append(row, c.T2.Text)
			case "":
				if _, err := strconv.ParseFloat(c.V, 64); err != nil {
					t.Errorf("cell %s: number %q does not parse", c.R, c.V)
				}
				row = append(row, c.V)
			default:
				t.Errorf("cell %s: unexpected type %q", c.R, c.T)
			}
		}
		out = append(out, row)
	}
	return out
}

func TestXLSXOpens(t *testing.T) {
	b := writeSample(t, export.XLSX, export.Table{Columns: sampleColumns, Sheet: "Boxes: [winter]"})
	s, name := openXLSX(t, b)
	if name != "Boxes_ _winter_" {
		t.Errorf("sheet name %q", name)
	}
	got := cells(t, s)
	// Numbers come back as XML writes them; compare them as numbers.
	if len(got) != len(want) {
		t.Fatalf("%d rows read back, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		w := append([]string(nil), want[i]...)
		for len(got[i]) < len(w) && w[len(w)-1] == "" {
			w = w[:len(w)-1] // trailing empty cells are not written
		}
		if len(got[i]) != len(w) {
			t.Errorf("row %d: %q, want %q", i+1, got[i], w)
			continue
		}
		for j := range w {
			g, x := got[i][j], w[j]
			gf, gerr := strconv.ParseFloat(g, 64)
			xf, xerr := strconv.ParseFloat(x, 64)
			if g != x && !(gerr == nil && xerr == nil && gf == xf) {
				t.Errorf("row %d column %d: %q, want %q", i+1, j+1, g, x)
			}
		}
	}
	for _, c := range s.Rows[0].Cells {
		if c.S != "1" {
			t.Errorf("header cell %s has style %q, want the bold 1", c.R, c.S)
		}
	}
	for _, c := range s.Rows[1].Cells {
		if c.S != "" {
			t.Errorf("data cell %s has style %q", c.R, c.S)
		}
	}
	if len(s.Views) != 1 || s.Views[0].Pane.YSplit != "1" || s.Views[0].Pane.State != "frozen" || s.Views[0].RTL != "" {
		t.Errorf("sheet view %+v: want the header row frozen, left to right", s.Views)
	}

	// An independent unzip, when there is one, must find the archive sound.
	if unzip, err := exec.LookPath("unzip"); err == nil {
		p := filepath.Join(t.TempDir(), "t.xlsx")
		os.WriteFile(p, b, 0o600)
		if out, err := exec.Command(unzip, "-tq", p).CombinedOutput(); err != nil {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
	}
	libreOfficeReads(t, b, want)
}

// libreOfficeReads converts the workbook to CSV with LibreOffice, when it is
// installed, and compares.
func libreOfficeReads(t *testing.T, xlsx []byte, want [][]string) {
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		if lo, err = exec.LookPath("soffice"); err != nil {
			t.Log("LibreOffice is not installed: skipping the conversion check")
			return
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "t.xlsx")
	if err := os.WriteFile(in, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lo, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v", err)
	}
	if len(got) != len(want) || len(got[0]) != len(want[0]) {
		t.Errorf("LibreOffice read %d×%d cells, want %d×%d", len(got), len(got[0]), len(want), len(want[0]))
	}
	for i := range min(len(got), len(want)) {
		if got[i][0] != want[i][0] {
			t.Errorf("LibreOffice row %d starts %q, want %q", i+1, got[i][0], want[i][0])
		}
	}
}

func TestXLSXRightToLeftAndManyColumns(t *testing.T) {
	cols := make([]string, 30)
	row := make([]export.Cell, 30)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
		row[i] = export.Int(int64(i))
	}
	var buf bytes.Buffer
	w, err := export.NewXLSX(&buf, export.Table{Columns: cols, RightToLeft: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Row(row...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, name := openXLSX(t, buf.Bytes())
	if name != "Sheet1" {
		t.Errorf("default sheet name %q", name)
	}
	if s.Views[0].RTL != "1" {
		t.Error("sheet not right to left")
	}
	refs := []string{}
	for _, c := range s.Rows[1].Cells {
		refs = append(refs, strings.TrimSuffix(c.R, "2"))
	}
	if refs[0] != "A" || refs[25] != "Z" || refs[26] != "AA" || refs[29] != "AD" {
		t.Errorf("column references %v", refs)
	}
	if got := cells(t, s); got[1][29] != "29" {
		t.Errorf("last cell %q", got[1][29])
	}
}

func TestRowLongerThanHeaderIsRefused(t *testing.T) {
	for _, f := range export.Formats {
		w, err := export.New(io.Discard, f, export.Table{Columns: []string{"a"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(export.Text("x"), export.Text("y")); err == nil {
			t.Errorf("%s: a row of 2 cells in a table of 1 column was accepted", f)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]export.Format{"csv": export.CSV, "XLSX": export.XLSX, " xlsx ": export.XLSX} {
		if got, err := export.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "pdf", "xls", "csv;"} {
		if _, err := export.ParseFormat(in); err == nil {
			t.Errorf("ParseFormat(%q) accepted", in)
		}
	}
	if export.XLSX.ContentType() != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.HasPrefix(export.CSV.ContentType(), "text/csv") || export.CSV.Extension() != ".csv" {
		t.Error("content types or extensions are wrong")
	}
}

// countingWriter counts bytes and keeps none, like a network connection.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestStreamsInConstantMemory writes 100,000 rows and checks that the heap
// did not grow with them: rows go out as they are written.
func TestStreamsInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 rows")
	}
	for _, f := range export.Formats {
		t.Run(string(f), func(t *testing.T) {
			var before, during runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			out := &countingWriter{}
			w, err := export.New(out, f, export.Table{Columns: sampleColumns})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 100_000 {
				if err := w.Row(export.Text("7KX3M9PQC"), export.Text("Sleeping bag "+strconv.Itoa(i)), export.Int(int64(i)), export.Number(1.5)); err != nil {
					t.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&during)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			grew := int64(during.HeapAlloc) - int64(before.HeapAlloc)
			t.Logf("%s: %d bytes out, heap grew by %d bytes", f, out.n, grew)
			if out.n < 1<<20 {
				t.Errorf("only %d bytes written for 100,000 rows", out.n)
			}
			if grew > 4<<20 {
				t.Errorf("the heap grew by %d bytes while writing: rows are being held", grew)
			}
		})
	}
}

func BenchmarkExport(b *testing.B) {
	for _, f := range export.Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			out := &countingWriter{}
			w, err := export.New(out, f, export.Table{Columns: sampleColumns})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; b.Loop(); i++ {
				w.Row(export.Text("7KX3M9PQC"), export.Text("Sleeping bag"), export.Int(int64(i)), export.Number(1.5))
			}
			w.Close()
			b.SetBytes(out.n / int64(max(b.N, 1)))
		})
	}
}
