package stock_test

import (
	"fmt"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/stock"
)

// abri verify replays the box events and names each row changed behind
// the ledger's back, with the last event that touched it.
func TestVerifyNamesRowsChangedByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		moved, err := w.s.MoveBoxes(ctx, w.wh, []string{b.Code}, w.shelf2.ID)
		w.must(err)
		if moved.Changed() != 1 {
			t.Fatalf("move: %+v", moved)
		}
		other := w.jackets("L", 3)
		_, err = w.s.UpdateBox(ctx, w.coord, other.Code, stock.Change{Version: 1, Tags: &[]string{"winter"}, Comment: ptr("a note")})
		w.must(err)
		rep := verifyRep(t, d)
		if !rep.OK() {
			t.Fatalf("an untouched warehouse: %+v", rep)
		}
		hist, err := ledger.History(ctx, d, w.wh.OrgID, "box", b.ID, 0)
		w.must(err)
		last := hist[len(hist)-1]

		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// One column of one box.
		exec("UPDATE boxes SET items = 9999 WHERE id = ?", b.ID)
		rep = verifyRep(t, d)
		box := fmt.Sprintf("boxes box %d (%s) items", b.ID, stock.FormatCode(b.Code))
		wantDiff(t, rep, box, "the ledger says 12, the database holds 9999", fmt.Sprintf("last event %d (box.moved)", last.Seq))
		exec("UPDATE boxes SET items = 12 WHERE id = ?", b.ID)

		// The stock totals, which the overview shows.
		exec("UPDATE stock_totals SET items = items + 5 WHERE org_id = ? AND location_id = ? AND product_id = ?", w.wh.OrgID, w.shelf2.ID, w.jacket.ID)
		rep = verifyRep(t, d)
		wantDiff(t, rep, fmt.Sprintf("stock_totals base %d product %d size \"M\" location %d state in_stock", w.wh.BaseID, w.jacket.ID, w.shelf2.ID),
			"the ledger says 1 boxes, 12 items, measure 0, the database holds 1 boxes, 17 items, measure 0", fmt.Sprintf("last event %d (box.moved)", last.Seq))
		exec("UPDATE stock_totals SET items = items - 5 WHERE org_id = ? AND location_id = ? AND product_id = ?", w.wh.OrgID, w.shelf2.ID, w.jacket.ID)

		// Every other column the events determine, one at a time.
		for col, val := range map[string]any{"location_id": w.shelf1.ID, "state": "lost", "size": "XL", "version": 7,
			"expires_on": "2031-01-01", "product_id": w.tent.ID, "code": "ZZZZZZZZ", "created_by": w.coord.UserID, "updated_at": 5,
			"comment": "slipped in", "base_id": w.base2.BaseID} {
			var before any
			w.must(d.QueryRow(ctx, "SELECT "+col+" FROM boxes WHERE id = ?", b.ID).Scan(&before))
			exec("UPDATE boxes SET "+col+" = ? WHERE id = ?", val, b.ID)
			rep = verifyRep(t, d)
			if rep.OK() || !strings.Contains(fmt.Sprint(rep.Differences), fmt.Sprintf("box %d (", b.ID)) {
				t.Errorf("boxes.%s changed by hand: verify says %+v", col, rep.Differences)
			}
			exec("UPDATE boxes SET "+col+" = ? WHERE id = ?", before, b.ID)
		}
		// A tag added by hand, a box deleted, a box added.
		var tag int64
		w.must(d.QueryRow(ctx, "SELECT MIN(tag_id) FROM box_tags WHERE box_id = ?", other.ID).Scan(&tag))
		exec("INSERT INTO box_tags (box_id, tag_id) VALUES (?, ?)", b.ID, tag)
		wantDiff(t, verifyRep(t, d), fmt.Sprintf("box %d (%s) tags", b.ID, stock.FormatCode(b.Code)), fmt.Sprintf("the ledger says [], the database holds [%d]", tag), "")
		exec("DELETE FROM box_tags WHERE box_id = ?", b.ID)
		if rep := verifyRep(t, d); !rep.OK() {
			t.Fatalf("after putting everything back: %v", rep.Differences)
		}
		exec("CREATE TABLE saved_box AS SELECT * FROM boxes WHERE id = ?", other.ID)
		exec("CREATE TABLE saved_tags AS SELECT * FROM box_tags WHERE box_id = ?", other.ID)
		exec("DELETE FROM box_tags WHERE box_id = ?", other.ID)
		exec("DELETE FROM boxes WHERE id = ?", other.ID)
		wantDiff(t, verifyRep(t, d), fmt.Sprintf("box %d (%s)", other.ID, stock.FormatCode(other.Code)), "the ledger says a box, the database holds no such box", "(box.updated)")
		exec("INSERT INTO boxes SELECT * FROM saved_box")
		exec("INSERT INTO box_tags SELECT * FROM saved_tags")
		exec(`INSERT INTO boxes (id, org_id, base_id, code, product_id, size, items, location_id, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'M', 12, ?, 'in_stock', ?, 1, 1)`, other.ID+100, w.wh.OrgID, w.wh.BaseID, "YYYYYYYY", w.jacket.ID, w.shelf1.ID, w.wh.UserID)
		wantDiff(t, verifyRep(t, d), fmt.Sprintf("box %d (", other.ID+100), "the ledger says no such box", "no event touched it")
		exec("DELETE FROM boxes WHERE id = ?", other.ID+100)
		if rep := verifyRep(t, d); !rep.OK() {
			t.Fatalf("after putting everything back: %v", rep.Differences)
		}
	})
}

func verifyRep(t *testing.T, d *db.DB) ledger.Report {
	t.Helper()
	rep, err := ledger.Verify(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantDiff checks that one difference names row and says both parts.
func wantDiff(t *testing.T, rep ledger.Report, row string, says ...string) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("verify passed; want a difference for %s", row)
	}
	for _, d := range rep.Differences {
		s := d.String()
		ok := strings.Contains(s, row)
		for _, w := range says {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return
		}
	}
	t.Fatalf("no difference names %s with %q: %v", row, says, rep.Differences)
}
