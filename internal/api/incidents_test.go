package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"abri/internal/api"
	"abri/internal/incident"
	"abri/internal/place"

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

// Evidence through the API: a PNG sent as multipart with the phone's hash
// comes back with the same SHA-256 and a shareable copy; a file over the
// limit is 413 and keeps nothing; a body that is not multipart is 400.
func TestEvidenceAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		st, err := incident.OpenEvidenceStore(t.TempDir(), 4<<10)
		if err != nil {
			t.Fatal(err)
		}
		h, err := api.New(api.Config{DB: d, Accounts: f.acc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Evidence: st})
		if err != nil {
			t.Fatal(err)
		}
		site, err := place.New(d).CreateSite(ctx, f.actor, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		id, err := incident.New(d).Report(ctx, f.actor, incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)))
		sum := sha256.Sum256(img.Bytes())
		send := func(file []byte, hash string) *httptest.ResponseRecorder {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("sha256", hash)
			fw, _ := mw.CreateFormFile("file", "../../etc/passwd")
			fw.Write(file)
			mw.Close()
			r := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/incidents/%d/evidence", id), &body)
			r.Header.Set("Authorization", "Bearer "+f.token)
			r.Header.Set("Content-Type", mw.FormDataContentType())
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		w := send(img.Bytes(), hex.EncodeToString(sum[:]))
		if w.Code != 201 {
			t.Fatalf("upload: %d %s", w.Code, w.Body)
		}
		var ev struct {
			SHA256         string `json:"sha256"`
			SharedSHA256   string `json:"shared_sha256"`
			DeviceMismatch bool   `json:"device_mismatch"`
		}
		json.Unmarshal(w.Body.Bytes(), &ev)
		if ev.SHA256 != hex.EncodeToString(sum[:]) || ev.SharedSHA256 == "" || ev.DeviceMismatch {
			t.Errorf("upload answered %s", w.Body)
		}
		w = send(bytes.Repeat([]byte("x"), 5<<10), "")
		wantError(t, w, 413, "too_large")
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM incident_evidence").Scan(&n); err != nil || n != 1 {
			t.Errorf("after an oversized upload %d rows, %v", n, err)
		}
		w = call(h, "POST", fmt.Sprintf("/api/v1/incidents/%d/evidence", id), f.token, strings.NewReader(`{}`))
		wantError(t, w, 400, "invalid")
	})
}
