package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/api"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/server"
	"abri/internal/stock"
	"abri/internal/web"
)

// principals are the columns of the matrix: nobody signed in, each role of
// the demo's first organisation, and the administrator of its second
// organisation asking for the first one's things.
var principals = []string{"none", "admin", "coordinator", "warehouse", "distribution", "observer", "shop", "viewer", "other"}

// check is one row of the matrix: a route, the request that tries it (path
// parameters and form fields filled with {names} from the fixture), and the
// answer each principal must get, in the order of principals.
//
// An answer is a status, or for a redirect "303>PATH", where PATH is where it
// must lead (the query is not compared): "303>/login" is "please sign in".
type check struct {
	method, pattern string
	path            string // the request's path and query; "" means the pattern itself
	body            string // a form (HTML routes) or JSON (API); {names} filled in
	want            string // one answer per principal, separated by spaces
}

// matrix has one row per route the server registers. The first
// organisation's things are asked for everywhere: its users, its tokens, its
// bases, its boxes, locations and products. Another organisation must get
// 404 for them, never 403: it may not even learn they exist. (A form that
// names another organisation's location gets the form's 400 "unknown
// location", as a made-up number would.)
//
// The answers are in the order of principals:
//
//	none admin coordinator warehouse distribution observer shop viewer other
var matrix = []check{
	// The HTML screens.
	{"GET", "/{$}", "/", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/login", "", "", "200 303>/ 303>/ 303>/ 303>/ 303>/ 303>/ 303>/ 303>/"},
	{"POST", "/login", "", "email=nobody-{who}@example.org&password=not+the+password", "401 401 401 401 401 401 401 401 401"},
	{"POST", "/logout", "", "", "303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login"},
	{"POST", "/logout-everywhere", "", "", "303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login 303>/login"},
	{"GET", "/lang", "/lang?l=fr&next=/settings", "", "303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings"},
	{"POST", "/lang", "", "l=en&next=/settings", "303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings"},
	{"POST", "/base", "", "base={base}", "303>/login 303>/ 303>/ 303>/ 303>/ 303>/ 303>/ 303>/ 404"},

	{"GET", "/settings", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/settings/language", "", "lang=en", "303>/login 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings 303>/settings"},
	{"POST", "/settings/password", "", "current=wrong&new=aaaaaaaaaaaa&new_again=bbbbbbbbbbbb", "303>/login 400 400 400 400 400 400 400 400"},
	{"POST", "/settings/time-zone", "", "time_zone=Europe/Paris", "303>/login 303>/settings 403 403 403 403 403 403 303>/settings"},
	{"GET", "/settings/tokens", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/settings/tokens", "", "name=matrix&password=the+matrix+password", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/settings/tokens/{id}/revoke", "/settings/tokens/{token}/revoke", "", "303>/login 303>/settings/tokens 404 404 404 404 404 404 404"},

	{"GET", "/admin/users", "", "", "303>/login 200 403 403 403 403 403 403 200"},
	{"POST", "/admin/users", "", "email=invited-{who}@example.org&name=Invited&base={base}&role=viewer", "303>/login 200 403 403 403 403 403 403 404"},
	{"GET", "/admin/users/{id}", "/admin/users/{user}", "", "303>/login 200 403 403 403 403 403 403 404"},
	{"POST", "/admin/users/{id}/role", "/admin/users/{user}/role", "base={base}&role=observer", "303>/login 303>/admin/users/{user} 403 403 403 403 403 403 404"},
	{"POST", "/admin/users/{id}/disable", "/admin/users/{user}/disable", "", "303>/login 303>/admin/users/{user} 403 403 403 403 403 403 404"},
	{"POST", "/admin/users/{id}/enable", "/admin/users/{user}/enable", "", "303>/login 303>/admin/users/{user} 403 403 403 403 403 403 404"},

	{"GET", "/invite/{secret}", "/invite/{secret}", "", "200 200 200 200 200 200 200 200 200"},
	{"POST", "/invite/{secret}", "/invite/{secret}", "password=aaaaaaaaaaaa&password_again=bbbbbbbbbbbb", "400 400 400 400 400 400 400 400 400"},

	// The warehouse screens. Everyone sees the stock; admin, coordinator and
	// warehouse make and edit boxes, locations and products; distribution
	// also moves boxes. The first organisation's box, locations and product
	// are another organisation's 404.
	{"GET", "/stock", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/stock/boxes", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/stock/boxes.csv", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/stock/boxes.xlsx", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/stock/sort", "", "", "303>/login 200 200 200 403 403 403 403 200"},
	{"POST", "/stock/sort", "", "rows=1&product.0={product}&location.0={loc}&quantity.0=2&unit.0=kg", "303>/login 303>/stock/sorted 303>/stock/sorted 303>/stock/sorted 403 403 403 403 400"},
	{"GET", "/stock/sorted", "/stock/sorted?codes={box}", "", "303>/login 200 200 200 200 200 200 200 404"},
	{"GET", "/stock/labels.pdf", "/stock/labels.pdf?codes={box}", "", "303>/login 200 200 200 200 200 200 200 404"},
	{"GET", "/stock/labels/blank", "", "", "303>/login 200 200 200 403 403 403 403 200"},
	{"POST", "/stock/labels/blank", "", "count=1&format=a4", "303>/login 200 200 200 403 403 403 403 200"},
	{"GET", "/stock/check", "/stock/check?code={box}", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/stock/bulk", "", "action=move&codes={box}&location={loc}", "303>/login 200 200 200 200 403 403 403 400"},
	{"GET", "/stock/locations", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/stock/locations", "", "name=Matrix+{who}&kind=shelf", "303>/login 303>/stock/locations 303>/stock/locations 303>/stock/locations 403 403 403 403 303>/stock/locations"},
	{"POST", "/stock/locations/{id}", "/stock/locations/{loc2}", "name=Matrix+spare&kind=room", "303>/login 303>/stock/locations 303>/stock/locations 303>/stock/locations 403 403 403 403 404"},
	{"POST", "/stock/locations/{id}/archive", "/stock/locations/{loc2}/archive", "", "303>/login 303>/stock/locations 303>/stock/locations 303>/stock/locations 403 403 403 403 404"},
	{"POST", "/stock/locations/{id}/restore", "/stock/locations/{loc2}/restore", "", "303>/login 303>/stock/locations 303>/stock/locations 303>/stock/locations 403 403 403 403 404"},
	{"GET", "/stock/products", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/stock/products", "", "name=Matrix+{who}&category={category}&size_range={mass}", "303>/login 303>/stock/products 303>/stock/products 303>/stock/products 403 403 403 403 303>/stock/products"},
	{"POST", "/stock/products/{id}/hide", "/stock/products/{product}/hide", "", "303>/login 303>/stock/products 303>/stock/products 303>/stock/products 403 403 403 403 404"},
	{"POST", "/stock/products/{id}/show", "/stock/products/{product}/show", "", "303>/login 303>/stock/products 303>/stock/products 303>/stock/products 403 403 403 403 404"},
	{"POST", "/stock/products/{id}/kit", "/stock/products/{product}/kit", "product.0={api_product}&quantity.0=1", "303>/login 303>/stock/products 303>/stock/products 303>/stock/products 403 403 403 403 404"},
	{"GET", "/scan", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/b/{code}", "/b/{box}", "", "303>/login 200 200 200 200 200 200 200 404"},
	{"POST", "/b/{code}", "/b/{box}", "version={version}&quantity=3&unit=kg&items=0&comment=&tags=&expires=", "303>/login 303>/b/{box} 303>/b/{box} 303>/b/{box} 403 403 403 403 404"},
	{"POST", "/b/{code}/move", "/b/{box}/move", "version={version}&location={loc}", "303>/login 303>/b/{box} 303>/b/{box} 303>/b/{box} 303>/b/{box} 403 403 403 404"},
	{"POST", "/b/{code}/state", "/b/{box}/state", "version={version}&state=reserved", "303>/login 303>/b/{box} 303>/b/{box} 303>/b/{box} 303>/b/{box} 403 403 403 404"},

	{"GET", "/static/{hash}/{name}", "{css}", "", "200 200 200 200 200 200 200 200 200"},

	// The JSON API.
	{"GET", "/api/v1/openapi.json", "", "", "200 200 200 200 200 200 200 200 200"},
	{"GET", "/api/v1/me", "", "", "401 200 200 200 200 200 200 200 200"},
	{"PATCH", "/api/v1/me", "", `{"lang":"en"}`, "401 200 200 200 200 200 200 200 200"},

	// The server's own routes, registered in server.New.
	{"GET", "/healthz", "", "", "200 200 200 200 200 200 200 200 200"},
	{"GET", "/readyz", "", "", "200 200 200 200 200 200 200 200 200"},
	// Not from the matrix's network (192.0.2.1), whoever is signed in: see
	// TestMetricsAnswerOnlyAllowedClients.
	{"GET", "/metrics", "", "", "404 404 404 404 404 404 404 404 404"},
}

// endsSessions are run last for every principal: they end its session.
var endsSessions = map[string]bool{"POST /logout-everywhere": true, "POST /logout": true}

// capabilityLinks show what they are about to whoever holds the link, from
// any organisation: the secret in the path is the permission.
var capabilityLinks = map[string]bool{"GET /invite/{secret}": true, "POST /invite/{secret}": true}

// serverRoute are the routes server.New registers itself.
var serverRoute = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// matrixFixture is the demo data set, signed in as every principal, with the
// first organisation's things the rows ask for.
type matrixFixture struct {
	d        *db.DB
	h        http.Handler
	sessions map[string]string // principal → session cookie value
	tokens   map[string]string // principal → API token
	vars     map[string]string // {name} → value
	secrets  []string          // the first organisation's names, which "other" must never see
}

// matrixPassword is every matrix user's password.
const matrixPassword = "the matrix password"

// newMatrixFixture makes two organisations, the first with a user for every
// role in its base and the second with an administrator, signs each in and
// gives each an API token. (demo.Seed would do, but its two thousand boxes
// take half a minute under the race detector.)
func newMatrixFixture(t *testing.T, d *db.DB) *matrixFixture {
	t.Helper()
	ctx := context.Background()
	acc := account.New(d)
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	f := &matrixFixture{d: d, sessions: map[string]string{}, tokens: map[string]string{}, vars: map[string]string{}}
	add := func(who string, org, base int64, role access.Role) {
		sys := access.SystemActor(org, base)
		u, err := acc.AddUser(ctx, sys, account.NewUser{Email: who + "@matrix.example", Name: "Matrix " + who, Password: matrixPassword, BaseID: base, Role: role})
		if err != nil {
			t.Fatalf("add %s: %v", who, err)
		}
		sess, err := acc.Login(ctx, u.Email, matrixPassword, "192.0.2.10")
		if err != nil {
			t.Fatalf("sign in %s: %v", who, err)
		}
		secret, _, err := acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}, "matrix")
		if err != nil {
			t.Fatalf("token for %s: %v", who, err)
		}
		f.sessions[who], f.tokens[who] = sess.Token, secret
	}
	o1, b1, err := acc.CreateOrganisation(ctx, "matrix-one", "Matrix Group One", "Matrix warehouse")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range access.Roles {
		add(string(r), o1.ID, b1.ID, r)
	}
	o2, b2, err := acc.CreateOrganisation(ctx, "matrix-two", "Matrix Group Two", "Their warehouse")
	if err != nil {
		t.Fatal(err)
	}
	add("other", o2.ID, b2.ID, access.Admin)
	// The other organisation has a box of its own, so its lists are not
	// empty.
	theirs, err := place.New(d).CreateLocation(ctx, access.SystemActor(o2.ID, b2.ID), place.LocationInput{Name: "Their shelf", Kind: place.LocationShelf})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := catalog.Products(ctx, d, access.SystemActor(o2.ID, b2.ID))
	if err != nil || len(ps) == 0 {
		t.Fatalf("products: %v", err)
	}
	for _, p := range ps {
		if p.SizeRangeID == 0 {
			if _, err := stock.New(d).CreateBox(ctx, access.SystemActor(o2.ID, b2.ID), stock.NewBox{ProductID: p.ID, Items: 3, LocationID: theirs.ID}); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	admin, err := acc.SessionPrincipal(ctx, f.sessions["admin"])
	if err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(admin.Actor.OrgID, admin.Actor.BaseID)
	victim, secret, err := acc.Invite(ctx, sys, account.NewUser{Email: "matrix.victim@example.org", Name: "Matrix Victim", BaseID: sys.BaseID, Role: access.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := acc.IssueToken(ctx, admin.Actor, "matrix")
	if err != nil {
		t.Fatal(err)
	}
	f.vars = map[string]string{
		"{base}":   strconv.FormatInt(sys.BaseID, 10),
		"{user}":   strconv.FormatInt(victim.ID, 10),
		"{token}":  strconv.FormatInt(tok.ID, 10),
		"{secret}": secret,
	}
	f.secrets = []string{admin.OrgName, admin.User.Email, "coordinator@matrix.example", victim.Email, victim.Name}
	f.warehouse(t, sys)
	addAPIWarehouseVars(t, d, sys, f.vars)
	addDistributionVars(t, d, sys, f.vars)
	addCommandVars(t, d, sys, f.vars)
	addIncidentVars(t, d, sys, f.vars)
	addShopVars(t, d, sys, f.vars)
	addCardVars(t, d, sys, f.vars)
	s, err := server.New(server.Config{DB: d, Accounts: acc, BaseURL: "http://abri.test", Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Checkpoints: matrixSigner(t, d), Evidence: matrixEvidence(t)})
	if err != nil {
		t.Fatal(err)
	}
	f.h = s.Handler()
	// A real static file, as the pages link to it.
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest("GET", "/login", nil))
	css := regexp.MustCompile(`/static/[0-9a-f]+/app\.css`).FindString(w.Body.String())
	if css == "" {
		t.Fatal("the sign-in page links no stylesheet")
	}
	f.vars["{css}"] = css
	return f
}

// warehouse adds the first organisation's things the warehouse rows ask
// for: a weighed product of its own, a location with a box in it, and an
// empty location to rename, archive and restore.
func (f *matrixFixture) warehouse(t *testing.T, sys access.Actor) {
	t.Helper()
	ctx := context.Background()
	cs, err := catalog.Categories(ctx, f.d, sys)
	if err != nil || len(cs) == 0 {
		t.Fatalf("categories: %v", err)
	}
	rs, err := catalog.SizeRanges(ctx, f.d, sys)
	if err != nil {
		t.Fatal(err)
	}
	var mass int64
	for _, r := range rs {
		if r.Measure == "mass" {
			mass = r.ID
		}
	}
	if mass == 0 {
		t.Fatal("the catalogue has no size range by mass")
	}
	p, err := catalog.New(f.d).AddProduct(ctx, sys, catalog.NewProduct{Name: "Matrix lentils", CategoryID: cs[0].ID, SizeRangeID: mass})
	if err != nil {
		t.Fatal(err)
	}
	places := place.New(f.d)
	loc, err := places.CreateLocation(ctx, sys, place.LocationInput{Name: "Matrix rack", Kind: place.LocationShelf})
	if err != nil {
		t.Fatal(err)
	}
	loc2, err := places.CreateLocation(ctx, sys, place.LocationInput{Name: "Matrix spare", Kind: place.LocationRoom})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stock.New(f.d).CreateBox(ctx, sys, stock.NewBox{ProductID: p.ID, Quantity: 2, Unit: "kg", LocationID: loc.ID, Comment: "Matrix comment"})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]int64{"{product}": p.ID, "{category}": cs[0].ID, "{mass}": mass, "{loc}": loc.ID, "{loc2}": loc2.ID} {
		f.vars[k] = strconv.FormatInt(v, 10)
	}
	f.vars["{box}"] = b.Code
	f.secrets = append(f.secrets, p.Name, loc.Name, loc2.Name, b.Comment)
}

// fill puts the fixture's values in place of {names}. {version} is the
// box's version as it is now, since the rows before may have changed it.
func (f *matrixFixture) fill(s, who string) string {
	if strings.Contains(s, "{version}") {
		var v int64
		if err := f.d.QueryRow(context.Background(), "SELECT version FROM boxes WHERE code = ?", f.vars["{box}"]).Scan(&v); err == nil {
			s = strings.ReplaceAll(s, "{version}", strconv.FormatInt(v, 10))
		}
	}
	for k, v := range f.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return strings.ReplaceAll(s, "{who}", who)
}

// ask sends one row's request as one principal and describes the answer as
// the matrix writes it.
func (f *matrixFixture) ask(c check, who string) (answer string, body string, h http.Header) {
	path := c.path
	if path == "" {
		path = strings.TrimSuffix(c.pattern, "{$}")
	}
	var rd io.Reader
	if c.body != "" {
		rd = strings.NewReader(f.fill(c.body, who))
	}
	r := httptest.NewRequest(c.method, f.fill(path, who), rd)
	isAPI := strings.HasPrefix(c.pattern, "/api/")
	if c.body != "" {
		if isAPI {
			r.Header.Set("Content-Type", "application/json")
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if who != "none" {
		if isAPI {
			r.Header.Set("Authorization", "Bearer "+f.tokens[who])
		} else {
			r.AddCookie(&http.Cookie{Name: "abri_session", Value: f.sessions[who]})
		}
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	answer = strconv.Itoa(w.Code)
	if w.Code == http.StatusSeeOther {
		u, _ := url.Parse(w.Header().Get("Location"))
		answer += ">" + u.Path
	}
	return answer, w.Body.String(), w.Header()
}

// headerProblems checks the headers of one answer: every answer of the HTML
// side carries a strict content security policy and the other protective
// headers, every HTML page says no-store (it may show personal data), and
// every API answer is uncacheable JSON.
func headerProblems(c check, h http.Header) []string {
	var out []string
	want := func(name, value string) {
		if got := h.Get(name); got != value {
			out = append(out, fmt.Sprintf("%s = %q, want %q", name, got, value))
		}
	}
	switch {
	case strings.HasPrefix(c.pattern, "/api/"):
		if ct, ok := apiDownloads[c.method+" "+c.pattern]; !ok || h.Get("Content-Type") != ct {
			want("Content-Type", "application/json")
		}
		want("X-Content-Type-Options", "nosniff")
		want("Cache-Control", "no-store")
	case serverRoute[c.method+" "+c.pattern]:
	default:
		csp := h.Get("Content-Security-Policy")
		for _, need := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, need) {
				out = append(out, fmt.Sprintf("Content-Security-Policy %q lacks %q", csp, need))
			}
		}
		for _, src := range strings.Fields(strings.ReplaceAll(csp, ";", " ")) {
			if src == "*" || strings.Contains(src, "unsafe-") || strings.HasPrefix(src, "http:") {
				out = append(out, fmt.Sprintf("Content-Security-Policy %q allows %s", csp, src))
			}
		}
		want("X-Content-Type-Options", "nosniff")
		want("Referrer-Policy", "same-origin")
		want("X-Frame-Options", "DENY")
		want("Cross-Origin-Opener-Policy", "same-origin")
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			want("Content-Type", "text/html; charset=utf-8")
			want("Cache-Control", "no-store")
		}
	}
	return out
}

// TestAuthorizationMatrix asks every route the server registers as every
// principal and compares each answer with the matrix above. A route without
// a row fails the test, and so does a row without a route. Every answer's
// headers are checked too (headerProblems), which covers the security
// headers of every HTML response of every route.
func TestAuthorizationMatrix(t *testing.T) {
	rows := map[string]check{}
	for _, c := range matrix {
		key := c.method + " " + c.pattern
		if _, dup := rows[key]; dup {
			t.Errorf("two rows for %s", key)
		}
		if n := len(strings.Fields(c.want)); n != len(principals) {
			t.Errorf("%s: %d answers, want one for each of %d principals", key, n, len(principals))
		}
		rows[key] = c
	}
	registered := map[string]bool{}
	for _, r := range web.Routes() {
		registered[r.Method+" "+r.Pattern] = true
	}
	for _, r := range api.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	for k := range serverRoute {
		registered[k] = true
	}
	var missing, stale []string
	for k := range registered {
		if _, ok := rows[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range rows {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	for _, k := range missing {
		t.Errorf("route %s has no row in the authorization matrix: add one saying what every role, no session and another organisation get", k)
	}
	for _, k := range stale {
		t.Errorf("the matrix has a row for %s, which the server does not register", k)
	}

	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMatrixFixture(t, d)
		// The rows that end sessions run after all the others.
		ordered := append([]check(nil), matrix...)
		sort.SliceStable(ordered, func(i, j int) bool {
			return !endsSessions[ordered[i].method+" "+ordered[i].pattern] && endsSessions[ordered[j].method+" "+ordered[j].pattern]
		})
		checks := 0
		for _, c := range ordered {
			rowStart := time.Now()
			want := strings.Fields(c.want)
			for i, who := range principals {
				if i >= len(want) {
					break
				}
				got, body, h := f.ask(c, who)
				checks++
				for _, p := range headerProblems(c, h) {
					t.Errorf("%s %s as %s: %s", c.method, c.pattern, who, p)
				}
				if exp := f.fill(want[i], who); got != exp {
					t.Errorf("%s %s as %s: got %s, want %s", c.method, f.fill(orPattern(c), who), who, got, exp)
				}
				if who == "other" && !capabilityLinks[c.method+" "+c.pattern] {
					for _, s := range f.secrets {
						if s != "" && strings.Contains(body, s) {
							t.Errorf("%s %s as another organisation's admin shows %q of the first organisation", c.method, c.pattern, s)
						}
					}
				}
			}
			if d := time.Since(rowStart); d > time.Second || os.Getenv("ABRI_MATRIX_TIMES") != "" {
				t.Logf("%s %s took %s for %d principals", c.method, c.pattern, d.Round(time.Millisecond), len(principals))
			}
		}
		t.Logf("authorization matrix: %d routes × %d principals = %d checks", len(ordered), len(principals), checks)
	})
}

func orPattern(c check) string {
	if c.path != "" {
		return c.path
	}
	return c.pattern
}
