package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiGet reads a JSON answer of the demo's API with a token.
func apiGet(t *testing.T, base, token, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestJourneyDistributionRound: a coordinator on a 390 × 844 phone, in
// English and then in Arabic, records a need, plans a round at the canal,
// puts tents on its packing list, packs two boxes by their codes, takes the
// round out, counts three tents and five people on the tally screen, brings
// it back, returns one box by its code, marks what is missing as lost and
// closes the round. The boxes move as they should (one handed out, one back
// in stock) and the needs board's shortfall of tents changes by what was
// handed out and what left the stock.
func TestJourneyDistributionRound(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	token := users["coordinator"][2]
	var open struct {
		Site  struct{ ID int64 }
		Lines []struct {
			ProductID int64 `json:"product_id"`
			Name      string
		}
	}
	apiGet(t, base, token, "/api/v1/rounds/1", &open)
	var tents int64
	for _, l := range open.Lines {
		if l.Name == "Tents" {
			tents = l.ProductID
		}
	}
	if tents == 0 {
		t.Fatalf("the demo's open round has no tents: %+v", open)
	}
	b := newBrowser(t, base, "round")
	b.signIn(users["coordinator"])
	for _, lang := range []string{"en", "ar"} {
		if lang != "en" {
			b.language(lang)
		}
		var boxes struct {
			Boxes []struct {
				Code  string
				Items int64
			}
		}
		apiGet(t, base, token, fmt.Sprintf("/api/v1/boxes?product=%d&state=in_stock&limit=2", tents), &boxes)
		if len(boxes.Boxes) != 2 {
			t.Fatalf("%s: %d tent boxes in stock", lang, len(boxes.Boxes))
		}
		kept, back := boxes.Boxes[0], boxes.Boxes[1]

		// A big need of tents at the canal, so that there is a shortfall.
		shortfall := func() int64 {
			t.Helper()
			b.open("/needs", "#needs-board")
			s := b.eval("shortfall", fmt.Sprintf(`(() => { const c = document.querySelector('#needs-board tr[data-product="%d"] .shortfall'); return c ? c.textContent.trim() : "none"; })()`, tents))
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%s: shortfall of tents: %q", lang, s)
			}
			return n
		}
		b.open("/needs", "#need-form")
		b.step("fill the need", chromedp.SetValue(chromedp.CSS(`#need-site`), strconv.FormatInt(open.Site.ID, 10)),
			chromedp.SetValue(chromedp.CSS(`#need-product`), strconv.FormatInt(tents, 10)),
			chromedp.SetValue(chromedp.CSS(`#need-quantity`), "2000"), chromedp.SetValue(chromedp.CSS(`#need-urgency`), "3"))
		b.submit("add the need", `#need-form button[type="submit"]`)
		before := shortfall()

		// Plan.
		b.open("/rounds", "#plan")
		b.step("fill the plan", chromedp.SetValue(chromedp.CSS(`#site`), strconv.FormatInt(open.Site.ID, 10)),
			chromedp.SetValue(chromedp.CSS(`#kind`), "shelter"))
		b.submit("plan", `#plan button[type="submit"]`)
		path := b.eval("where", `location.pathname`)
		if !strings.HasPrefix(path, "/rounds/") {
			t.Fatalf("%s: after planning the page is %s", lang, path)
		}
		b.view("planned-" + lang)
		b.step("packing list", chromedp.SetValue(chromedp.CSS(`#product`), strconv.FormatInt(tents, 10)),
			chromedp.SetValue(chromedp.CSS(`#planned`), "10"))
		b.submit("set the line", `#line-form button[type="submit"]`)

		// Pack by code (the camera puts the code in the same field).
		for _, bx := range []string{kept.Code, back.Code} {
			b.step("type "+bx, chromedp.SetValue(chromedp.CSS(`#code`), bx))
			b.submit("pack "+bx, `#pack-form button[type="submit"]:not([formaction])`)
			if got := b.eval("done", `(document.querySelector("p.ok")||{}).textContent||""`); got == "" {
				t.Fatalf("%s: packing %s said nothing", lang, bx)
			}
		}
		b.view("packed-" + lang)
		b.submit("out", `#step-out`)
		b.submit("tally", `#open-tally`)
		// Each tap goes into the phone's queue, which sends it.
		for i := 0; i < 3; i++ {
			b.step("a tent", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#t-handout-%d`, tents))))
		}
		for i := 0; i < 5; i++ {
			b.step("a person", chromedp.Click(chromedp.CSS(`#t-people-any-any`)))
		}
		if got := b.text(fmt.Sprintf(`#t-handout-%d .count`, tents)); got != "3" {
			t.Errorf("%s: the tally shows %s tents, want 3", lang, got)
		}
		if got := b.text(`#t-people-any-any .count`); got != "5" {
			t.Errorf("%s: the tally shows %s people, want 5", lang, got)
		}
		b.view("tally-" + lang)
		var counted struct {
			Lines []struct {
				HandedOut int64 `json:"handed_out"`
			}
			People []struct{ Count int64 }
		}
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			apiGet(t, base, token, "/api/v1"+path, &counted)
			if len(counted.Lines) == 1 && counted.Lines[0].HandedOut == 3 && len(counted.People) == 1 && counted.People[0].Count == 5 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the queue did not deliver the counts: %+v", lang, counted)
			}
		}
		b.open(path, "#step-back")
		b.submit("back", `#step-back`)
		b.step("return "+back.Code, chromedp.SetValue(chromedp.CSS(`#return-form input[name="code"]`), back.Code))
		b.submit("return", `#return-form button[type="submit"]`)

		var rd struct {
			ID    int64
			State string
			Lines []struct {
				ProductID   int64 `json:"product_id"`
				HandedOut   int64 `json:"handed_out"`
				Unaccounted int64
			}
			People []struct{ Count int64 }
		}
		apiGet(t, base, token, "/api/v1"+path, &rd)
		if len(rd.Lines) != 1 || rd.Lines[0].HandedOut != 3 || len(rd.People) != 1 || rd.People[0].Count != 5 {
			t.Fatalf("%s: the round after the tally: %+v", lang, rd)
		}
		if n := rd.Lines[0].Unaccounted; n > 0 {
			b.step("lost", chromedp.SetValue(chromedp.CSS(`#lost-quantity`), strconv.FormatInt(n, 10)),
				chromedp.SetValue(chromedp.CSS(`#reason`), "seized"))
			b.submit("mark lost", `#lost-form button[type="submit"]`)
		}
		b.submit("close", `#step-close`)
		b.view("closed-" + lang)
		apiGet(t, base, token, "/api/v1"+path, &rd)
		if rd.State != "closed" {
			t.Fatalf("%s: the round is %s, want closed", lang, rd.State)
		}
		for _, c := range []struct {
			code, want string
		}{{kept.Code, "handed_out"}, {back.Code, "in_stock"}} {
			var bx struct{ State string }
			apiGet(t, base, token, "/api/v1/boxes/"+c.code, &bx)
			if bx.State != c.want {
				t.Errorf("%s: box %s is %s, want %s", lang, c.code, bx.State, c.want)
			}
		}
		// 3 tents met needs at the canal; the kept box's items left the
		// stock; the returned box is in stock again.
		if after, want := shortfall(), before-3+kept.Items; after != want {
			t.Errorf("%s: shortfall of tents %d after the round, want %d (was %d)", lang, after, want, before)
		}
		b.view("needs-" + lang)
	}
}
