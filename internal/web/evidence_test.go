package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/place"
	"abri/internal/web"
)

// sendFile posts a phone's file to /sync/evidence as the queue does.
func (c *client) sendFile(cmd, clientID, sum string, file []byte) response {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range [][2]string{{"command", cmd}, {"client_id", clientID}, {"sha256", sum}, {"captured_at", "2026-12-01T07:41:12Z"}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			c.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "../../etc/passwd")
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	req, err := http.NewRequest("POST", c.f.srv.URL+"/sync/evidence", &b)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out.String()}
}

// The queue's photo endpoint: a file is attached to the incident its
// report made, found by the report's command id; sent again under its id
// it is the same file; a report still in review answers 409 (the phone
// tries later); the file's name is never used; over the limit is 413 and
// nothing is kept; without a session, or for a role that does not see
// incidents, nothing is kept either. Every answer is JSON.
func TestSyncEvidence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		dir := t.TempDir()
		st, err := incident.OpenEvidenceStore(dir, 64<<10)
		if err != nil {
			t.Fatal(err)
		}
		h, err := web.New(web.Config{DB: d, Accounts: f.acc, Evidence: st})
		if err != nil {
			t.Fatal(err)
		}
		f.srv.Close()
		f.srv = httptest.NewServer(h)
		t.Cleanup(f.srv.Close)
		coord := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
		site, err := place.New(d).CreateSite(ctx, coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		report := func(id string, target string) {
			t.Helper()
			if _, err := command.Apply(ctx, d, coord, []command.Command{{ID: id, Type: incident.CmdReport, Target: target,
				Payload: json.RawMessage(`{"kind":"eviction","starts_at":"2026-12-01T07:30:00Z"}`), MadeAt: time.Now()}}); err != nil {
				t.Fatal(err)
			}
		}
		applied, inReview := "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b", "2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
		report(applied, command.Target("site", site.ID))
		report(inReview, command.Target("site", site.ID+1000))
		photo := []byte("\xff\xd8\xff\xe0 not really a photo, but bytes")
		sum := sha256.Sum256(photo)
		want := hex.EncodeToString(sum[:])
		rows := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM incident_evidence").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		anon := f.client(t)
		if r := anon.sendFile(applied, "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", want, photo); r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("no session: %d %s", r.status, r.body)
		}
		wh := f.client(t)
		wh.mustLogin("wim@example.org")
		if r := wh.sendFile(applied, "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", want, photo); r.status != http.StatusNotFound {
			t.Errorf("the warehouse: %d %s", r.status, r.body)
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		for _, bad := range []struct {
			cmd, id string
			status  int
			field   string
		}{
			{inReview, "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", http.StatusConflict, ""},
			{"9b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b", "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", http.StatusNotFound, ""},
			{applied, "../../evidence.key", http.StatusBadRequest, "client_id"},
		} {
			r := c.sendFile(bad.cmd, bad.id, want, photo)
			var e struct {
				Error struct {
					Field *string
				}
			}
			json.Unmarshal([]byte(r.body), &e)
			if r.status != bad.status || (bad.field != "" && (e.Error.Field == nil || *e.Error.Field != bad.field)) {
				t.Errorf("%+v: %d %s", bad, r.status, r.body)
			}
		}
		// The report set aside: the file has nowhere to go, for good.
		var item int64
		if err := d.QueryRow(ctx, "SELECT id FROM review_items WHERE client_id = ?", inReview).Scan(&item); err != nil {
			t.Fatal(err)
		}
		if _, err := command.DismissReviewItem(ctx, d, coord, item, "Not one of our sites."); err != nil {
			t.Fatal(err)
		}
		if r := c.sendFile(inReview, "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", want, photo); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"command"`) {
			t.Errorf("a file of a report set aside: %d %s", r.status, r.body)
		}
		if n := rows(); n != 0 {
			t.Fatalf("%d files kept after refusals", n)
		}
		var first struct{ ID int64 }
		for i := range 2 {
			r := c.sendFile(applied, "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", want, photo)
			var got struct {
				ID     int64  `json:"id"`
				SHA256 string `json:"sha256"`
			}
			if err := json.Unmarshal([]byte(r.body), &got); r.status != http.StatusCreated || err != nil || got.SHA256 != want {
				t.Fatalf("send %d: %d %s", i, r.status, r.body)
			}
			if i == 0 {
				first.ID = got.ID
			} else if got.ID != first.ID {
				t.Errorf("the resend made file %d, the first %d", got.ID, first.ID)
			}
		}
		if n := rows(); n != 1 {
			t.Errorf("%d files after one file sent twice", n)
		}
		// Over the limit: 413, nothing kept.
		big := bytes.Repeat([]byte{7}, 64<<10+1)
		r := c.sendFile(applied, "4c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", "", big)
		if r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized: %d %s", r.status, r.body)
		}
		files, _ := os.ReadDir(filepath.Join(dir, "evidence"))
		if n := rows(); n != 1 || len(files) != 1 {
			t.Errorf("after an oversized file: %d rows, %d stored files; want 1 and 1", n, len(files))
		}
		// The file's page shows it; its original downloads named by hash.
		var incidentID int64
		if err := d.QueryRow(ctx, "SELECT incident_id FROM incident_evidence").Scan(&incidentID); err != nil {
			t.Fatal(err)
		}
		dl := c.get(fmt.Sprintf("/incidents/%d/evidence/%d/original", incidentID, first.ID))
		if dl.status != http.StatusOK || dl.body != string(photo) || !strings.Contains(dl.header.Get("Content-Disposition"), want) {
			t.Errorf("download: %d %q %q", dl.status, dl.header.Get("Content-Disposition"), dl.body)
		}
		if r := c.get(fmt.Sprintf("/incidents/%d/evidence/%d/original", incidentID+1, first.ID)); r.status != http.StatusNotFound {
			t.Errorf("a file under another incident: %d", r.status)
		}
		page := c.get(fmt.Sprintf("/incidents/%d", incidentID))
		for _, s := range []string{want, `data-action="downloaded"`, `data-action="uploaded"`} {
			if !strings.Contains(page.body, s) {
				t.Errorf("the incident page lacks %q", s)
			}
		}
	})
}
