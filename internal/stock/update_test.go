package stock_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/stock"
)

func TestUpdateBox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		w.clk.Advance(time.Hour)
		got, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: 1, Items: ptr(int64(10)), Size: ptr("L"),
			ExpiresOn: ptr("2030-01-31"), Comment: ptr("two zips broken"), Tags: &[]string{"Winter", "repair"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Items != 10 || got.Size != "L" || got.ExpiresOn != "2030-01-31" || got.Comment != "two zips broken" ||
			!slices.Equal(got.Tags, []string{"repair", "winter"}) || got.Version != 2 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) ||
			!got.CreatedAt.Equal(t0) {
			t.Errorf("updated box = %+v", got)
		}
		es, err := ledger.History(ctx, d, w.wh.OrgID, "box", b.ID, 0)
		w.must(err)
		if len(es) != 2 || es[1].Kind != "box.updated" {
			t.Fatalf("events = %+v", es)
		}
		var p map[string]json.RawMessage
		w.must(json.Unmarshal(es[1].Payload, &p))
		if string(p["items"]) != `{"from":12,"to":10}` || string(p["size"]) != `{"from":"M","to":"L"}` ||
			string(p["comment_changed"]) != "true" || strings.Contains(string(es[1].Payload), "zips") {
			t.Errorf("payload = %s", es[1].Payload)
		}

		// Saving what is already there changes nothing and writes nothing.
		before := w.snap()
		same, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: 2, Items: ptr(int64(10)), Tags: &[]string{"repair", "WINTER"}})
		if err != nil || same.Version != 2 {
			t.Errorf("no-op update = %+v, %v", same, err)
		}
		w.unchanged(before, "a no-op update")

		// Measured goods change their quantity in any unit of their kind.
		s, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.soap.ID, Quantity: 5, Items: 1, LocationID: w.shelf1.ID})
		w.must(err)
		s, err = w.s.UpdateBox(ctx, w.wh, s.Code, stock.Change{Version: 1, Quantity: ptr(2500.0), Unit: "g"})
		if err != nil || s.MeasureMil != 2500 {
			t.Errorf("soap to 2500 g: %+v, %v", s, err)
		}

		// Bad changes: refused, nothing written.
		bad := []struct {
			name string
			code string
			ch   stock.Change
			key  string
		}{
			{"negative items", b.Code, stock.Change{Items: ptr(int64(-3))}, "stock.error.items_range"},
			{"huge items", b.Code, stock.Change{Items: ptr(int64(stock.MaxItems + 1))}, "stock.error.items_range"},
			{"unknown size", b.Code, stock.Change{Size: ptr("XXXL")}, "stock.error.size_unknown"},
			{"quantity for counted goods", b.Code, stock.Change{Quantity: ptr(3.0)}, "stock.error.quantity_for_counted"},
			{"size for measured goods", s.Code, stock.Change{Size: ptr("M")}, "stock.error.size_for_measured"},
			{"no quantity", s.Code, stock.Change{Quantity: ptr(0.0)}, "stock.error.quantity_required"},
			{"wrong unit", s.Code, stock.Change{Quantity: ptr(2.0), Unit: "l"}, "stock.error.unit_unknown"},
			{"another base's location", b.Code, stock.Change{LocationID: &w.base2Shelf.ID}, "stock.error.location_unknown"},
			{"another organisation's location", b.Code, stock.Change{LocationID: &w.foreignShelf.ID}, "stock.error.location_unknown"},
			{"archived location", b.Code, stock.Change{LocationID: &w.archived.ID}, "stock.error.location_unknown"},
			{"unknown state", b.Code, stock.Change{State: ptr(stock.State("stolen"))}, "stock.error.state_named"},
			{"forbidden state change", b.Code, stock.Change{State: ptr(stock.Received)}, "stock.error.state_move"},
			{"bad date", b.Code, stock.Change{ExpiresOn: ptr("2030-13-01")}, "stock.error.date_invalid"},
			{"long comment", b.Code, stock.Change{Comment: ptr(strings.Repeat("x", stock.MaxComment+1))}, "stock.error.comment_long"},
			{"too many tags", b.Code, stock.Change{Tags: &[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}}, "stock.error.tags_many"},
			{"good items, bad location", b.Code, stock.Change{Items: ptr(int64(1)), LocationID: &w.base2Shelf.ID}, "stock.error.location_unknown"},
		}
		for _, c := range bad {
			cur, err := w.s.Box(ctx, w.wh, c.code)
			w.must(err)
			c.ch.Version = cur.Version
			before := w.snap()
			_, err = w.s.UpdateBox(ctx, w.wh, c.code, c.ch)
			if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || e.Key != c.key {
				t.Errorf("%s: %v, want %s", c.name, err, c.key)
			}
			w.unchanged(before, c.name)
		}
		_, err = w.s.UpdateBox(ctx, w.wh, "nonsense", stock.Change{Version: 1})
		wantKey(t, err, apperr.Invalid, "stock.error.code_invalid")
		_, err = w.s.UpdateBox(ctx, w.wh, stock.NewCode(), stock.Change{Version: 1})
		wantKey(t, err, apperr.NotFound, "stock.error.box_unknown")
	})
}

