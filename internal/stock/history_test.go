package stock_test

import (
	"slices"
	"testing"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/stock"
)

// TestHistoryPages: a box's history is read to its end one page at a time,
// oldest first or newest first, each change once; a page's cursor is no
// use for another organisation's box, and bad paging input is refused at
// its field.
func TestHistoryPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 1)
		for i := range 24 { // 25 events in all
			to := w.shelf2.ID
			if i%2 == 1 {
				to = w.shelf1.ID
			}
			_, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: int64(i + 1), LocationID: &to, Items: ptr(int64(i + 2))})
			w.must(err)
		}
		all, err := w.s.History(ctx, w.wh, b.Code, stock.HistoryQuery{Limit: 1000})
		w.must(err)
		if len(all.Entries) != 25 || all.NextCursor != "" {
			t.Fatalf("%d entries, next %q", len(all.Entries), all.NextCursor)
		}
		read := func(newest bool) []stock.HistoryEntry {
			var got []stock.HistoryEntry
			hq := stock.HistoryQuery{Limit: 7, NewestFirst: newest}
			for pages := 0; ; pages++ {
				if pages > 4 {
					t.Fatal("more pages than 25 entries make at 7 a page")
				}
				p, err := w.s.History(ctx, w.wh, b.Code, hq)
				w.must(err)
				if p.Box.Version != 25 || len(p.Entries) == 0 || len(p.Entries) > 7 {
					t.Fatalf("page %d: box version %d, %d entries", pages, p.Box.Version, len(p.Entries))
				}
				got = append(got, p.Entries...)
				if p.NextCursor == "" {
					return got
				}
				hq.Cursor = p.NextCursor
			}
		}
		same := func(a, b stock.HistoryEntry) bool {
			return a.Kind == b.Kind && a.At.Equal(b.At) && slices.Equal(a.Changes, b.Changes)
		}
		if got := read(false); !slices.EqualFunc(got, all.Entries, same) {
			t.Errorf("oldest first, by pages: %d entries, differ from the whole", len(got))
		}
		rev := slices.Clone(all.Entries)
		slices.Reverse(rev)
		if got := read(true); !slices.EqualFunc(got, rev, same) {
			t.Errorf("newest first, by pages: %d entries, differ from the whole reversed", len(got))
		}
		if got := all.Entries[24].Changes; !slices.Contains(got, stock.FieldChange{Field: "items", From: "24", To: "25"}) {
			t.Errorf("the last change: %+v", got)
		}

		p, err := w.s.History(ctx, w.wh, b.Code, stock.HistoryQuery{Limit: 10})
		w.must(err)
		// Another organisation's box with the same cursor: its own history
		// only, or not found.
		theirs, err := w.s.CreateBox(ctx, w.foreign, stock.NewBox{ProductID: w.jacket.ID, Size: "M", Items: 1, LocationID: w.foreignShelf.ID})
		w.must(err)
		fp, err := w.s.History(ctx, w.foreign, theirs.Code, stock.HistoryQuery{Cursor: p.NextCursor})
		if err != nil || len(fp.Entries) != 0 {
			t.Errorf("their box after our cursor: %d entries, %v", len(fp.Entries), err)
		}
		_, err = w.s.History(ctx, w.foreign, b.Code, stock.HistoryQuery{Cursor: p.NextCursor})
		wantCode(t, err, apperr.NotFound)

		for _, bad := range []stock.HistoryQuery{{Cursor: "!"}, {Cursor: "-5"}, {Limit: -1}, {Limit: stock.MaxLimit + 1}} {
			_, err := w.s.History(ctx, w.wh, b.Code, bad)
			wantCode(t, err, apperr.Invalid)
			if f := apperr.As(err).Field; f != "cursor" && f != "limit" {
				t.Errorf("%+v refused at %q", bad, f)
			}
		}
	})
}
