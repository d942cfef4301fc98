// Package export writes tables for spreadsheets, as CSV or XLSX: a header row
// and then rows written one at a time straight to the output, so a list of
// 100,000 boxes streams in constant memory. The XLSX is written by hand
// (archive/zip and a few XML parts), with no dependency.
//
// Every text cell is cleaned the same way in both formats: invalid UTF-8 and
// characters XML cannot hold become U+FFFD, line breaks become "\n", and a
// cell that a spreadsheet would run as a formula (it starts with = + - @, a
// tab or a carriage return) gets a leading apostrophe. Numbers are never
// changed.
package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"abri/internal/apperr"
)

// Format is a file format of an export.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Formats lists the formats, in the order a menu shows them.
var Formats = []Format{CSV, XLSX}

// ParseFormat checks a format name ("csv" or "xlsx", any case).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", apperr.New(apperr.Invalid, "export.error.format")
}

// ContentType is the media type of a file in this format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Extension is the file name extension of the format, with its dot.
func (f Format) Extension() string { return "." + string(f) }

// Table describes the table an export holds.
type Table struct {
	Columns []string // the header row
	// Sheet names the XLSX worksheet; "" means "Sheet1". Characters a
	// sheet name may not hold are replaced and it is cut to 31 characters.
	Sheet string
	// RightToLeft shows the XLSX worksheet right to left (for Arabic).
	RightToLeft bool
}

// Cell is one value of a row: text, a number, or empty (the zero Cell).
type Cell struct {
	kind cellKind
	text string
	num  float64
	int  int64
}

type cellKind uint8

const (
	cellEmpty cellKind = iota
	cellText
	cellInt
	cellFloat
)

// Text is a text cell.
func Text(s string) Cell { return Cell{kind: cellText, text: s} }

// Int is a whole-number cell.
func Int(n int64) Cell { return Cell{kind: cellInt, int: n} }

// Number is a number cell. NaN and infinities are written as empty cells,
// which is what a spreadsheet can hold.
func Number(f float64) Cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Cell{}
	}
	return Cell{kind: cellFloat, num: f}
}

// Empty is an empty cell.
func Empty() Cell { return Cell{} }

// Writer writes the rows of one table. Close must be called once every row
// is written: it finishes the file (an XLSX is not readable without it). A
// Writer is not safe for concurrent use.
type Writer interface {
	// Row writes one row. A row may have fewer cells than the table has
	// columns (the rest are empty), never more.
	Row(cells ...Cell) error
	// Close finishes the file. It does not close the underlying writer.
	Close() error
}

// New starts a table in the given format and writes its header row.
func New(w io.Writer, f Format, t Table) (Writer, error) {
	switch f {
	case CSV:
		return NewCSV(w, t)
	case XLSX:
		return NewXLSX(w, t)
	}
	return nil, apperr.New(apperr.Invalid, "export.error.format")
}

// MaxCellChars is the most characters a text cell holds (Excel's limit);
// longer text is cut.
const MaxCellChars = 32767

// CleanText is what a text cell holds once written, in either format: see
// the package comment. It is exported so tests and screens can show exactly
// what an export will contain.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if strings.IndexFunc(s, notXMLChar) >= 0 {
		s = strings.Map(func(r rune) rune {
			if notXMLChar(r) {
				return '\uFFFD'
			}
			return r
		}, s)
	}
	if utf8.RuneCountInString(s) > MaxCellChars-1 { // room for the apostrophe
		s = string([]rune(s)[:MaxCellChars-1])
	}
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		s = "'" + s
	}
	return s
}

// formulaStart are the first characters that make a spreadsheet read a cell
// as a formula (OWASP's list for CSV injection).
const formulaStart = "=+-@\t\r"

// notXMLChar tells whether XML 1.0 cannot hold r, even escaped.
func notXMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// checkRow refuses a row longer than the header.
func checkRow(columns int, cells []Cell) error {
	if len(cells) > columns {
		return fmt.Errorf("export: a row of %d cells in a table of %d columns", len(cells), columns)
	}
	return nil
}

// plain renders a cell for CSV.
func (c Cell) plain() string {
	switch c.kind {
	case cellText:
		return CleanText(c.text)
	case cellInt:
		return strconv.FormatInt(c.int, 10)
	case cellFloat:
		return strconv.FormatFloat(c.num, 'f', -1, 64)
	}
	return ""
}

// String is the cell as a CSV file writes it, for a screen that shows the
// same table as its export.
func (c Cell) String() string { return c.plain() }