// TestStaleUpdate: two volunteers edit one box; the second save is refused
// with the box as it now is, and nothing of the first is lost.
func TestStaleUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		first, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: b.Version, Items: ptr(int64(9))})
		w.must(err)
		before := w.snap()
		_, err = w.s.UpdateBox(ctx, w.coord, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf2.ID, Items: ptr(int64(15))})
		wantKey(t, err, apperr.Conflict, "stock.error.stale")
		var stale *stock.StaleError
		if !errors.As(err, &stale) {
			t.Fatalf("conflict without the current box: %v", err)
		}
		if stale.Seen != 1 || stale.Current.Version != 2 || stale.Current.Items != 9 || stale.Current.LocationID != w.shelf1.ID {
			t.Errorf("stale = seen %d, current %+v", stale.Seen, stale.Current)
		}
		w.unchanged(before, "a stale save")
		// Seeing the current box, the second volunteer saves again.
		got, err := w.s.UpdateBox(ctx, w.coord, b.Code, stock.Change{Version: stale.Current.Version, LocationID: &w.shelf2.ID})
		if err != nil || got.Items != first.Items || got.LocationID != w.shelf2.ID || got.Version != 3 {
			t.Errorf("second save = %+v, %v", got, err)
		}
		if ev := w.events(b); !slices.Equal(ev, []string{"box.created", "box.updated", "box.moved"}) {
			t.Errorf("events = %v", ev)
		}
	})
}

// TestConcurrentUpdates: eight people save one box at once, all having seen
// version 1: exactly one save wins, the others are told it changed.
func TestConcurrentUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		other := w.jackets("L", 3)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				// Every save moves the box: those that wait for the winner
				// must still find it, at its new place, and be told it
				// changed.
				ch := stock.Change{Version: 1, LocationID: &w.shelf2.ID, Items: ptr(int64(100 + i))}
				_, errs[i] = w.s.UpdateBox(ctx, w.wh, b.Code, ch)
			}(i)
		}
		// Meanwhile another box moves: it is not held up or refused.
		var otherErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, otherErr = w.s.UpdateBox(ctx, w.dist, other.Code, stock.Change{Version: 1, LocationID: &w.shelf2.ID})
		}()
		close(start)
		wg.Wait()
		if otherErr != nil {
			t.Errorf("the other box: %v", otherErr)
		}
		wins := -1
		for i, err := range errs {
			var stale *stock.StaleError
			switch {
			case err == nil && wins >= 0:
				t.Errorf("saves %d and %d both won", wins, i)
			case err == nil:
				wins = i
			case !apperr.Is(err, apperr.Conflict) || !errors.As(err, &stale) || stale.Current.Version != 2:
				t.Errorf("save %d: %v", i, err)
			}
		}
		if wins < 0 {
			t.Fatal("no save won")
		}
		got, err := w.s.Box(ctx, w.wh, b.Code)
		if err != nil || got.Version != 2 || got.Items != int64(100+wins) {
			t.Errorf("box after the race = %+v, %v (winner %d)", got, err, wins)
		}
		if ev := w.events(b); len(ev) != 2 {
			t.Errorf("events = %v, want created and one change", ev)
		}
	})
}

