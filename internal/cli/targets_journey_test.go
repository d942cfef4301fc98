package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abri/internal/browsertest"
)

// measureTargets is JavaScript that opens every <details> of the page and
// returns one line per control (a, button, input, select, summary, textarea)
// smaller than min × min CSS pixels: what it is, its text and its size.
// Controls that are not drawn (type=hidden, display:none) are no targets.
const measureTargets = `((min) => {
	document.querySelectorAll("details").forEach(d => d.open = true);
	const out = [];
	for (const el of document.querySelectorAll("a[href], button, input, select, summary, textarea")) {
		if (el.type === "hidden" || el.getClientRects().length === 0) continue;
		const r = el.getBoundingClientRect();
		if (r.width >= min && r.height >= min) continue;
		const name = (el.getAttribute("aria-label") || el.textContent || el.value || el.name || el.id || "").trim().replace(/\s+/g, " ").slice(0, 40);
		out.push(el.tagName.toLowerCase() + (el.type && el.tagName !== "BUTTON" ? "[" + el.type + "]" : "") +
			(el.id ? "#" + el.id : "") + " " + JSON.stringify(name) + " " + Math.round(r.width) + "×" + Math.round(r.height));
	}
	return out.join("\n");
})`

// runAxe is JavaScript that runs axe-core (already injected) on the page and
// returns one line per rule the page breaks, with up to three of its nodes.
const runAxe = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v =>
	v.impact + " " + v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")).join("\n"))`

// TestJourneyTargetsBigEnough measures every control on a 390 × 844 phone,
// in English and Arabic, as the demo's administrator (who sees every
// control): on the field screens (sorting, scan, multi-scan, a box, the box
// list, the overview, the shop's counter, logging an incident, the quick
// count) each must be at least 44 × 44 px (WCAG 2.5.5), on every other screen
// at least 24 × 24 px (WCAG 2.5.8). It names any below. With ABRI_AXE naming
// axe-core's axe.min.js (npm install axe-core), it also runs axe on each
// page and names every rule broken.
func TestJourneyTargetsBigEnough(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	// About 60 pages, twice: more than newBrowser's 4 minutes on a busy machine.
	b := &browser{t: t, ctx: browsertest.New(t, 12*time.Minute), base: base, tag: "targets"}
	b.open("/login", `input[name="email"]`)
	// ABRI_HTML_DIR keeps each page's HTML as the server sent it, for an
	// HTML checker (docs/architecture.md: vnu).
	dump := os.Getenv("ABRI_HTML_DIR")
	var axeJS string
	if p := os.Getenv("ABRI_AXE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		axeJS = string(b) + `;"ok"`
	}
	check := func(lang, path string, min int) {
		t.Helper()
		if dump != "" {
			html := b.eval("html "+path, `fetch(location.href).then(r => r.text())`)
			name := lang + strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(path) + ".html"
			if err := os.WriteFile(filepath.Join(dump, name), []byte(html), 0o644); err != nil {
				t.Error(err)
			}
		}
		if small := b.eval("measure "+path, measureTargets+"("+strconv.Itoa(min)+")"); small != "" {
			t.Errorf("%s %s: targets under %d × %d px:\n%s", lang, path, min, min, small)
		}
		if axeJS != "" {
			b.eval("inject axe", axeJS)
			if broken := b.eval("axe "+path, runAxe); broken != "" {
				t.Errorf("%s %s: axe finds\n%s", lang, path, broken)
			}
		}
	}
	check("en", "/login", 24)
	b.signIn(users["admin"])
	b.open("/stock/boxes", ".boxes")
	code := strings.TrimPrefix(b.eval("a box", `document.querySelector('.boxes a[href^="/b/"]').getAttribute("href")`), "/b/")
	user := b.eval("a user", `fetch("/admin/users").then(r => r.text()).then(h => (h.match(/href="(\/admin\/users\/\d+)"/) || ["", "/admin/users"])[1])`)
	field := []string{"/stock/sort", "/scan", "/scan?mode=multi", "/b/" + code, "/stock/boxes", "/stock",
		"/shop", "/incidents/new", "/count"}
	kit := b.eval("a kit", `fetch("/stock/products").then(r => r.text()).then(h => (h.match(/<option value="(\d+)">[^<]*<\/option>\s*<\/select>\s*<button type="submit">/) || ["", ""])[1])`)
	incident := b.eval("an incident", `fetch("/incidents").then(r => r.text()).then(h => (h.match(/href="(\/incidents\/\d+)"/) || ["", "/incidents"])[1])`)
	schedule := b.eval("the schedule", `fetch("/rounds").then(r => r.text()).then(h => (h.match(/href="(\/schedule\/[a-z0-9-]+)"/) || ["", "/schedule/none"])[1])`)
	round := b.eval("a round", `fetch("/rounds").then(r => r.text()).then(h => (h.match(/href="(\/rounds\/\d+)"/) || ["", "/rounds"])[1])`)
	other := []string{"/", "/settings", "/settings/tokens", "/admin/users", user, "/stock/labels/blank",
		"/stock/locations", "/stock/products", "/stock/products?kit=" + kit, "/stock/sorted?codes=" + code, "/stock/sorted",
		"/b/" + code + "?edit=1", "/rounds", "/rounds/weekly", round, round + "/tally", "/needs",
		"/sites", "/review", "/shop/rules", "/shop/reports", "/cards", "/cards/log",
		"/incidents", incident, "/incidents/losses", "/incidents/weekly", schedule}
	for _, lang := range []string{"en", "ar"} {
		if lang != "en" {
			b.open("/", "main h1") // the public schedule has no menu
			b.language(lang)
		}
		for _, p := range field {
			b.open(p, "main h1")
			check(lang, p, 44)
		}
		for _, p := range other {
			b.open(p, "main h1")
			check(lang, p, 24)
		}
	}
}
