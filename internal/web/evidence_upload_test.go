package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/place"
	"abri/internal/web"
)

// postFile posts the incident page's file form as a browser does: a plain
// multipart form, with the fields given (in order) before the file.
func (c *client) postFile(path string, fields [][2]string, file []byte) response {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range fields {
		mw.WriteField(kv[0], kv[1])
	}
	fw, _ := mw.CreateFormFile("file", "IMG_0001.jpg")
	fw.Write(file)
	mw.Close()
	return c.do(http.MethodPost, path, &b, "Origin", c.f.srv.URL, "Sec-Fetch-Site", "same-origin", "Content-Type", mw.FormDataContentType())
}

// evidenceServer is the fixture's server with an evidence store.
func evidenceServer(t *testing.T, d *db.DB, f *fixture, limit int64) *incident.EvidenceStore {
	t.Helper()
	st, err := incident.OpenEvidenceStore(t.TempDir(), limit)
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
	return st
}

// The incident page's file form works without JavaScript: a plain
// multipart post keeps the file, hashed by the server alone, and the page
// says so. With the phone's hash and the file's own time (what the page's
// script adds) both are kept and the page says which time it is. A bad
// value is refused at the field, an oversized file gets 413, and neither
// keeps anything; the warehouse does not find the incident.
func TestEvidenceUploadWithoutScript(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		evidenceServer(t, d, f, 64<<10)
		coord := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
		site, err := place.New(d).CreateSite(ctx, coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		id, err := incident.New(d).Report(ctx, coord, incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/incidents/%d", id)
		rows := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM incident_evidence").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		page := c.get(path)
		expectBody(t, page, `enctype="multipart/form-data"`, `action="`+path+`/evidence"`, "computed by the server only")
		for _, e := range idProblems(page.body) {
			t.Errorf("the incident page: %s", e)
		}

		// No script: only the file.
		photo := []byte("\xff\xd8\xff\xe0 a photo taken without JavaScript")
		sum := sha256.Sum256(photo)
		r := c.postFile(path+"/evidence", [][2]string{{"sha256", ""}, {"captured_at", ""}, {"captured_from", ""}}, photo)
		expectStatus(t, r, http.StatusSeeOther)
		in, err := incident.New(d).Get(ctx, coord, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Evidence) != 1 || in.Evidence[0].SHA256 != hex.EncodeToString(sum[:]) || in.Evidence[0].DeviceSHA256 != "" || !in.Evidence[0].CapturedAt.IsZero() {
			t.Fatalf("kept %+v", in.Evidence)
		}
		expectBody(t, c.get(path), hex.EncodeToString(sum[:]), "data-server-hash")

		// With the script: the phone's hash and the file's own time.
		photo2 := []byte("\xff\xd8\xff\xe0 a photo hashed on the phone")
		sum2 := sha256.Sum256(photo2)
		r = c.postFile(path+"/evidence", [][2]string{{"sha256", hex.EncodeToString(sum2[:])}, {"captured_at", "2026-12-01T07:41:12Z"}, {"captured_from", "file_time"}}, photo2)
		expectStatus(t, r, http.StatusSeeOther)
		in, _ = incident.New(d).Get(ctx, coord, id)
		if len(in.Evidence) != 2 || in.Evidence[1].DeviceSHA256 != hex.EncodeToString(sum2[:]) || in.Evidence[1].CapturedFrom != incident.CapturedFileTime {
			t.Fatalf("kept %+v", in.Evidence)
		}
		expectBody(t, c.get(path), "the file&#39;s own time on the phone")

		// Refused: nothing kept.
		r = c.postFile(path+"/evidence", [][2]string{{"captured_at", "2026-12-01T07:41:12Z"}, {"captured_from", "exif"}}, []byte("x"))
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, `id="evidence-file"`, `id="evidence-file-err"`)
		for _, e := range idProblems(r.body) {
			t.Errorf("the incident page with a refused file: %s", e)
		}
		if !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Errorf("a bad capture source: the field is not marked")
		}
		r = c.postFile(path+"/evidence", nil, bytes.Repeat([]byte{7}, 64<<10+1))
		expectStatus(t, r, http.StatusRequestEntityTooLarge)
		if n := rows(); n != 2 {
			t.Errorf("%d files after two refusals; want 2", n)
		}
		wh := f.client(t)
		wh.mustLogin("wim@example.org")
		expectStatus(t, wh.postFile(path+"/evidence", nil, photo), http.StatusNotFound)
		if n := rows(); n != 2 {
			t.Errorf("%d files after the warehouse's try; want 2", n)
		}
	})
}