// TestMoves: a location's default state applies when a box is moved there,
// and a handed-out box put back on a shelf is in stock again.
func TestMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		move := func(b stock.Box, to int64, want stock.State) stock.Box {
			t.Helper()
			got, err := w.s.UpdateBox(ctx, w.dist, b.Code, stock.Change{Version: b.Version, LocationID: &to})
			if err != nil || got.LocationID != to || got.State != want {
				t.Fatalf("move to %d: %+v, %v; want state %s", to, got, err, want)
			}
			return got
		}
		b = move(b, w.handout.ID, stock.HandedOut)
		b = move(b, w.shelf2.ID, stock.InStock)
		b = move(b, w.bin.ID, stock.Scrap)
		b = move(b, w.shelf1.ID, stock.InStock)
		if ev := w.events(b); !slices.Equal(ev, []string{"box.created", "box.moved", "box.moved", "box.moved", "box.moved"}) {
			t.Errorf("events = %v", ev)
		}
		// A reserved box stays reserved on a shelf, and is handed out at a
		// distribution point.
		res, err := w.s.SetState(ctx, w.wh, []string{b.Code}, stock.Reserved)
		if err != nil || res.Changed() != 1 {
			t.Fatalf("reserve: %+v %v", res, err)
		}
		b = outcome(res, b.Code).Box
		if b.State != stock.Reserved {
			t.Fatalf("reserved box = %+v", b)
		}
		b = move(b, w.shelf2.ID, stock.Reserved)
		b = move(b, w.handout.ID, stock.HandedOut)
		// A state given with the move wins over the location's.
		got, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf1.ID, State: ptr(stock.Reserved)})
		wantKey(t, err, apperr.Invalid, "stock.error.state_move") // handed out → reserved is not a move
		got, err = w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf1.ID, State: ptr(stock.HandedOut)})
		if err != nil || got.State != stock.HandedOut || got.LocationID != w.shelf1.ID {
			t.Errorf("move keeping the state: %+v, %v", got, err)
		}
		b = got

		// Forbidden state changes change nothing.
		before := w.snap()
		res, err = w.s.SetState(ctx, w.wh, []string{b.Code}, stock.Lost)
		if err != nil || res.Changed() != 0 || apperr.As(outcome(res, b.Code).Err).Key != "stock.error.state_move" {
			t.Errorf("handed out → lost: %+v, %v", res, err)
		}
		_, err = w.s.SetState(ctx, w.wh, []string{b.Code}, "stolen")
		wantKey(t, err, apperr.Invalid, "stock.error.state_named")
		w.unchanged(before, "forbidden state changes")

		// A box in transit cannot be moved until it arrives.
		tr := w.jackets("S", 2)
		res, err = w.s.SetState(ctx, w.wh, []string{tr.Code}, stock.InTransit)
		w.must(err)
		tr = outcome(res, tr.Code).Box
		before = w.snap()
		_, err = w.s.UpdateBox(ctx, w.wh, tr.Code, stock.Change{Version: tr.Version, LocationID: &w.shelf2.ID})
		wantKey(t, err, apperr.Invalid, "stock.error.not_movable")
		w.unchanged(before, "moving a box in transit")
		res, err = w.s.SetState(ctx, w.wh, []string{tr.Code}, stock.Received)
		w.must(err)
		tr = outcome(res, tr.Code).Box
		if tr.State != stock.Received {
			t.Fatalf("received = %+v", tr)
		}
		tr = move(tr, w.shelf2.ID, stock.Received)
	})
}

