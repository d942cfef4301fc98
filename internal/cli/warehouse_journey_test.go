package cli_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"

	"abri/internal/browsertest"
	"abri/internal/i18n"
	"abri/internal/stock"
)

// TestJourneyWarehouse is the warehouse's browser journey on the real demo,
// as the demo warehouse volunteer on a phone-sized window: sort a bag of
// donations into three boxes, print their labels, open one box from its QR
// URL, move it with the scan page (multi-scan, typed by hand: the camera
// cannot run headless) and see the move in its history. Then the same
// screens in Arabic, right to left.
func TestJourneyWarehouse(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	wh := users["warehouse"]
	ctx := browsertest.New(t, 3*time.Minute)

	shot := func(name string) {
		t.Helper()
		dir := os.Getenv("ABRI_SCREENSHOTS")
		if dir == "" {
			return
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "warehouse-"+name+".png"), buf, 0o644); err != nil {
			t.Error(err)
		}
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			browsertest.Screenshot(t, ctx, "failed-warehouse-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(name, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			browsertest.Screenshot(t, ctx, "failed-warehouse-"+name)
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	submit := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			browsertest.Screenshot(t, ctx, "failed-warehouse-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	// choose picks an option of a select by its text and tells the page.
	choose := func(sel, optionText string) {
		t.Helper()
		got := eval("choose "+optionText, `(() => {
			const s = document.querySelector(`+jsString(sel)+`);
			const o = Array.from(s.options).find(o => o.textContent.trim() === `+jsString(optionText)+`);
			if (!o) return "no option " + `+jsString(optionText)+` + " in " + Array.from(s.options).map(o => o.textContent).join("|");
			s.value = o.value;
			s.dispatchEvent(new Event("change", {bubbles: true}));
			return "ok";
		})()`)
		if got != "ok" {
			t.Fatalf("choose %q in %s: %s", optionText, sel, got)
		}
	}

	step("open", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)))
	step("fill login",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), wh[0]),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), wh[1]))
	submit("sign in", `form[action="/login"] button[type="submit"]`)
	shot("dashboard")

	// 1. Sort a bag of donations into three boxes.
	submit("open sorting", `a[href="/stock/sort"]`)
	step("sorting form", chromedp.WaitVisible(chromedp.CSS(`#r0-filter`)))
	step("open the intake", chromedp.Click(chromedp.CSS(`details.intake > summary`)))
	choose(`#d-source`, "A collection point")
	step("weight", chromedp.SendKeys(chromedp.CSS(`#d-weight`), "14,5"))
	// The quick filter narrows the product list; sizes follow the product.
	step("filter", chromedp.SendKeys(chromedp.CSS(`#r0-filter`), "winter jack"))
	if n, _ := strconv.Atoi(eval("count", `String(document.querySelectorAll("#r0-product option").length)`)); n < 3 || n > 12 {
		t.Errorf("the filter left %d options, want the few winter jackets", n)
	}
	choose(`#r0-product`, "Winter Jackets · Men")
	if sizes := eval("sizes", `Array.from(document.querySelectorAll("#r0-size option")).map(o => o.value).join(",")`); !strings.HasPrefix(sizes, "XS,S,M,L,XL,XXL") {
		t.Errorf("sizes after choosing the jackets: %q", sizes)
	}
	choose(`#r0-size`, "M")
	step("items 1", chromedp.SendKeys(chromedp.CSS(`#r0-items`), "12"))
	choose(`#r0-location`, "Salle de tri")
	step("add row 2", chromedp.Click(chromedp.CSS(`#add-row`)), chromedp.WaitVisible(chromedp.CSS(`#r1-items`)))
	choose(`#r1-size`, "L")
	step("items 2", chromedp.SendKeys(chromedp.CSS(`#r1-items`), "9"))
	step("add row 3", chromedp.Click(chromedp.CSS(`#add-row`)), chromedp.WaitVisible(chromedp.CSS(`#r2-items`)))
	step("filter 3", chromedp.SendKeys(chromedp.CSS(`#r2-filter`), "sleeping bag"))
	choose(`#r2-product`, "Sleeping Bags")
	step("items 3", chromedp.SendKeys(chromedp.CSS(`#r2-items`), "6"), chromedp.SendKeys(chromedp.CSS(`#r2-tags`), "winter"))
	shot("sort-filled")
	submit("make the boxes", `#sort button.primary`)
	step("sorted", chromedp.WaitVisible(chromedp.CSS(`#print`)))
	shot("sorted")
	codes := eval("codes", `document.querySelector('input[name="codes"]').value`)
	if n := len(strings.Split(codes, ",")); n != 3 {
		t.Fatalf("sorting made %d boxes (%q), want 3", n, codes)
	}
	if got := text("main"); !strings.Contains(got, "Boxes made: 3") || !strings.Contains(got, "Sleeping Bags") {
		t.Errorf("sorted page: %q", got)
	}

	// 2. Print their labels: the form's own address gives a PDF with three
	// labels (one page each on the thermal roll).
	step("thermal", chromedp.Click(chromedp.CSS(`#fmt-th`)))
	pdf := eval("fetch labels", `(async () => {
		const f = document.querySelector("form.print");
		const u = f.action + "?" + new URLSearchParams(new FormData(f)).toString();
		const r = await fetch(u);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (const x of b) s += String.fromCharCode(x);
		return r.status + " " + r.headers.get("Content-Type") + "\n" + s;
	})()`)
	head, body, _ := strings.Cut(pdf, "\n")
	if head != "200 application/pdf" || !strings.HasPrefix(body, "%PDF") {
		t.Fatalf("labels: %q %q", head, body[:min(len(body), 20)])
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAllString(body, -1)); pages != 3 {
		t.Errorf("the thermal label PDF has %d pages, want 3", pages)
	}

	// A part-used A4 sheet: the first label goes to the fifth place.
	step("a4 from 5", chromedp.Click(chromedp.CSS(`#fmt-a4`)), chromedp.SetValue(chromedp.CSS(`#start`), "5"))
	if got := eval("fetch from 5", `(async () => {
		const f = document.querySelector("form.print");
		const r = await fetch(f.action + "?" + new URLSearchParams(new FormData(f)).toString());
		return r.status + " " + r.headers.get("Content-Type");
	})()`); got != "200 application/pdf" {
		t.Errorf("labels from the fifth place: %s", got)
	}

	// 3. Open the first box from its QR URL.
	code := strings.Split(codes, ",")[0]
	step("open box", chromedp.Navigate(base+"/b/"+code), chromedp.WaitVisible(chromedp.CSS(`.facts`)))
	if got := text("main"); !strings.Contains(got, "Winter Jackets · Men") || !strings.Contains(got, "Salle de tri") {
		t.Errorf("box page: %q", got)
	}
	shot("box")

	// 4. Move it by scanning: multi-scan, the code typed by hand, a bulk move.
	submit("scan page", `nav a[href="/scan"]`)
	shot("scan")
	// The camera cannot run headless, but the bundled decoder can: it loads
	// under the page's Content-Security-Policy and reads a label's QR.
	qr, err := qrcode.Encode(base+"/b/"+code, qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	decoded := eval("decode a QR", `(async () => {
		await new Promise((ok, fail) => {
			const s = document.createElement("script");
			s.src = document.getElementById("camera").dataset.decoder;
			s.onload = ok; s.onerror = () => fail(new Error("the decoder did not load"));
			document.head.appendChild(s);
		});
		const img = new Image();
		img.src = "data:image/png;base64,`+base64.StdEncoding.EncodeToString(qr)+`";
		await img.decode();
		const c = document.createElement("canvas");
		c.width = img.width; c.height = img.height;
		const g = c.getContext("2d");
		g.drawImage(img, 0, 0);
		const d = g.getImageData(0, 0, c.width, c.height);
		const r = window.jsQR(d.data, d.width, d.height);
		return r ? r.data : "nothing decoded";
	})()`)
	if decoded != base+"/b/"+code {
		t.Errorf("the bundled decoder read %q, want the box URL", decoded)
	}
	submit("multi-scan", `.tabs a[href="/scan?mode=multi"]`)
	step("type the code", chromedp.WaitVisible(chromedp.CSS(`#add-code`)),
		chromedp.SendKeys(chromedp.CSS(`#add-code`), strings.ToLower(code[:4])+" "+strings.ToLower(code[4:])),
		chromedp.Click(chromedp.CSS(`#add-button`)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#scanned li.ok") !== null`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		shot("failed-check")
		t.Fatalf("the typed code was not checked: %v", err)
	}
	if got := text("#scanned"); !strings.Contains(got, "Salle de tri") {
		t.Errorf("the list shows %q for the box", got)
	}
	// The list groups the code as its label and its page do.
	if got := text("#scanned code"); got != stock.FormatCode(code) {
		t.Errorf("the list shows the code as %q, the label as %q", got, stock.FormatCode(code))
	}
	choose(`select[name="location"]`, "Camionnette 1")
	shot("scan-multi")
	submit("apply", `#bulk button.primary`)
	if got := text("main"); !strings.Contains(got, "Changed: 1. Not changed: 0.") || !strings.Contains(got, "Camionnette 1") {
		t.Errorf("bulk move result: %q", got)
	}
	shot("bulk")

	// 5. The move is in the box's history.
	step("box again", chromedp.Navigate(base+"/b/"+code), chromedp.WaitVisible(chromedp.CSS(`.history`)))
	if got := text(".history"); !strings.Contains(got, "Hugo Lambert moved it from Salle de tri to Camionnette 1") {
		t.Errorf("history: %q", got)
	}
	// Its time is Calais time, the demo base's zone, with the zone said.
	paris, _ := time.LoadLocation("Europe/Paris")
	when := eval("history time", `(() => { const t = document.querySelector(".history time"); return t.getAttribute("datetime") + "|" + t.textContent; })()`)
	at, shown, _ := strings.Cut(when, "|")
	if tm, err := time.Parse(time.RFC3339, at); err != nil || shown != i18n.When("en", paris, tm) || !strings.HasSuffix(shown, tm.In(paris).Format(" MST")) {
		t.Errorf("the history shows %q for %s, want Europe/Paris time with its zone (%v)", shown, at, err)
	}
	shot("box-moved")
	step("box list", chromedp.Navigate(base+"/stock/boxes"), chromedp.WaitVisible(chromedp.CSS(`.boxes`)))
	if got := text("#box-total"); !regexp.MustCompile(`^\d+ boxes in this list\.$`).MatchString(got) {
		t.Errorf("the box list's total reads %q", got)
	}
	shot("boxes")
	step("box list of the van", chromedp.Navigate(base+"/stock/boxes?location="+eval("van", `(() => { const o = Array.from(document.querySelectorAll("#f-location option")).find(o => o.textContent.trim() === "Camionnette 1"); return o ? o.value : ""; })()`)),
		chromedp.WaitVisible(chromedp.CSS(`#box-total`)))
	// The total counts every page of the filter's boxes, not the 50 shown.
	total, _ := strconv.Atoi(strings.Fields(text("#box-total"))[0])
	rows, _ := strconv.Atoi(eval("rows", `String(document.querySelectorAll(".boxes li").length)`))
	more := eval("next", `String(document.querySelector('a[rel="next"]') !== null)`) == "true"
	if more && total <= rows || !more && total != rows {
		t.Errorf("the van's list says %q with %d rows shown (another page: %v)", text("#box-total"), rows, more)
	}
	step("sorted without codes", chromedp.Navigate(base+"/stock/sorted"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	if got := text("main"); !strings.Contains(got, "Sort donations to make boxes") {
		t.Errorf("/stock/sorted without codes says %q", got)
	}
	step("overview", chromedp.Navigate(base+"/stock"), chromedp.WaitVisible(chromedp.CSS(`.tree`)),
		chromedp.Click(chromedp.CSS(`details.cat > summary`)), chromedp.Click(chromedp.CSS(`details.prod > summary`)))
	shot("stock")

	// The same screens in Arabic: right to left, in Arabic script.
	step("open the menu", chromedp.Click(chromedp.CSS(`details.menu > summary`)))
	submit("Arabic", `form[action="/lang"] button[value="ar"]`)
	for _, p := range []struct{ name, path, wait string }{
		{"stock-ar", "/stock", ".tree"},
		{"box-ar", "/b/" + code, ".history"},
		{"scan-ar", "/scan?mode=multi", "#bulk"},
		{"boxes-ar", "/stock/boxes", ".boxes"},
		{"sort-ar", "/stock/sort", "#sort"},
	} {
		step(p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		if dir := eval("dir", `document.documentElement.dir`); dir != "rtl" {
			t.Errorf("%s: dir %q", p.path, dir)
		}
		if got := text("h1"); !strings.ContainsAny(got, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") && p.name != "box-ar" {
			t.Errorf("%s: the heading %q is not in Arabic", p.path, got)
		}
		shot(p.name)
	}
	step("box-ar again", chromedp.Navigate(base+"/b/"+code), chromedp.WaitVisible(chromedp.CSS(`.history`)))
	// Names sit in bidi isolates (U+2068 … U+2069) on a right-to-left page.
	isolates := strings.NewReplacer("\u2068", "", "\u2069", "")
	if got := isolates.Replace(text(".history")); !strings.Contains(got, "Hugo Lambert نقله من Salle de tri إلى Camionnette 1") {
		t.Errorf("Arabic history: %q", got)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
