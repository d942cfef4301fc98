package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
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

// evidenceServer is the fixture's server with an evidence store and a
// key that signs export bundles.
func evidenceServer(t *testing.T, d *db.DB, f *fixture, limit int64) *incident.EvidenceStore {
	t.Helper()
	st, err := incident.OpenEvidenceStore(t.TempDir(), limit)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ledger.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{DB: d, Accounts: f.acc, Evidence: st, BundleKey: key})
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
		coord, id := canalEviction(t, d, f)
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

// A hash-mismatch review item reads as a sentence, in the reader's
// language: who sent which file of which incident and when, with the hash
// the phone computed and the one that arrived, and no JSON.
func TestReviewMismatchReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		st := evidenceServer(t, d, f, 64<<10)
		coord, id := canalEviction(t, d, f)
		photo := []byte("\xff\xd8\xff\xe0 cut short on the way")
		sum := sha256.Sum256(photo)
		expected := strings.Repeat("ab", 32)
		ev, err := incident.New(d).Upload(ctx, coord, st, id, bytes.NewReader(photo), expected)
		if err != nil || !ev.DeviceMismatch {
			t.Fatalf("upload: %+v %v", ev, err)
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		for _, want := range []struct{ lang, words string }{{"en", "sent file"}, {"fr", "a envoyé le fichier"}, {"ar", "أرسل"}} {
			if err := f.acc.SetLanguage(ctx, coord, want.lang); err != nil {
				t.Fatal(err)
			}
			r := c.get("/review")
			expectStatus(t, r, http.StatusOK)
			expectBody(t, r, "data-mismatch", want.words, fmt.Sprintf("%d", ev.ID), expected, hex.EncodeToString(sum[:]), "Cleo",
				fmt.Sprintf(`href="/incidents/%d#incident-evidence"`, id))
			expectNotBody(t, r, "device_sha256", "server_sha256", "{&#34;")
			for _, e := range idProblems(r.body) {
				t.Errorf("%s: %s", want.lang, e)
			}
		}
	})
}

// The bundle as a coordinator downloads it from the incident list (the
// web route, not the API) verifies as abri verify-bundle checks it; one
// byte changed in its evidence fails, naming the file; the download is in
// the file's custody log.
func TestExportBundleFromTheList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		st := evidenceServer(t, d, f, 64<<10)
		coord, id := canalEviction(t, d, f)
		photo := []byte("\xff\xd8\xff\xe0 the camp after the convoy")
		ev, err := incident.New(d).Upload(ctx, coord, st, id, bytes.NewReader(photo), "")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.post("/incidents/export", url.Values{"ids": {fmt.Sprint(id)}})
		expectStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/zip" {
			t.Fatalf("the bundle came as %q", ct)
		}
		b := []byte(r.body)
		m, probs := incident.CheckBundle(bytes.NewReader(b), int64(len(b)))
		if len(probs) != 0 {
			t.Fatalf("the downloaded bundle does not verify: %v", probs)
		}
		var member string
		for _, mf := range m.Files {
			if mf.SHA256 == ev.SHA256 {
				member = mf.Path
			}
		}
		if member == "" {
			t.Fatalf("the file is not in the manifest: %+v", m.Files)
		}
		// One byte of the photo changed: caught, and named.
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var changed bytes.Buffer
		zw := zip.NewWriter(&changed)
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if zf.Name == member {
				data[len(data)/2] ^= 1
			}
			w, _ := zw.Create(zf.Name)
			w.Write(data)
		}
		zw.Close()
		_, probs = incident.CheckBundle(bytes.NewReader(changed.Bytes()), int64(changed.Len()))
		named := false
		for _, p := range probs {
			named = named || p.File == member
		}
		if !named {
			t.Errorf("one byte changed in %s: the check says %v", member, probs)
		}
		expectBody(t, c.get(fmt.Sprintf("/incidents/%d", id)), `data-action="exported"`)
	})
}

// canalEviction reports, as the fixture's coordinator, an eviction at a new
// living site, and returns the coordinator and the incident's id.
func canalEviction(t *testing.T, d *db.DB, f *fixture) (access.Actor, int64) {
	t.Helper()
	ctx := context.Background()
	coord := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
	site, err := place.New(d).CreateSite(ctx, coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	if err != nil {
		t.Fatal(err)
	}
	id, err := incident.New(d).Report(ctx, coord, incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return coord, id
}
