package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/stock"
)

// tagWith finds the opening tag of the element with the given id.
func tagWith(body, id string) string {
	return regexp.MustCompile(`<[a-z]+[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
}

// TestSortRowsRemovedAndUntouched: a row added and left as it came (with the
// product, size and place copied from the row above) makes no box; a row
// can be removed.
func TestSortRowsRemovedAndUntouched(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		before := f.countBoxes(t)

		// "Add another box" without JavaScript copies the product and place.
		more := c.post("/stock/sort", url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"12"}, "location.0": {id(f.a2.ID)}, "add": {"1"}})
		expectStatus(t, more, http.StatusOK)
		if tag := tagWith(more.body, "r1-product"); tag == "" {
			t.Fatal("no second row")
		}
		r := c.post("/stock/sort", url.Values{"rows": {"2"},
			"product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"12"}, "location.0": {id(f.a2.ID)},
			"product.1": {id(f.jacket.ID)}, "size.1": {"M"}, "items.1": {""}, "location.1": {id(f.a2.ID)}})
		expectStatus(t, r, http.StatusSeeOther)
		if got := f.countBoxes(t) - before; got != 1 {
			t.Errorf("two rows, one untouched, made %d boxes, want 1", got)
		}

		// Remove the first of two rows: the second becomes Box 1.
		rm := c.post("/stock/sort", url.Values{"rows": {"2"},
			"product.0": {id(f.jacket.ID)}, "items.0": {"3"}, "location.0": {id(f.a1.ID)},
			"product.1": {id(f.rice.ID)}, "quantity.1": {"4"}, "unit.1": {"kg"}, "location.1": {id(f.a1.ID)}, "remove": {"0"}})
		expectStatus(t, rm, http.StatusOK)
		if tagWith(rm.body, "r1-product") != "" || !strings.Contains(tagWith(rm.body, "r0-qty"), `value="4"`) || strings.Contains(tagWith(rm.body, "r0-items"), `value="3"`) {
			t.Errorf("after removing row 1 the form still has it, or lost row 2")
		}
		// A form of nothing but untouched rows makes nothing and says so at
		// the first row's items.
		none := c.post("/stock/sort", url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "location.0": {id(f.a1.ID)}})
		expectStatus(t, none, http.StatusBadRequest)
		if tag := tagWith(none.body, "r0-items"); !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("the untouched form's items field is not marked: %s", tag)
		}
		if f.countBoxes(t)-before != 1 {
			t.Error("an untouched form made a box")
		}
	})
}

// TestSortErrorAtItsField: a refused row shows the message beside the field
// at fault, marks it and puts the focus on it; the other rows are unmarked.
func TestSortErrorAtItsField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		before := f.countBoxes(t)
		r := c.post("/stock/sort", url.Values{"rows": {"3"},
			"product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"12"}, "location.0": {id(f.a1.ID)},
			"product.1": {id(f.jacket.ID)}, "size.1": {"M"}, "items.1": {"4"}, "location.1": {id(f.a1.ID)},
			"product.2": {id(f.jacket.ID)}, "size.2": {"M"}, "items.2": {"lots"}, "location.2": {id(f.a1.ID)}})
		expectStatus(t, r, http.StatusBadRequest)
		tag := tagWith(r.body, "r2-items")
		for _, want := range []string{`aria-invalid="true"`, `aria-describedby="r2-items-err"`, "autofocus"} {
			if !strings.Contains(tag, want) {
				t.Errorf("the refused field %s lacks %s", tag, want)
			}
		}
		msg := regexp.MustCompile(`(?s)id="r2-items".*?<p class="fielderror" id="r2-items-err">([^<]*)</p>`).FindStringSubmatch(r.body)
		if msg == nil || !strings.Contains(msg[1], "Items: give a whole number") {
			t.Errorf("no message just after the field: %v", msg)
		}
		if strings.Count(r.body, "autofocus") != 1 || strings.Count(r.body, `aria-invalid="true"`) != 1 {
			t.Error("more than one field marked")
		}
		if strings.Contains(r.body, `class="error"`) {
			t.Error("the message also stands in a banner at the top")
		}
		if f.countBoxes(t) != before {
			t.Error("a refused form made boxes")
		}
		// The domain's refusal lands at its field too: a location of
		// another base.
		r = c.post("/stock/sort", url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"2"}, "location.0": {"999999"}})
		expectStatus(t, r, http.StatusBadRequest)
		if tag := tagWith(r.body, "r0-location"); !strings.Contains(tag, "autofocus") {
			t.Errorf("an unknown location is not marked at its field: %s", tag)
		}
		// A donation without its source: at the source.
		r = c.post("/stock/sort", url.Values{"weight": {"3"}, "rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"4"}, "location.0": {id(f.a1.ID)}})
		expectStatus(t, r, http.StatusBadRequest)
		if tag := tagWith(r.body, "d-source"); !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("a donation without source is not marked at the source: %s", tag)
		}
	})
}

// TestFailedSignInFocusesPassword: after a refused sign-in the email stays
// and the focus is on the password, which the message describes.
func TestFailedSignInFocusesPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		r := c.login("ada@example.org", "wrong password!")
		if r.status == http.StatusSeeOther {
			t.Fatal("signed in with a wrong password")
		}
		tag := tagWith(r.body, "password")
		if !strings.Contains(tag, "autofocus") || !strings.Contains(tag, `aria-describedby="login-error"`) {
			t.Errorf("password after a failed sign-in: %s", tag)
		}
		if !strings.Contains(tagWith(r.body, "email"), `value="ada@example.org"`) {
			t.Error("the email was not kept")
		}
		if strings.Contains(tagWith(c.get("/login").body, "password"), "autofocus") {
			t.Error("the first visit focuses the password")
		}
	})
}

// TestBoxQuickActionsSayWhatTheyDo: nothing is preselected in the quick
// actions; a place that changes the box's state says so before the move; a
// move to where the box already is says nothing changed, and changes nothing.
func TestBoxQuickActionsSayWhatTheyDo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		if _, err := place.New(d).CreateLocation(ctx, f.sys, place.LocationInput{Name: "Scrap corner", Kind: place.LocationRoom, DefaultState: "scrap"}); err != nil {
			t.Fatal(err)
		}
		b := f.box(t, "M", 5, f.a1)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		page := c.get("/b/" + b.Code)
		expectStatus(t, page, http.StatusOK)
		for _, sel := range []string{`<select id="move-to" name="location" required>`, `<select id="state-to" name="state" required>`} {
			i := strings.Index(page.body, sel)
			if i < 0 {
				t.Fatalf("no %s", sel)
			}
			first := regexp.MustCompile(`<option[^>]*>`).FindString(page.body[i:])
			if first != `<option value="">` {
				t.Errorf("%s: the first option is %s, want a placeholder", sel, first)
			}
			if strings.Contains(page.body[i:i+strings.Index(page.body[i:], "</select>")], "selected") {
				t.Errorf("%s: an option is preselected", sel)
			}
		}
		expectBody(t, page, "Scrap corner — the box becomes Scrap", "A1 (where it is)")

		// A move to its own place: nothing changed, and it says so.
		r := c.post("/b/"+b.Code+"/move", url.Values{"version": {strconv.FormatInt(b.Version, 10)}, "location": {id(f.a1.ID)}})
		expectStatus(t, r, http.StatusSeeOther)
		after := c.get("/b/" + b.Code)
		expectBody(t, after, "Nothing changed: the box was already like that.")
		if strings.Contains(after.body, "Box moved.") {
			t.Error("a move to its own place says the box moved")
		}
		if got := f.current(t, b.Code); got.Version != b.Version {
			t.Errorf("a move to its own place changed the version %d → %d", b.Version, got.Version)
		}
		// No state chosen: refused at the field, nothing changed.
		r = c.post("/b/"+b.Code+"/state", url.Values{"version": {strconv.FormatInt(b.Version, 10)}, "state": {""}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "Choose the box’s new state.")
		// A real move says it moved.
		r = c.post("/b/"+b.Code+"/move", url.Values{"version": {strconv.FormatInt(b.Version, 10)}, "location": {id(f.a2.ID)}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, c.get("/b/"+b.Code), "Box moved.")
	})
}

// TestBulkMoveWarnsOfStateChanges: a multi-scan move to a place that makes
// boxes scrap lists the boxes whose state changes and moves nothing until
// it is confirmed.
func TestBulkMoveWarnsOfStateChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		scrap, err := place.New(d).CreateLocation(ctx, f.sys, place.LocationInput{Name: "Scrap corner", Kind: place.LocationRoom, DefaultState: "scrap"})
		if err != nil {
			t.Fatal(err)
		}
		b1, b2 := f.box(t, "M", 5, f.a1), f.box(t, "L", 3, f.a2)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		expectBody(t, c.get("/scan?mode=multi"), "Scrap corner — boxes put there become Scrap", `<option value="">Choose a place…</option>`)
		codes := b1.Code + "\n" + b2.Code
		r := c.post("/stock/bulk", url.Values{"codes": {codes}, "action": {"move"}, "location": {id(scrap.ID)}})
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "This move changes the state of 2 boxes:", stock.FormatCode(b1.Code), "In stock → Scrap", "Move them anyway",
			`name="confirm" value="`+id(scrap.ID)+`"`)
		if got := f.current(t, b1.Code); got.LocationID != f.a1.ID || got.State != stock.InStock {
			t.Error("the move was made before it was confirmed")
		}
		// Confirmed for another place does not count.
		r = c.post("/stock/bulk", url.Values{"codes": {codes}, "action": {"move"}, "location": {id(scrap.ID)}, "confirm": {id(f.van.ID)}})
		expectBody(t, r, "Move them anyway")
		r = c.post("/stock/bulk", url.Values{"codes": {codes}, "action": {"move"}, "location": {id(scrap.ID)}, "confirm": {id(scrap.ID)}})
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Changed: 2.")
		if got := f.current(t, b2.Code); got.LocationID != scrap.ID || got.State != stock.Scrap {
			t.Errorf("after the confirmed move: %+v", got)
		}
		// A move that changes no state needs no confirming.
		r = c.post("/stock/bulk", url.Values{"codes": {b1.Code}, "action": {"move"}, "location": {id(scrap.ID)}})
		expectBody(t, r, "Changed: 1.")
	})
}
