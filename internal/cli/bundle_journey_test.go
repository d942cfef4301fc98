package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// apiSend sends a request with a token and decodes a JSON answer of want.
func apiSend(t *testing.T, base, token, method, path, contentType string, body io.Reader, want int, v any) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// download clicks sel and waits for the browser to have saved the file it
// starts, in dir; it returns the file's path.
func (b *browser) download(name, sel, dir string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	enabled := true
	b.step(name, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled})
		return err
	}), chromedp.Click(chromedp.CSS(sel)))
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("%s: %v", name, err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case cdpbrowser.DownloadProgressStateCanceled:
			b.t.Fatalf("%s: the download was cancelled", name)
		}
	}
	b.t.Fatalf("%s: no download within a minute", name)
	return ""
}

// changeMember rewrites a bundle with one byte of one member changed.
func changeMember(t *testing.T, path, prefix string) (string, string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	changed := ""
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if changed == "" && strings.HasPrefix(f.Name, prefix) {
			data[len(data)/2] ^= 0x20
			changed = f.Name
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	if changed == "" {
		t.Fatalf("no member under %s", prefix)
	}
	bad := path + ".changed.zip"
	if err := os.WriteFile(bad, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return bad, changed
}

// TestJourneyExportBundle: a coordinator on a 390 × 844 phone, in English
// and then in Arabic, exports incidents from the incident list (ticked in
// English, every one the filters show in Arabic); the downloaded ZIP
// passes abri verify-bundle, its evidence file is the one uploaded, and the
// same ZIP with one byte of the evidence file changed fails, naming it. The
// reports under the list count the incident in its week and its tents in
// its month.
func TestJourneyExportBundle(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	token := users["coordinator"][2]
	var sites struct {
		Sites []struct {
			ID   int64
			Kind string
		}
	}
	apiGet(t, base, token, "/api/v1/sites", &sites)
	var site int64
	for _, s := range sites.Sites {
		if s.Kind == "living" {
			site = s.ID
			break
		}
	}
	var products struct {
		Products []struct {
			ID   int64
			Name string
		}
	}
	apiGet(t, base, token, "/api/v1/products", &products)
	var tents int64
	for _, p := range products.Products {
		if p.Name == "Tents" {
			tents = p.ID
		}
	}
	photo := []byte("%PDF-1.4 the eviction order, as handed to the observers")
	for i, lang := range []string{"en", "ar"} {
		var in struct{ ID int64 }
		body := fmt.Sprintf(`{"site_id":%d,"kind":"seizure","starts_at":"2026-11-%02dT07:30:00Z","notes":"ملاحظة: Convoy at 7:30",
			"items":[{"product_id":%d,"seized":3}]}`, site, 3+i, tents)
		apiSend(t, base, token, "POST", "/api/v1/incidents", "application/json", strings.NewReader(body), http.StatusCreated, &in)
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("file", "../../order.pdf")
		fw.Write(photo)
		mw.Close()
		var ev struct{ SHA256 string }
		apiSend(t, base, token, "POST", fmt.Sprintf("/api/v1/incidents/%d/evidence", in.ID), mw.FormDataContentType(), &mp, http.StatusCreated, &ev)

		b := newBrowser(t, base, "bundle-"+lang)
		b.signIn(users["coordinator"])
		if lang != "en" {
			b.language(lang)
		}
		day := fmt.Sprintf("2026-11-%02d", 3+i)
		b.open(fmt.Sprintf("/incidents?site=%d&kind=seizure&from=%s&to=%s", site, day, day), "#incident-export")
		button := `#incident-export button[value="shown"]`
		if lang == "en" {
			b.step("tick the incident", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#pick-%d`, in.ID))))
			button = `#incident-export button[value="chosen"]`
		}
		small := b.eval("targets", `(() => Array.from(document.querySelectorAll('#incident-export input[type=checkbox], #incident-export button')).filter(e => {
			const r = e.getBoundingClientRect();
			return r.height < 44 || r.width < 44 || r.right > 390.5 || r.left < -0.5;
		}).map(e => (e.name || e.value) + ' ' + Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height)).join(', '))()`)
		if small != "" {
			t.Errorf("%s: export controls smaller than 44 × 44 px or off the screen: %s", lang, small)
		}
		b.view("list-" + lang)
		path := b.download("export", button, t.TempDir())

		code, out, errOut := run(t, "", "verify-bundle", path)
		if code != 0 {
			t.Fatalf("%s: verify-bundle on the downloaded bundle: %d %s %s", lang, code, out, errOut)
		}
		// Signed with a key that is not the one asked for: refused.
		if code, out, _ := run(t, "", "verify-bundle", "--key-id", "0123456789abcdef", path); code != 1 || !strings.Contains(out, "not 0123456789abcdef") {
			t.Errorf("%s: verify-bundle with another key id: %d %q", lang, code, out)
		}
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "evidence/") && strings.Contains(f.Name, ev.SHA256) {
				rc, _ := f.Open()
				got, _ := io.ReadAll(rc)
				rc.Close()
				found = bytes.Equal(got, photo)
			}
			if strings.Contains(f.Name, "..") {
				t.Errorf("%s: member %q", lang, f.Name)
			}
		}
		zr.Close()
		if !found {
			t.Errorf("%s: the bundle does not hold the uploaded file byte for byte", lang)
		}
		// The reports under the list: the week of the incident counts it,
		// and November's losses hold its three tents.
		b.open(fmt.Sprintf("/incidents/weekly?site=%d&kind=seizure&from=%s&to=%s", site, day, day), "#incident-report")
		if got := b.eval("week", `(() => { const r = document.querySelector('#incident-report tbody tr'); return r ? r.lastElementChild.textContent.trim() : "none"; })()`); got != "1" {
			t.Errorf("%s: incidents that week %q, want 1", lang, got)
		}
		b.view("weekly-" + lang)
		b.open(fmt.Sprintf("/incidents/losses?site=%d&kind=seizure&from=%s&to=%s", site, day, day), "#incident-report")
		if got := b.eval("losses", `(() => Array.from(document.querySelectorAll('#incident-report tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()).join("|")).join(";"))()`); !strings.HasPrefix(got, "2026-11|") || !strings.HasSuffix(got, "|3|0|3") {
			t.Errorf("%s: losses %q, want November: 3 lost, 0 replaced, 3 owed", lang, got)
		}
		b.view("losses-" + lang)

		bad, member := changeMember(t, path, "evidence/")
		code, out, _ = run(t, "", "verify-bundle", bad)
		if code != 1 || !strings.Contains(out, "FAILS: "+member) {
			t.Errorf("%s: verify-bundle on a bundle with %s changed: exit %d, %q", lang, member, code, out)
		}
	}
}
