package export

import (
	"encoding/csv"
	"fmt"
	"io"
)

// utf8BOM starts a CSV file so that spreadsheet programs read it as UTF-8;
// without it Excel shows French and Arabic text as mojibake.
const utf8BOM = "\uFEFF"

type csvWriter struct {
	cw      *csv.Writer
	columns int
	record  []string
}

// NewCSV starts a CSV table (RFC 4180: comma-separated, CRLF line ends,
// UTF-8 with a byte-order mark) and writes its header row.
func NewCSV(w io.Writer, t Table) (Writer, error) {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return nil, fmt.Errorf("export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	c := &csvWriter{cw: cw, columns: len(t.Columns), record: make([]string, len(t.Columns))}
	header := make([]Cell, len(t.Columns))
	for i, h := range t.Columns {
		header[i] = Text(h)
	}
	if err := c.Row(header...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *csvWriter) Row(cells ...Cell) error {
	if err := checkRow(c.columns, cells); err != nil {
		return err
	}
	for i := range c.record {
		c.record[i] = ""
		if i < len(cells) {
			c.record[i] = cells[i].plain()
		}
	}
	// csv.Writer buffers; its buffer reaches w every 4 KiB.
	if err := c.cw.Write(c.record); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}
