package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/shop/shoptest"
	"abri/internal/stock"
)

// The shop over the API: a rule made, what a card may take, a checkout of
// one sleeping bag, the second refused naming the rule and the day, and bad
// input refused at its field with nothing taken. The coordinator's language
// is French, so the rules' words are; errors are in English, as every API
// error is.
func TestShopAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sys := access.SystemActor(f.org.ID, f.base.ID)
		sh := shoptest.Open(t, d, sys, 3)
		code, bag := sh.Code, shoptest.Bag
		post := func(path, body string) (int, map[string]any) {
			w := call(f.h, "POST", path, f.token, strings.NewReader(body))
			var m map[string]any
			json.Unmarshal(w.Body.Bytes(), &m)
			return w.Code, m
		}
		if st, m := post("/api/v1/entitlement-rules", fmt.Sprintf(`{"product_id":%d,"quantity":1,"per":"card","period_days":14}`, bag)); st != 201 || m["text"] != "Sacs de couchage : 1 par carte tous les 14 jours" {
			t.Fatalf("rule: %d %v", st, m)
		}
		w := call(f.h, "GET", "/api/v1/cards/"+code, f.token, nil)
		var got struct {
			CardID  int64  `json:"card_id"`
			CardRef string `json:"card_ref"`
		}
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"left":1`) || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.CardRef == "" ||
			strings.Contains(got.CardRef, fmt.Sprint(got.CardID)) && len(got.CardRef) < 8 {
			t.Fatalf("card: %d %s", w.Code, w.Body)
		}
		// A card reference that is not this card's is refused at its field.
		if st, m := post("/api/v1/checkouts", fmt.Sprintf(`{"code":%q,"lines":[{"product_id":%d,"quantity":1}],"command_id":"3f1c2a9e-5b7d-4e8a-9c1f-2d6b8a4e7c11","made_at":"2026-12-07T09:30:00Z","card_ref":"bm90IGEgcmVm"}`, code, bag)); st != 400 || m["error"].(map[string]any)["field"] != "card_ref" {
			t.Fatalf("a foreign card_ref: %d %v", st, m)
		}
		one := fmt.Sprintf(`{"code":%q,"lines":[{"product_id":%d,"quantity":1}],"override":""}`, code, bag)
		if st, m := post("/api/v1/checkouts", one); st != 201 {
			t.Fatalf("checkout: %d %v", st, m)
		}
		st, m := post("/api/v1/checkouts", one)
		e, _ := m["error"].(map[string]any)
		if st != 409 || e["field"] != "lines" || !strings.Contains(fmt.Sprint(e["message"]), "Refused by the rule “Sleeping Bags: 1 per card every 14 days”. It allows this again on") {
			t.Errorf("second checkout: %d %v", st, m)
		}
		for body, field := range map[string]string{
			fmt.Sprintf(`{"code":%q,"lines":[{"product_id":%d,"quantity":-1}]}`, code, bag):                   "lines[0].quantity",
			fmt.Sprintf(`{"code":%q,"lines":[{"product_id":%d,"quantity":9}],"override":"perdu"}`, code, bag): "lines[0].quantity",
			fmt.Sprintf(`{"code":%q,"lines":[{"product_id":%d,"quantity":1}]}`, code, bag+1):                  "lines[0].product_id",
		} {
			st, m := post("/api/v1/checkouts", body)
			e, _ := m["error"].(map[string]any)
			if st != http.StatusBadRequest || e["field"] != field {
				t.Errorf("%s: %d %v", body, st, m)
			}
		}
		b, err := stock.New(d).Box(ctx, sys, sh.Box)
		if err != nil || b.Items != 2 {
			t.Errorf("the box holds %d, want 2 (%v)", b.Items, err)
		}
		// A mistyped code says so.
		bad := []byte(code)
		bad[len(bad)-1] ^= 1
		if w := call(f.h, "GET", "/api/v1/cards/"+string(bad), f.token, nil); w.Code != http.StatusBadRequest {
			t.Errorf("mistyped code: %d %s", w.Code, w.Body)
		}
	})
}
