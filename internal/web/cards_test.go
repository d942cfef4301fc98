package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/people"
)

// The card desk over HTTP: a coordinator turns names on, issues a card with
// a name, sees its code once and prints it; finds it by code, reads the
// name (logged for the admin to see), replaces the lost card (the old code
// no longer finds it) and erases it on the person's request, with the
// coverage list. Nothing personal reaches the log.
func TestCardDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.get("/cards")
		if r.status != http.StatusOK || strings.Contains(r.body, `name="name"`) {
			t.Fatalf("desk: %d, name field shown while off: %v", r.status, strings.Contains(r.body, `name="name"`))
		}
		if r = c.post("/cards/settings", url.Values{"retention_days": {"60"}, "personal_fields": {"on"}}); r.status != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", r.status, r.body)
		}
		if r = c.get("/cards"); !strings.Contains(r.body, `name="name"`) || !strings.Contains(r.body, `value="60"`) {
			t.Fatal("settings not shown")
		}
		// Bad input: the message at the field, nothing made.
		r = c.post("/cards", url.Values{"household_size": {"2"}, "age_adult": {"3"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="card-age_child" aria-invalid="true"`) && !strings.Contains(r.body, `card-age_child-err`) {
			t.Fatalf("bad composition: %d", r.status)
		}
		r = c.post("/cards", url.Values{"household_size": {"2"}, "age_adult": {"1"}, "age_child": {"1"}, "languages": {"ar ps"},
			"name": {"Zebulon Quartzfeather"}, "phone": {"+33 7 19 28 37 46"}})
		if r.status != http.StatusCreated {
			t.Fatalf("issue: %d %s", r.status, r.body)
		}
		m := regexp.MustCompile(`id="the-code">([^<]+)<`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no code on the page: %s", r.body)
		}
		code := m[1]
		cardPath := regexp.MustCompile(`action="(/cards/\d+)/print"`).FindStringSubmatch(r.body)[1]
		if strings.Contains(r.body, "Quartzfeather") {
			t.Error("the name is shown without being asked for")
		}
		pdf := c.post(cardPath+"/print", url.Values{"code": {code}})
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Fatalf("print: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
		// The card page, once the code is gone, does not show it again.
		if r = c.get(cardPath); r.status != http.StatusOK || strings.Contains(r.body, code) {
			t.Fatalf("card page: %d, shows the code: %v", r.status, strings.Contains(r.body, code))
		}
		if r = c.post("/cards/find", url.Values{"code": {strings.ToLower(code)}}); r.status != http.StatusSeeOther || r.header.Get("Location") != cardPath {
			t.Fatalf("find: %d %s", r.status, r.header.Get("Location"))
		}
		// Another last symbol (the code is random: it may end in Z itself):
		// the check symbol no longer matches, so the desk says the code was
		// mistyped rather than that no card has it.
		wrong := "Z"
		if strings.HasSuffix(code, wrong) {
			wrong = "Y"
		}
		if r = c.post("/cards/find", url.Values{"code": {code[:len(code)-1] + wrong}}); r.status != http.StatusBadRequest ||
			!strings.Contains(r.body, "This card code was mistyped") {
			t.Fatalf("mistyped find: %d", r.status)
		}
		if r = c.post(cardPath+"/fields", nil); r.status != http.StatusOK || !strings.Contains(r.body, "Quartzfeather") {
			t.Fatalf("fields: %d", r.status)
		}
		admin := f.client(t)
		admin.mustLogin("ada@example.org")
		if r = admin.get("/cards/log"); r.status != http.StatusOK || !strings.Contains(r.body, "Cleo") {
			t.Fatalf("access log: %d %s", r.status, r.body)
		}
		if r = c.get("/cards/log"); r.status != http.StatusNotFound {
			t.Fatalf("coordinator reads the access log: %d", r.status)
		}
		// Right of access: the administrator exports what abri holds on the
		// card, once its holder shows it; the export is logged once.
		if r = c.post(cardPath+"/export", url.Values{"code": {code}, "format": {"json"}}); r.status != http.StatusNotFound {
			t.Fatalf("coordinator exports: %d", r.status)
		}
		if r = admin.post(cardPath+"/export", url.Values{"code": {"NOTACODE"}}); r.status != http.StatusBadRequest {
			t.Fatalf("export with a bad code: %d", r.status)
		}
		r = admin.post(cardPath+"/export", url.Values{"code": {code}, "format": {"json"}})
		var ex struct {
			Household int               `json:"household_size"`
			Name      string            `json:"name"`
			Checkouts []json.RawMessage `json:"checkouts"`
		}
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &ex) != nil || !strings.Contains(ex.Name, "Quartzfeather") || ex.Household < 1 || ex.Checkouts == nil {
			t.Fatalf("export as JSON: %d %s", r.status, r.body)
		}
		if r = admin.post(cardPath+"/export", url.Values{"code": {code}}); r.status != http.StatusOK || !strings.Contains(r.body, "What abri holds on this card") || !strings.Contains(r.body, "Quartzfeather") {
			t.Fatalf("export as a page: %d", r.status)
		}
		var exports int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM card_access_log WHERE what = ?", people.AccessExport).Scan(&exports); err != nil || exports != 2 {
			t.Fatalf("%d exports logged, want 2 (%v)", exports, err)
		}
		// Lost: a new code; the old one is unknown now.
		r = c.post(cardPath+"/replace", nil)
		fresh := regexp.MustCompile(`id="the-code">([^<]+)<`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || fresh == nil || fresh[1] == code {
			t.Fatalf("replace: %d", r.status)
		}
		if r = c.post("/cards/find", url.Values{"code": {code}}); r.status != http.StatusNotFound {
			t.Fatalf("old code after replacement: %d", r.status)
		}
		// Erase: refused without the confirmation, then done.
		if r = c.post(cardPath+"/erase", nil); r.status != http.StatusBadRequest {
			t.Fatalf("erase without confirming: %d", r.status)
		}
		r = c.post(cardPath+"/erase", url.Values{"confirm": {"yes"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, `data-what="fields"`) || !strings.Contains(r.body, `data-what="cards_served_week"`) {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if r = c.get(cardPath); r.status != http.StatusNotFound {
			t.Fatalf("erased card page: %d", r.status)
		}
		// Another organisation's admin finds nothing.
		other := f.client(t)
		other.mustLogin("olga@example.org")
		if r = other.post("/cards/find", url.Values{"code": {fresh[1]}}); r.status != http.StatusNotFound {
			t.Fatalf("other organisation: %d", r.status)
		}
		for _, v := range []string{"Quartzfeather", "19 28 37", code, fresh[1]} {
			if strings.Contains(f.log.String(), v) {
				t.Errorf("the log holds %q", v)
			}
		}
	})
}
