package export

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a worksheet.
const (
	MaxRows    = 1 << 20 // rows of a sheet, the header included
	MaxColumns = 1 << 14
)

// ErrTooManyRows is returned by an XLSX writer asked for more rows than a
// worksheet holds.
var ErrTooManyRows = errors.New("export xlsx: more rows than a worksheet holds")

// The fixed parts of a minimal workbook: one worksheet, inline strings (no
// shared-string table, so nothing has to be held until the end), and a
// style sheet whose second cell format is bold, for the header.
const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

	contentTypesXML = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`

	rootRelsXML = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`

	workbookRelsXML = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`

	workbookXML = xmlHeader + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<bookViews><workbookView/></bookViews>` +
		`<sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>`

	stylesXML = xmlHeader + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`

	sheetStart = xmlHeader + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sheetEnd   = `</sheetData></worksheet>`
)

type xlsxWriter struct {
	zw      *zip.Writer
	sheet   *bufio.Writer
	columns int
	refs    []string // column letters, "A", "B", …
	rows    int
	err     error // the first write error; every later call returns it
	num     []byte
}

// NewXLSX starts an XLSX workbook of one worksheet and writes its header
// row, in bold and frozen at the top.
func NewXLSX(w io.Writer, t Table) (Writer, error) {
	if len(t.Columns) > MaxColumns {
		return nil, fmt.Errorf("export xlsx: %d columns, a worksheet holds %d", len(t.Columns), MaxColumns)
	}
	zw := zip.NewWriter(w)
	// The fastest level still shrinks a box list about tenfold.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypesXML},
		{"_rels/.rels", rootRelsXML},
		{"xl/workbook.xml", fmt.Sprintf(workbookXML, escapeAttr(sheetName(t.Sheet)))},
		{"xl/_rels/workbook.xml.rels", workbookRelsXML},
		{"xl/styles.xml", stylesXML},
	}
	for _, p := range parts {
		f, err := zw.Create(p.name)
		if err == nil {
			_, err = io.WriteString(f, p.body)
		}
		if err != nil {
			return nil, fmt.Errorf("export xlsx: %s: %w", p.name, err)
		}
	}
	f, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, fmt.Errorf("export xlsx: sheet: %w", err)
	}
	x := &xlsxWriter{zw: zw, sheet: bufio.NewWriterSize(f, 32<<10), columns: len(t.Columns), num: make([]byte, 0, 32)}
	for i := range t.Columns {
		x.refs = append(x.refs, columnName(i))
	}
	x.sheet.WriteString(sheetStart)
	x.sheet.WriteString(`<sheetViews><sheetView workbookViewId="0"`)
	if t.RightToLeft {
		x.sheet.WriteString(` rightToLeft="1"`)
	}
	x.sheet.WriteString(`><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	if len(t.Columns) > 0 {
		x.sheet.WriteString(`<cols>`)
		for i, h := range t.Columns {
			// Wide enough for the header, within reason: no measuring of
			// rows, which are not known yet.
			width := min(max(utf8.RuneCountInString(h)+4, 10), 50)
			fmt.Fprintf(x.sheet, `<col min="%d" max="%d" width="%d" customWidth="1"/>`, i+1, i+1, width)
		}
		x.sheet.WriteString(`</cols>`)
	}
	x.sheet.WriteString(`<sheetData>`)
	header := make([]Cell, len(t.Columns))
	for i, h := range t.Columns {
		header[i] = Text(h)
	}
	if err := x.row(header, true); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) Row(cells ...Cell) error { return x.row(cells, false) }

func (x *xlsxWriter) row(cells []Cell, header bool) error {
	if x.err != nil {
		return x.err
	}
	if err := checkRow(x.columns, cells); err != nil {
		return err
	}
	if x.rows >= MaxRows {
		return ErrTooManyRows
	}
	x.rows++
	r := strconv.Itoa(x.rows)
	s := x.sheet
	s.WriteString(`<row r="`)
	s.WriteString(r)
	s.WriteString(`">`)
	for i, c := range cells {
		if c.kind == cellEmpty {
			continue
		}
		s.WriteString(`<c r="`)
		s.WriteString(x.refs[i])
		s.WriteString(r)
		if header {
			s.WriteString(`" s="1`)
		}
		switch c.kind {
		case cellText:
			s.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
			xml.EscapeText(s, []byte(CleanText(c.text)))
			s.WriteString(`</t></is></c>`)
		case cellInt:
			s.WriteString(`"><v>`)
			s.Write(strconv.AppendInt(x.num[:0], c.int, 10))
			s.WriteString(`</v></c>`)
		case cellFloat:
			s.WriteString(`"><v>`)
			s.Write(strconv.AppendFloat(x.num[:0], c.num, 'g', -1, 64))
			s.WriteString(`</v></c>`)
		}
	}
	_, err := s.WriteString(`</row>`)
	if err != nil {
		x.err = fmt.Errorf("export xlsx: %w", err)
	}
	return x.err
}

func (x *xlsxWriter) Close() error {
	if x.err != nil {
		return x.err
	}
	x.sheet.WriteString(sheetEnd)
	if err := x.sheet.Flush(); err != nil {
		x.err = fmt.Errorf("export xlsx: %w", err)
		return x.err
	}
	if err := x.zw.Close(); err != nil {
		x.err = fmt.Errorf("export xlsx: %w", err)
		return x.err
	}
	x.err = errors.New("export xlsx: already closed")
	return nil
}

// columnName is the letter name of the i-th column (0 → A, 26 → AA).
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// sheetName makes a valid worksheet name: not empty, at most 31
// characters, none of : \ / ? * [ ], not starting or ending with '.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || notXMLChar(r) || r < 0x20 {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(strings.TrimSpace(s), "_"))
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	s = strings.Trim(s, "'")
	if s == "" {
		return "Sheet1"
	}
	return s
}

func escapeAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
