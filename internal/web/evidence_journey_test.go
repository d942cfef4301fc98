package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/browsertest"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/incident"
	"abri/internal/server"
)

// gpsPhoto is a JPEG a phone might take: pixels, then GPS and camera tags
// written by exiftool.
func gpsPhoto(t *testing.T, exiftool, dir string, shade uint8) (string, string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for x := range 96 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{shade, uint8(x * 2), uint8(y * 3), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("eviction-%d.jpg", shade))
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(exiftool, "-overwrite_original", "-GPSLatitude=50.9513", "-GPSLatitudeRef=N", "-GPSLongitude=1.8587",
		"-GPSLongitudeRef=E", "-Make=PhoneMaker", "-Model=Phone 12", "-Orientation#=6", path).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	photo, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(photo)
	return path, hex.EncodeToString(sum[:])
}

// TestJourneyOfflineEvidence is the shelter-loss log's "done when" for its
// evidence: an observer on a 390 × 844 phone, with no network, logs an
// eviction with two photos and "4 tents, 2 sleeping bags seized"; the
// phone hashes each photo as it is taken. The network comes back, the
// queue sends the report and then the photos; a coordinator sees the
// incident with the two hashes (the ones computed here from the files),
// 4 + 2 replacement needs on the needs board, and the shareable copy of
// each photo carries no GPS tag (exiftool). In English, then in Arabic.
func TestJourneyOfflineEvidence(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("exiftool is needed under CI (apt-get install libimage-exiftool-perl)")
		}
		t.Skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
	}
	ctx := context.Background()
	st, err := incident.OpenEvidenceStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	w := newFieldWorld(t, func(c *server.Config) { c.Evidence = st })
	sys := w.system(t)
	if err := w.d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	acc := account.New(w.d)
	for _, u := range []struct {
		email string
		role  access.Role
		lang  string
	}{{"obs@example.org", access.Observer, ""}, {"obs-ar@example.org", access.Observer, "ar"}, {"coord@example.org", access.Coordinator, ""},
		{"coord-ar@example.org", access.Coordinator, "ar"}} {
		nu, err := acc.AddUser(ctx, sys, account.NewUser{Email: u.email, Name: strings.Split(u.email, "@")[0], Password: fieldPassword, BaseID: sys.BaseID, Role: u.role})
		if err != nil {
			t.Fatal(err)
		}
		if u.lang != "" {
			if err := acc.SetLanguage(ctx, access.Actor{UserID: nu.ID, OrgID: sys.OrgID, BaseID: sys.BaseID, Role: u.role}, u.lang); err != nil {
				t.Fatal(err)
			}
		}
	}
	ps, err := catalog.Products(ctx, w.d, sys)
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
	dir := t.TempDir()
	for round, lang := range []string{"en", "ar"} {
		suffix := map[string]string{"en": "", "ar": "-ar"}[lang]
		photo1, sum1 := gpsPhoto(t, exiftool, dir, uint8(40+round*100))
		photo2, sum2 := gpsPhoto(t, exiftool, dir, uint8(90+round*100))

		obs := &tab{t: t, ctx: browsertest.New(t, 3*time.Minute), w: w}
		obs.signIn("obs" + suffix + "@example.org")
		obs.openField("/incidents/new", "#incident-form", "/incident.js")
		if got := obs.eval("lang", `document.documentElement.lang`); got != lang {
			t.Fatalf("the form is in %q, want %s", got, lang)
		}

		// The network goes away.
		w.proxy.cut.Store(true)
		obs.do("reload with no network", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#incident-form`)))
		obs.do("fill the form",
			chromedp.SetValue(chromedp.CSS(`#incident-site`), strconv.FormatInt(w.site, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-kind`), "eviction"),
			chromedp.SetValue(chromedp.CSS(`#incident-product_0`), strconv.FormatInt(tents, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-seized_0`), "4"),
			chromedp.SetValue(chromedp.CSS(`#incident-product_1`), strconv.FormatInt(bags, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-seized_1`), "2"),
			// The first of the organisation's forces, which the page
			// brought with it.
			chromedp.Click(chromedp.CSS(`#incident-forces input[type="checkbox"]`)),
			chromedp.SetValue(chromedp.CSS(`#incident-forces input[name^="vehicles_"]`), "3"),
			chromedp.SetUploadFiles(chromedp.CSS(`#incident-photos`), []string{photo1, photo2}))
		obs.until("photos hashed on the phone", `Array.from(document.querySelectorAll("#incident-photo-list code")).map(c => c.textContent.replace("SHA-256 ", "")).sort().join(",")`,
			strings.Join(sorted(sum1, sum2), ","), 20*time.Second)
		small := obs.eval("targets", `(() => Array.from(document.querySelectorAll('#incident-photos, #incident-form button[type="submit"]')).filter(e => {
			const r = e.getBoundingClientRect(); return r.height < 44 || r.right > 390.5 || r.left < -0.5; }).map(e => (e.id || e.type) + " " + JSON.stringify(e.getBoundingClientRect())).join(","))()`)
		if small != "" {
			t.Errorf("%s: controls smaller than 44 px or off the screen: %s", lang, small)
		}
		browsertest.Screenshot(t, obs.ctx, "evidence-form-"+lang)
		obs.do("save", chromedp.Click(chromedp.CSS(`#incident-form button[type="submit"]`)))
		obs.until("kept on the phone", `(() => { const s = document.querySelector("[data-abri-queue-status]"); return s.getAttribute("data-waiting") + "/" + s.getAttribute("data-files"); })()`, "1/2", 20*time.Second)
		browsertest.Screenshot(t, obs.ctx, "evidence-waiting-"+lang)
		if n := w.count(t, "SELECT COUNT(*) FROM incidents"); n != round {
			t.Fatalf("%d incidents on the server with no network", n)
		}

		// The network comes back: the report, then its photos.
		w.proxy.cut.Store(false)
		obs.eval("online", `(window.dispatchEvent(new Event("online")), "ok")`)
		obs.until("all sent", `(() => { const s = document.querySelector("[data-abri-queue-status]"); return s.getAttribute("data-waiting") + "/" + s.getAttribute("data-files"); })()`, "0/0", 60*time.Second)
		if left := obs.eval("nothing left", `abri.queue.files().then(fs => String(fs.length))`); left != "0" {
			t.Errorf("%s: %s files left on the phone after sync", lang, left)
		}
		var id int64
		if err := w.d.QueryRow(ctx, "SELECT MAX(id) FROM incidents").Scan(&id); err != nil {
			t.Fatal(err)
		}
		// The force ticked offline is the organisation's, by its id.
		if n := w.count(t, "SELECT COUNT(*) FROM incident_force_lines fl JOIN incident_force_list l ON l.id = fl.force_id WHERE l.code = 'national_police' AND fl.vehicles = 3"); n != round+1 {
			t.Errorf("%s: %d incidents with the force ticked offline, want %d", lang, n, round+1)
		}
		// Each photo's time is the file's own on the phone, and says so.
		if n := w.count(t, "SELECT COUNT(*) FROM incident_evidence WHERE captured_from = 'file_time' AND captured_at <> 0"); n != 2*(round+1) {
			t.Errorf("%s: %d files timed by the file's own time, want %d", lang, n, 2*(round+1))
		}

		// The coordinator.
		co := &tab{t: t, ctx: browsertest.New(t, 3*time.Minute), w: w}
		co.signIn("coord" + suffix + "@example.org")
		co.open(fmt.Sprintf("/incidents/%d", id), "#incident-evidence")
		shown := co.eval("hashes", `Array.from(document.querySelectorAll("#incident-evidence [data-sha256]")).map(e => e.dataset.sha256).sort().join(",")`)
		if shown != strings.Join(sorted(sum1, sum2), ",") {
			t.Errorf("%s: the incident shows hashes %s, want %s and %s (computed from the files)", lang, shown, sum1, sum2)
		}
		co.open("/needs", "#needs-board")
		for _, want := range []struct {
			product, n int64
		}{{tents, 4 * int64(round+1)}, {bags, 2 * int64(round+1)}} {
			got := co.eval("needed", fmt.Sprintf(`(() => { const r = document.querySelector('#needs-board tr[data-product="%d"]'); return r ? r.querySelector("td").textContent.trim() : "none"; })()`, want.product))
			if got != strconv.FormatInt(want.n, 10) {
				t.Errorf("%s: the needs board wants %s of product %d, want %d", lang, got, want.product, want.n)
			}
		}
		browsertest.Screenshot(t, co.ctx, "evidence-needs-"+lang)
		co.open(fmt.Sprintf("/incidents/%d", id), "#incident-evidence")
		ids := co.eval("files", `Array.from(document.querySelectorAll("#incident-evidence [data-evidence]")).map(e => e.dataset.evidence).join(",")`)
		for _, ev := range strings.Split(ids, ",") {
			b64 := co.eval("view "+ev, fmt.Sprintf(`fetch("/incidents/%d/evidence/%s", {credentials: "same-origin"}).then(r => r.arrayBuffer()).then(b => {
				let s = ""; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); return btoa(s); })`, id, ev))
			shared, err := base64.StdEncoding.DecodeString(b64)
			if err != nil || len(shared) < 100 {
				t.Fatalf("%s: shared copy of %s: %d bytes, %v", lang, ev, len(shared), err)
			}
			path := filepath.Join(dir, "shared-"+lang+"-"+ev+".jpg")
			if err := os.WriteFile(path, shared, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(exiftool, "-a", "-G1", "-s", "-GPS:all", "-EXIF:all", "-XMP:all", "-Orientation", path).CombinedOutput()
			if err != nil {
				t.Fatalf("exiftool: %v %s", err, out)
			}
			if s := string(out); strings.Contains(s, "GPS") || strings.Contains(s, "PhoneMaker") || strings.Contains(s, "Orientation") {
				t.Errorf("%s: the shareable copy of %s still carries tags:\n%s", lang, ev, s)
			}
			if img, err := jpeg.DecodeConfig(bytes.NewReader(shared)); err != nil || img.Width != 64 || img.Height != 96 {
				t.Errorf("%s: shareable copy %v %v, want 64 × 96 (turned upright)", lang, img, err)
			}
		}
		// Both views are in the custody log on the page.
		co.open(fmt.Sprintf("/incidents/%d", id), "#incident-custody")
		if got := co.eval("custody", `String(document.querySelectorAll('#incident-custody tr[data-action="viewed_shared"]').length) + "/" + document.querySelectorAll('#incident-custody tr[data-action="uploaded"]').length`); got != "2/2" {
			t.Errorf("%s: custody log views/uploads %s, want 2/2", lang, got)
		}
		browsertest.Screenshot(t, co.ctx, "evidence-incident-"+lang)
	}
}

func sorted(a, b string) []string {
	if a > b {
		a, b = b, a
	}
	return []string{a, b}
}

// TestJourneyDiscardRefusedFile: a file the server refused for good stays
// in the phone's queue, listed above the incident form with the reason and
// a word that it is still on the phone; Discard asks first (saying what
// stays), then the queue's copy goes. On a 390 × 844 phone, in English and
// in Arabic.
func TestJourneyDiscardRefusedFile(t *testing.T) {
	ctx := context.Background()
	w := newFieldWorld(t)
	sys := w.system(t)
	acc := account.New(w.d)
	for _, lang := range []string{"en", "ar"} {
		email := "obs-" + lang + "@example.org"
		nu, err := acc.AddUser(ctx, sys, account.NewUser{Email: email, Name: "obs " + lang, Password: fieldPassword, BaseID: sys.BaseID, Role: access.Observer})
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.SetLanguage(ctx, access.Actor{UserID: nu.ID, OrgID: sys.OrgID, BaseID: sys.BaseID, Role: access.Observer}, lang); err != nil {
			t.Fatal(err)
		}
		obs := &tab{t: t, ctx: browsertest.New(t, 2*time.Minute), w: w}
		obs.signIn(email)
		obs.open("/incidents/new", "#incident-form")
		// A file the server refused: as the queue keeps one.
		obs.eval("a refused file", `new Promise((ok, bad) => {
			const req = indexedDB.open("abri-queue", 2);
			req.onsuccess = () => {
				const t = req.result.transaction("files", "readwrite");
				t.objectStore("files").put({id: "5d1e9f2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", command: "c", user: abri.queue.currentUser(),
					blob: new Blob(["bytes"]), sha256: "ab".repeat(32), captured_at: "", added: Date.now(), refused: "The file is over 50 MB: nothing was kept."});
				t.oncomplete = () => ok("ok"); t.onerror = () => bad(t.error);
			};
			req.onerror = () => bad(req.error);
		})`)
		obs.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#incident-refused-list li`)))
		if got := obs.eval("listed", `document.querySelector("#incident-refused-list li").textContent`); !strings.Contains(got, "50 MB") {
			t.Errorf("%s: the refused file reads %q", lang, got)
		}
		small := obs.eval("target", `(() => { const r = document.querySelector("#incident-refused-list button").getBoundingClientRect();
			return r.height < 44 || r.right > 390.5 || r.left < -0.5 ? JSON.stringify(r) : ""; })()`)
		if small != "" {
			t.Errorf("%s: the Discard button is small or off the screen: %s", lang, small)
		}
		browsertest.Screenshot(t, obs.ctx, "evidence-refused-"+lang)
		// Cancelled, nothing goes; confirmed, the queue's copy goes.
		obs.eval("say no", `(window.confirm = m => (window.asked = m, false), "ok")`)
		obs.do("discard, cancelled", chromedp.Click(chromedp.CSS(`#incident-refused-list button`)))
		if left := obs.eval("still there", `abri.queue.files().then(fs => String(fs.length))`); left != "1" {
			t.Errorf("%s: %s files after a cancelled discard", lang, left)
		}
		obs.eval("say yes", `(window.confirm = m => (window.asked = m, true), "ok")`)
		obs.do("discard", chromedp.Click(chromedp.CSS(`#incident-refused-list button`)))
		obs.until("gone", `abri.queue.files().then(fs => String(fs.length) + "/" + document.getElementById("incident-refused").hidden)`, "0/true", 10*time.Second)
		if asked := obs.eval("asked", `window.asked`); asked == "" || !strings.Contains(asked, map[string]string{"en": "gallery", "ar": "معرض"}[lang]) {
			t.Errorf("%s: the confirmation read %q", lang, asked)
		}
	}
}
