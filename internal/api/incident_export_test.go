package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"abri/internal/api"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// GET /api/v1/incidents/export: a bundle that verifies, with the export in
// its own custody log; bad ids a 400 at "ids"; an unknown incident 404; a
// server without a signing key 503, nothing recorded.
func TestExportBundleAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := call(f.h, "POST", "/api/v1/sites", f.token, strings.NewReader(`{"name":"Dunes","kind":"living","note":""}`))
		var site struct{ ID int64 }
		json.Unmarshal(w.Body.Bytes(), &site)
		w = call(f.h, "POST", "/api/v1/incidents", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"kind":"eviction","starts_at":"2026-12-01T07:30:00Z","notes":"طُردوا عند الفجر"}`, site.ID)))
		if w.Code != 201 {
			t.Fatalf("report: %d %s", w.Code, w.Body)
		}
		var in struct{ ID int64 }
		json.Unmarshal(w.Body.Bytes(), &in)
		path := fmt.Sprintf("/api/v1/incidents/export?ids=%d", in.ID)

		wantError(t, call(f.h, "GET", path, f.token, nil), 503, "unavailable")
		st, err := incident.OpenEvidenceStore(t.TempDir(), 0)
		if err != nil {
			t.Fatal(err)
		}
		key, err := ledger.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		h, err := api.New(api.Config{DB: d, Accounts: f.acc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Evidence: st, BundleKey: key})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			query  string
			status int
			code   string
		}{{"ids=x", 400, "invalid"}, {"ids=", 400, "invalid"}, {"ids=1,-2", 400, "invalid"}, {"ids=99999", 404, "not_found"}, {"id=1", 400, "invalid"}} {
			w := call(h, "GET", "/api/v1/incidents/export?"+c.query, f.token, nil)
			body := w.Body.String()
			wantError(t, w, c.status, c.code)
			if c.status == 400 && !strings.Contains(body, `"field":"id`) {
				t.Errorf("%s: %s, want the field named", c.query, body)
			}
		}
		var exports int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM ledger WHERE kind = 'incident.exported'").Scan(&exports); err != nil || exports != 0 {
			t.Fatalf("refused exports recorded %d events (%v)", exports, err)
		}
		w = call(h, "GET", path, f.token, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/zip" || !strings.Contains(w.Header().Get("Content-Disposition"), ".zip") {
			t.Fatalf("export: %d %v", w.Code, w.Header())
		}
		b := w.Body.Bytes()
		m, probs := incident.CheckBundle(bytes.NewReader(b), int64(len(b)))
		if len(probs) != 0 || len(m.Incidents) != 1 || m.Incidents[0] != in.ID || m.ExportedBy != f.user.ID {
			t.Errorf("the API's bundle: %v, manifest %+v", probs, m)
		}
	})
}
