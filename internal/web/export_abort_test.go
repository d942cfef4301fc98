package web_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/stock"
)

// TestExportCutShortFailsTheDownload: when reading the boxes fails half way
// through an export, the connection is cut, so the browser reports a failed
// download; it never gets a 200 with a whole-looking, truncated file. A
// failure before the first byte is an ordinary error page.
func TestExportCutShortFailsTheDownload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		// More than one page of the box iterator (stock.MaxLimit), so the
		// first page is written before the bad row is read.
		const n = stock.MaxLimit + 200
		var first int64
		for made := 0; made < n; made += 500 {
			nbs := make([]stock.NewBox, min(500, n-made))
			for i := range nbs {
				nbs[i] = stock.NewBox{ProductID: f.jacket.ID, Size: "M", Items: 3, LocationID: f.a1.ID, Comment: "fine"}
			}
			bs, err := f.stock.CreateBoxes(ctx, f.wimActor(), nbs)
			if err != nil {
				t.Fatal(err)
			}
			if first == 0 {
				first = bs[0].ID
			}
		}
		c := f.client(t)
		c.mustLogin("wim@example.org")
		fetch := func(path string) (status int, body string, readErr error) {
			t.Helper()
			res, err := c.hc.Get(f.srv.URL + path)
			if err != nil {
				return 0, "", err
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			return res.StatusCode, string(b), err
		}
		// Whole, to begin with.
		for _, p := range []string{"/stock/boxes.csv", "/stock/boxes.xlsx"} {
			if status, body, err := fetch(p); status != 200 || err != nil || len(body) < 1000 {
				t.Fatalf("%s before the failure: %d, %d bytes, %v", p, status, len(body), err)
			}
		}
		// The oldest box, exported last, becomes a row the iterator cannot
		// read.
		var corrupt []string
		if d.Dialect == db.Postgres {
			corrupt = []string{"ALTER TABLE boxes ALTER COLUMN comment DROP NOT NULL", "UPDATE boxes SET comment = NULL WHERE id = ?"}
		} else {
			corrupt = []string{"UPDATE boxes SET items = 'not a number' WHERE id = ?"}
		}
		for _, q := range corrupt {
			args := []any{}
			if strings.Contains(q, "?") {
				args = append(args, first)
			}
			if _, err := d.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{"/stock/boxes.csv", "/stock/boxes.xlsx"} {
			status, body, err := fetch(p)
			switch {
			case err != nil:
				t.Logf("%s: the download failed as it should: %v (%d bytes)", p, err, len(body))
			case status == 200:
				t.Errorf("%s: a 200 with %d bytes, though the export failed", p, len(body))
			case status >= 500 && !strings.Contains(body, "<html"):
				t.Errorf("%s: %d without an error page", p, status)
			}
			if strings.HasSuffix(p, ".csv") && err == nil {
				t.Errorf("%s: the first page went out, yet the answer ended cleanly (%d)", p, status)
			}
		}
		if !strings.Contains(f.log.String(), "export cut short") {
			t.Error("the log does not say the export was cut short")
		}
	})
}
