package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// An incident through the API: reported with 4 tents and 2 sleeping bags
// seized, it answers its two replacement needs, owed in full; it is listed
// by site and kind and read back; an end before the start is a 400 at
// ends_at that saves nothing.
func TestIncidentsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		f := setup(t, d)
		ps, err := catalog.Products(ctx, d, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		var tents, bags int64
		for _, p := range ps {
			switch p.Name {
			case "Tents":
				tents = p.ID
			case "Sleeping Bags":
				bags = p.ID
			}
		}
		w := call(f.h, "POST", "/api/v1/sites", f.token, strings.NewReader(`{"name":"Canal","kind":"living","note":""}`))
		if w.Code != 201 {
			t.Fatalf("create site: %d %s", w.Code, w.Body)
		}
		var site struct{ ID int64 }
		json.Unmarshal(w.Body.Bytes(), &site)
		body := func(end string) string {
			return fmt.Sprintf(`{"site_id":%d,"kind":"eviction","starts_at":"2026-12-01T07:30:00Z","ends_at":%q,
				"items":[{"product_id":%d,"seized":4},{"product_id":%d,"seized":2}],"notes":""}`, site.ID, end, tents, bags)
		}
		w = call(f.h, "POST", "/api/v1/incidents", f.token, strings.NewReader(body("2026-12-01T07:00:00Z")))
		refused := w.Body.String()
		wantError(t, w, 400, "invalid")
		if !strings.Contains(refused, `"ends_at"`) {
			t.Errorf("end before start: %s, want the field ends_at", refused)
		}
		w = call(f.h, "POST", "/api/v1/incidents", f.token, strings.NewReader(body("2026-12-01T12:30:00Z")))
		if w.Code != 201 {
			t.Fatalf("report: %d %s", w.Code, w.Body)
		}
		var in struct {
			ID    int64
			Items []struct {
				NeedID int64 `json:"need_id"`
				Owed   int64
			}
		}
		json.Unmarshal(w.Body.Bytes(), &in)
		if len(in.Items) != 2 || in.Items[0].Owed+in.Items[1].Owed != 6 || in.Items[0].NeedID == 0 {
			t.Fatalf("reported: %s", w.Body)
		}
		w = call(f.h, "GET", fmt.Sprintf("/api/v1/incidents?site_id=%d&kind=eviction&from=2026-12-01T00:00:00Z", site.ID), f.token, nil)
		var list struct{ Incidents []struct{ ID int64 } }
		json.Unmarshal(w.Body.Bytes(), &list)
		if w.Code != 200 || len(list.Incidents) != 1 || list.Incidents[0].ID != in.ID {
			t.Fatalf("list: %d %s", w.Code, w.Body)
		}
		w = call(f.h, "GET", fmt.Sprintf("/api/v1/incidents/%d", in.ID), f.token, nil)
		if w.Code != 200 {
			t.Fatalf("get: %d %s", w.Code, w.Body)
		}
		w = call(f.h, "GET", "/api/v1/incidents/999999", f.token, nil)
		wantError(t, w, 404, "not_found")
	})
}