// TestBulk: one scan session of good, mistyped, foreign and in-transit codes
// moves the good ones and says why each other one did not move.
func TestBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, b := w.jackets("M", 1), w.jackets("L", 2)
		already := w.jackets("S", 3)
		already, err := w.s.UpdateBox(ctx, w.wh, already.Code, stock.Change{Version: 1, LocationID: &w.shelf2.ID})
		w.must(err)
		tr := w.jackets("XL", 4)
		_, err = w.s.SetState(ctx, w.wh, []string{tr.Code}, stock.InTransit)
		w.must(err)
		foreign, err := w.s.CreateBox(ctx, w.foreign, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.foreignShelf.ID})
		w.must(err)
		mistyped := a.Code[:8] + string(alphabet[(strings.IndexByte(alphabet, a.Code[8])+1)%32])
		unknown := stock.NewCode()

		before := w.snap()
		res, err := w.s.MoveBoxes(ctx, w.dist, []string{a.Code, strings.ToLower(stock.FormatCode(b.Code)), mistyped, foreign.Code,
			tr.Code, "hello", unknown, already.Code, a.Code}, w.shelf2.ID)
		if err != nil {
			t.Fatal(err)
		}
		// One outcome per code, in the order given; a code given twice is
		// reported once, where it was first given.
		want := []struct{ input, code, key string }{
			{a.Code, a.Code, ""},
			{strings.ToLower(stock.FormatCode(b.Code)), b.Code, ""},
			{mistyped, "", "stock.error.code_mistyped"},
			{foreign.Code, foreign.Code, "stock.error.box_unknown"},
			{tr.Code, tr.Code, "stock.error.not_movable"},
			{"hello", "", "stock.error.code_invalid"},
			{unknown, unknown, "stock.error.box_unknown"},
			{already.Code, already.Code, ""},
		}
		if len(res.Outcomes) != len(want) || res.Changed() != 3 || res.Failed() != 5 {
			t.Fatalf("outcomes = %+v", res.Outcomes)
		}
		for i, x := range want {
			o := res.Outcomes[i]
			if o.Input != x.input || o.Code != x.code || apperr.As(o.Err).Key != x.key && x.key != "" || (o.Err == nil) != (x.key == "") {
				t.Errorf("outcome %d = %+v, want %+v", i, o, x)
			}
			if x.key == "" && o.Box.LocationID != w.shelf2.ID {
				t.Errorf("box %s after the move = %+v", o.Code, o.Box)
			}
			if x.key != "" && o.Box.ID != 0 {
				t.Errorf("a failed code carries a box: %+v", o)
			}
		}
		after := w.snap()
		if after["ledger"] != before["ledger"]+2 || after["box versions"] != before["box versions"]+2 || after["boxes"] != before["boxes"] {
			t.Errorf("the bulk move wrote %d events and %d versions, want 2 and 2",
				after["ledger"]-before["ledger"], after["box versions"]-before["box versions"])
		}
		if f, err := w.s.Box(ctx, w.foreign, foreign.Code); err != nil || f.LocationID != w.foreignShelf.ID || f.Version != 1 {
			t.Errorf("the foreign box = %+v, %v", f, err)
		}

		for _, n := range []int{0, 501} {
			_, err := w.s.MoveBoxes(ctx, w.wh, make([]string, n), w.shelf1.ID)
			wantKey(t, err, apperr.Invalid, "stock.error.batch_size")
		}
		// A move to another base's location, or an archived one, is refused
		// as a whole: nothing moves.
		before = w.snap()
		_, err = w.s.MoveBoxes(ctx, w.wh, []string{a.Code, b.Code}, w.base2Shelf.ID)
		wantKey(t, err, apperr.Invalid, "stock.error.location_unknown")
		if apperr.FieldOf(err) != "location" {
			t.Errorf("the refusal names %q", apperr.FieldOf(err))
		}
		w.unchanged(before, "a move to another base")

		// Tags in bulk, on and off, in one transaction.
		before = w.snap()
		res, err = w.s.TagBoxes(ctx, w.wh, []string{a.Code, b.Code, mistyped}, " Winter ", false)
		if after := w.snap(); after["ledger"] != before["ledger"]+2 {
			t.Errorf("tagging two boxes wrote %d events", after["ledger"]-before["ledger"])
		}
		if err != nil || res.Changed() != 2 || !slices.Equal(outcome(res, a.Code).Box.Tags, []string{"winter"}) || outcome(res, mistyped).Err == nil {
			t.Errorf("tag: %+v, %v", res, err)
		}
		p, err := w.s.List(ctx, w.viewer, stock.Filter{Tag: "WINTER"})
		if err != nil || len(p.Boxes) != 2 {
			t.Errorf("tagged boxes: %d, %v", len(p.Boxes), err)
		}
		res, err = w.s.TagBoxes(ctx, w.wh, []string{a.Code}, "winter", true)
		if err != nil || res.Changed() != 1 || len(outcome(res, a.Code).Box.Tags) != 0 {
			t.Errorf("untag: %+v, %v", res, err)
		}
		_, err = w.s.TagBoxes(ctx, w.wh, []string{a.Code}, "  ", false)
		wantKey(t, err, apperr.Invalid, "stock.error.tag_required")
		_, err = w.s.TagBoxes(ctx, w.wh, make([]string, 501), "x", false)
		wantKey(t, err, apperr.Invalid, "stock.error.batch_size")
	})
}

// TestConcurrentBulkMoves: two volunteers scan boxes of the same products in
// opposite orders at the same time. Each move only waits for the boxes it
// moves, and takes their locks in one order, so none is refused or
// deadlocked.
func TestConcurrentBulkMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tent := func() stock.Box {
			b, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.shelf1.ID})
			w.must(err)
			return b
		}
		j1, t1, j2, t2 := w.jackets("M", 1), tent(), w.jackets("L", 1), tent()
		a, b := w.jackets("S", 1), tent()
		const rounds = 15
		var wg sync.WaitGroup
		errs := make(chan error, 4*rounds)
		run := func(codes []string) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				to := w.shelf1.ID
				if i%2 == 0 {
					to = w.shelf2.ID
				}
				res, err := w.s.MoveBoxes(ctx, w.dist, codes, to)
				if err == nil && res.Changed() != len(codes) {
					err = fmt.Errorf("not all moved: %v", res.Outcomes)
				}
				if err != nil {
					errs <- err
				}
			}
		}
		wg.Add(4)
		go run([]string{j1.Code, t1.Code})
		go run([]string{t2.Code, j2.Code})
		// The same two boxes, scanned in opposite orders.
		go run([]string{a.Code, b.Code})
		go run([]string{b.Code, a.Code})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("bulk move: %v", err)
		}
	})
}

// outcome is the bulk outcome of a code, or a zero one with an error.
func outcome(res stock.BulkResult, code string) stock.Outcome {
	if o, ok := res.Of(code); ok {
		return o
	}
	return stock.Outcome{Input: code, Err: errors.New("no outcome for " + code)}
}

// A change says which permission it needs: moving and changing state are
// the distribution team's too, anything else the warehouse's.
func TestChangeNeeds(t *testing.T) {
	loc, st, n, s := int64(1), stock.Lost, int64(3), "x"
	for _, tc := range []struct {
		name string
		ch   stock.Change
		want access.Action
	}{
		{"nothing", stock.Change{}, access.MoveStock},
		{"move", stock.Change{LocationID: &loc}, access.MoveStock},
		{"move and state", stock.Change{LocationID: &loc, State: &st}, access.MoveStock},
		{"items", stock.Change{Items: &n}, access.EditStock},
		{"move and comment", stock.Change{LocationID: &loc, Comment: &s}, access.EditStock},
		{"tags", stock.Change{Tags: &[]string{"a"}}, access.EditStock},
		{"expiry", stock.Change{ExpiresOn: &s}, access.EditStock},
		{"size", stock.Change{Size: &s}, access.EditStock},
	} {
		if got := tc.ch.Needs(); got != tc.want {
			t.Errorf("%s needs %s, want %s", tc.name, got, tc.want)
		}
	}
}
