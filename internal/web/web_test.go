package web_test

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/logtest"
	"abri/internal/web"
)

const password = "correct horse battery"

// fixture is one organisation with an administrator, a coordinator and a
// warehouse volunteer in its first base (the administrator also holds a role
// in a second base), and a second organisation with its own administrator.
type fixture struct {
	d     *db.DB
	acc   *account.Service
	srv   *httptest.Server
	log   *logtest.Buffer
	org   account.Organisation
	base  account.Base
	base2 account.Base
	other account.Base // the second organisation's base
	admin, coord, wh,
	otherAdmin account.User
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, acc: account.New(d), log: &logtest.Buffer{}}
	var err error
	f.org, f.base, err = f.acc.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Calais warehouse")
	if err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(f.org.ID, f.base.ID)
	if f.base2, err = f.acc.CreateBase(ctx, sys, "Dunkirk kitchen"); err != nil {
		t.Fatal(err)
	}
	add := func(sys access.Actor, base int64, email, name string, role access.Role) account.User {
		u, err := f.acc.AddUser(ctx, sys, account.NewUser{Email: email, Name: name, Password: password, BaseID: base, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.admin = add(sys, f.base.ID, "ada@example.org", "Ada", access.Admin)
	if err := f.acc.SetRole(ctx, sys, f.admin.ID, f.base2.ID, access.Coordinator); err != nil {
		t.Fatal(err)
	}
	f.coord = add(sys, f.base.ID, "cleo@example.org", "Cleo", access.Coordinator)
	f.wh = add(sys, f.base.ID, "wim@example.org", "Wim", access.Warehouse)

	org2, b2, err := f.acc.CreateOrganisation(ctx, "dunkirk-help", "Dunkirk Help", "Grande-Synthe")
	if err != nil {
		t.Fatal(err)
	}
	f.other = b2
	f.otherAdmin = add(access.SystemActor(org2.ID, b2.ID), b2.ID, "olga@example.org", "Olga", access.Admin)

	h, err := web.New(web.Config{DB: d, Accounts: f.acc, Logger: slog.New(slog.NewTextHandler(f.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// client is one browser: its own cookies, no following of redirects.
type client struct {
	t  *testing.T
	f  *fixture
	hc *http.Client
}

func (f *fixture) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, f: f, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

// do sends a request; hdr are header name/value pairs.
func (c *client) do(method, path string, body io.Reader, hdr ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string, hdr ...string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, hdr...)
}

// post sends a form as a same-origin page of the browser would.
func (c *client) post(path string, form url.Values, hdr ...string) response {
	c.t.Helper()
	hdr = append([]string{"Origin", c.f.srv.URL, "Sec-Fetch-Site", "same-origin"}, hdr...)
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), hdr...)
}

func (c *client) login(email, pw string) response {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {pw}})
}

func (c *client) mustLogin(email string) {
	c.t.Helper()
	if r := c.login(email, password); r.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d", email, r.status)
	}
}

// signedIn tells whether the start page shows rather than sending to sign in.
func (c *client) signedIn() bool {
	c.t.Helper()
	r := c.get("/")
	return r.status == http.StatusOK
}

func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.f.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "abri_session" {
			return ck.Value
		}
	}
	return ""
}

func expectStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, r.body)
	}
}

func expectBody(t *testing.T, r response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("page does not contain %q:\n%s", w, r.body)
		}
	}
}

func expectNotBody(t *testing.T, r response, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(r.body, w) {
			t.Errorf("page contains %q but should not", w)
		}
	}
}

var alertRE = regexp.MustCompile(`<p class="error" role="alert"[^>]*>([^<]*)</p>`)

func alert(r response) string {
	m := alertRE.FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		if c.signedIn() {
			t.Fatal("signed in before signing in")
		}
		if r := c.get("/"); r.location() != "/login" {
			t.Errorf("signed-out start page sends to %q, want /login", r.location())
		}

		r := c.login("Cleo@Example.org ", password)
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/" {
			t.Errorf("after sign-in: Location %q, want /", r.location())
		}
		set := r.header.Get("Set-Cookie")
		for _, attr := range []string{"abri_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(set, attr) {
				t.Errorf("session cookie %q lacks %s", set, attr)
			}
		}
		if strings.Contains(set, "Secure") {
			t.Errorf("session cookie over plain http is Secure: %q", set)
		}
		home := c.get("/")
		expectStatus(t, home, http.StatusOK)
		expectBody(t, home, "Hello, Cleo", "Your role in Calais warehouse: Coordinator.", "Calais Aid", "Plan distributions")

		// A signed-in person asking for the sign-in page goes to the start.
		if r := c.get("/login"); r.status != http.StatusSeeOther {
			t.Errorf("sign-in page when signed in: status %d, want 303", r.status)
		}
	})
}

func TestLoginWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		wrong := c.login("cleo@example.org", "not the password")
		unknown := c.login("nobody@example.org", "not the password")
		expectStatus(t, wrong, http.StatusUnauthorized)
		expectStatus(t, unknown, http.StatusUnauthorized)
		if alert(wrong) == "" || alert(wrong) != alert(unknown) {
			t.Errorf("messages differ: wrong password %q, unknown user %q", alert(wrong), alert(unknown))
		}
		expectBody(t, wrong, "Wrong email or password.")
		if wrong.header.Get("Set-Cookie") != "" && strings.Contains(wrong.header.Get("Set-Cookie"), "abri_session=") {
			t.Error("a failed sign-in set a session cookie")
		}
		if c.signedIn() {
			t.Error("signed in after failures")
		}
	})
}

func TestLoginNextStaysOnThisSite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for next, want := range map[string]string{
			"/settings":             "/settings",
			"https://evil.example/": "/",
			"//evil.example/x":      "/",
			"/\\evil.example":       "/",
			"javascript:alert(1)":   "/",
		} {
			c := f.client(t)
			r := c.post("/login", url.Values{"email": {"cleo@example.org"}, "password": {password}, "next": {next}})
			if r.location() != want {
				t.Errorf("next=%q: sent to %q, want %q", next, r.location(), want)
			}
		}
		// A signed-out visit to a page comes back to it after signing in.
		c := f.client(t)
		r := c.get("/settings/tokens")
		if r.location() != "/login?next=%2Fsettings%2Ftokens" {
			t.Errorf("signed-out /settings/tokens sends to %q", r.location())
		}
		expectBody(t, c.get(r.location()), `name="next" value="/settings/tokens"`)
	})
}

func TestLoginThrottledAfterFiveFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		for i := 0; i < 5; i++ {
			expectStatus(t, c.login("cleo@example.org", "guess number "+strconv.Itoa(i)), http.StatusUnauthorized)
		}
		r := c.login("cleo@example.org", password) // even the right password
		expectStatus(t, r, http.StatusTooManyRequests)
		expectBody(t, r, "Too many failed sign-ins. Wait a minute and try again.")
		if r.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		if c.signedIn() {
			t.Error("signed in while throttled")
		}
	})
}

func TestLogoutEndsTheSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		token := c.sessionCookie()
		r := c.post("/logout", nil)
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/login" {
			t.Errorf("after sign-out: Location %q", r.location())
		}
		if c.signedIn() {
			t.Error("still signed in after sign-out")
		}
		if _, err := f.acc.SessionPrincipal(context.Background(), token); err == nil {
			t.Error("the old session still works on the server")
		}
		// The sign-in page says so, once.
		page := c.get("/login")
		expectBody(t, page, "You are signed out.")
		expectNotBody(t, c.get("/login"), "You are signed out.")
	})
}

func TestLogoutEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		phone, laptop, colleague := f.client(t), f.client(t), f.client(t)
		phone.mustLogin("cleo@example.org")
		laptop.mustLogin("cleo@example.org")
		colleague.mustLogin("wim@example.org")
		r := phone.post("/logout-everywhere", nil)
		expectStatus(t, r, http.StatusSeeOther)
		if phone.signedIn() || laptop.signedIn() {
			t.Error("a session survived signing out everywhere")
		}
		if !colleague.signedIn() {
			t.Error("another person's session ended")
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		here, elsewhere := f.client(t), f.client(t)
		here.mustLogin("cleo@example.org")
		elsewhere.mustLogin("cleo@example.org")
		const next = "a much longer new password"

		r := here.post("/settings/password", url.Values{"current": {"wrong current pw"}, "new": {next}, "new_again": {next}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "The current password is not right.")
		r = here.post("/settings/password", url.Values{"current": {password}, "new": {next}, "new_again": {next + "!"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "The two passwords are not the same.")
		r = here.post("/settings/password", url.Values{"current": {password}, "new": {"short"}, "new_again": {"short"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "at least 10 characters")
		if !elsewhere.signedIn() {
			t.Fatal("a refused change ended another session")
		}

		r = here.post("/settings/password", url.Values{"current": {password}, "new": {next}, "new_again": {next}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, here.get("/settings"), "Password changed.")
		if !here.signedIn() {
			t.Error("the session that changed the password ended")
		}
		if elsewhere.signedIn() {
			t.Error("another session survived the password change")
		}
		if r := f.client(t).login("cleo@example.org", password); r.status != http.StatusUnauthorized {
			t.Errorf("old password: status %d", r.status)
		}
		if r := f.client(t).login("cleo@example.org", next); r.status != http.StatusSeeOther {
			t.Errorf("new password: status %d", r.status)
		}
	})
}

func TestSettingsLanguageIsSaved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.post("/settings/language", url.Values{"lang": {"fr"}})
		expectStatus(t, r, http.StatusSeeOther)
		page := c.get("/settings", "Accept-Language", "en")
		expectBody(t, page, `<html lang="fr" dir="ltr">`, "Langue enregistrée.")
		u, err := f.acc.User(context.Background(), access.Actor{UserID: f.coord.ID, OrgID: f.org.ID}, f.coord.ID)
		if err != nil || u.Lang != "fr" {
			t.Errorf("saved language %q, %v", u.Lang, err)
		}
		expectStatus(t, c.post("/settings/language", url.Values{"lang": {"xx"}}), http.StatusBadRequest)
	})
}

func TestAdminPagesForbiddenToWarehouse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		home := c.get("/")
		expectBody(t, home, "Sort donations", `href="/stock/sort"`, "Scan a box", `href="/scan"`, `href="/stock/labels/blank"`)
		expectNotBody(t, home, `href="/admin/users"`)

		r := c.get("/admin/users")
		expectStatus(t, r, http.StatusForbidden)
		expectBody(t, r, "Your role does not allow this.")
		expectStatus(t, c.get("/admin/users/"+strconv.FormatInt(f.coord.ID, 10)), http.StatusForbidden)
		expectStatus(t, c.get("/admin/users/"+strconv.FormatInt(f.wh.ID, 10)), http.StatusForbidden)

		before := countUsers(t, f)
		r = c.post("/admin/users", url.Values{"email": {"new@example.org"}, "name": {"New"},
			"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {"admin"}})
		expectStatus(t, r, http.StatusForbidden)
		r = c.post("/admin/users/"+strconv.FormatInt(f.wh.ID, 10)+"/role", url.Values{"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {"admin"}})
		expectStatus(t, r, http.StatusForbidden)
		expectStatus(t, c.post("/admin/users/"+strconv.FormatInt(f.coord.ID, 10)+"/disable", nil), http.StatusForbidden)
		if countUsers(t, f) != before {
			t.Error("a forbidden invitation created a user")
		}
		if !f.client(t).loginOK("cleo@example.org") {
			t.Error("a forbidden disable took effect")
		}
		if r := c.get("/"); !strings.Contains(r.body, "Your role in Calais warehouse: Warehouse.") {
			t.Error("a forbidden role change took effect")
		}

		// The administrator sees the link.
		a := f.client(t)
		a.mustLogin("ada@example.org")
		expectBody(t, a.get("/"), `href="/admin/users"`, "Users and roles")
		expectStatus(t, a.get("/admin/users"), http.StatusOK)
	})
}

func (c *client) loginOK(email string) bool {
	c.t.Helper()
	return c.login(email, password).status == http.StatusSeeOther
}

func countUsers(t *testing.T, f *fixture) int {
	t.Helper()
	us, err := f.acc.Users(context.Background(), access.SystemActor(f.org.ID, f.base.ID))
	if err != nil {
		t.Fatal(err)
	}
	return len(us)
}

func TestAdminAnotherOrganisationsUserIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("ada@example.org")
		other := "/admin/users/" + strconv.FormatInt(f.otherAdmin.ID, 10)

		expectStatus(t, c.get(other), http.StatusNotFound)
		expectStatus(t, c.post(other+"/disable", nil), http.StatusNotFound)
		expectStatus(t, c.post(other+"/enable", nil), http.StatusNotFound)
		expectStatus(t, c.post(other+"/role", url.Values{"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {"viewer"}}), http.StatusNotFound)
		// Nor may a role be given in another organisation's base.
		mine := "/admin/users/" + strconv.FormatInt(f.wh.ID, 10)
		expectStatus(t, c.post(mine+"/role", url.Values{"base": {strconv.FormatInt(f.other.ID, 10)}, "role": {"viewer"}}), http.StatusNotFound)
		expectStatus(t, c.get("/admin/users/999999"), http.StatusNotFound)
		expectStatus(t, c.get("/admin/users/abc"), http.StatusNotFound)

		list := c.get("/admin/users")
		expectBody(t, list, "Cleo", "Wim")
		expectNotBody(t, list, "Olga", "olga@example.org")
		if !f.client(t).loginOK("olga@example.org") {
			t.Error("the other organisation's administrator was changed")
		}
	})
}

var linkRE = regexp.MustCompile(`(http://[^<"]+/invite/[A-Za-z0-9_-]+)`)

func TestInviteAUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		admin := f.client(t)
		admin.mustLogin("ada@example.org")
		form := url.Values{"email": {"nadia@example.org"}, "name": {"Nadia"},
			"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {"observer"}}

		bad := url.Values{"email": {"not an email"}, "name": {"Nadia"}, "base": form["base"], "role": {"observer"}}
		before := countUsers(t, f)
		r := admin.post("/admin/users", bad)
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "That does not look like an email address.", `value="Nadia"`)
		if countUsers(t, f) != before {
			t.Fatal("a refused invitation created a user")
		}

		r = admin.post("/admin/users", form)
		expectStatus(t, r, http.StatusOK)
		m := linkRE.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no invitation link on the page:\n%s", r.body)
		}
		link := strings.TrimPrefix(m[1], f.srv.URL)
		if strings.Contains(admin.get("/admin/users").body, link) {
			t.Error("the invitation link is shown again")
		}
		expectStatus(t, admin.post("/admin/users", form), http.StatusConflict)

		guest := f.client(t)
		page := guest.get(link)
		expectStatus(t, page, http.StatusOK)
		expectBody(t, page, "Welcome, Nadia.")
		r = guest.post(link, url.Values{"password": {"a fine password"}, "password_again": {"a fine passw0rd"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "The two passwords are not the same.")
		r = guest.post(link, url.Values{"password": {"a fine password"}, "password_again": {"a fine password"}})
		expectStatus(t, r, http.StatusSeeOther)
		home := guest.get("/")
		expectStatus(t, home, http.StatusOK)
		expectBody(t, home, "Welcome to abri.", "Log an eviction")

		used := f.client(t).get(link)
		expectStatus(t, used, http.StatusNotFound)
		expectBody(t, used, "This invitation link is not valid any more.")
		expectStatus(t, f.client(t).get("/invite/made-up-secret"), http.StatusNotFound)
	})
}

func TestAdminSetsRolesAndDisables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		admin, wim := f.client(t), f.client(t)
		admin.mustLogin("ada@example.org")
		wim.mustLogin("wim@example.org")
		path := "/admin/users/" + strconv.FormatInt(f.wh.ID, 10)

		page := admin.get(path)
		expectStatus(t, page, http.StatusOK)
		expectBody(t, page, "Wim", "wim@example.org", "Dunkirk kitchen")

		r := admin.post(path+"/role", url.Values{"base": {strconv.FormatInt(f.base2.ID, 10)}, "role": {"distribution"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, admin.get("/admin/users"), "Dunkirk kitchen</bdi>: Distribution")
		expectStatus(t, admin.post(path+"/role", url.Values{"base": {strconv.FormatInt(f.base2.ID, 10)}, "role": {"king"}}), http.StatusBadRequest)

		// An administrator cannot take away their own role by mistake.
		self := "/admin/users/" + strconv.FormatInt(f.admin.ID, 10)
		r = admin.post(self+"/role", url.Values{"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {"viewer"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "You cannot take away your own administrator role here.")

		expectStatus(t, admin.post(path+"/disable", nil), http.StatusSeeOther)
		if wim.signedIn() {
			t.Error("a disabled user's session still works")
		}
		if f.client(t).loginOK("wim@example.org") {
			t.Error("a disabled user signed in")
		}
		expectStatus(t, admin.post(path+"/enable", nil), http.StatusSeeOther)
		if !f.client(t).loginOK("wim@example.org") {
			t.Error("an enabled user cannot sign in")
		}
	})
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		const next = "an attacker's password"
		change := url.Values{"current": {password}, "new": {next}, "new_again": {next}}

		r := c.do(http.MethodPost, "/logout", strings.NewReader(""), "Sec-Fetch-Site", "cross-site")
		expectStatus(t, r, http.StatusForbidden)
		expectBody(t, r, "This form was sent from another site and was refused.", "<html")
		r = c.do(http.MethodPost, "/settings/password", strings.NewReader(change.Encode()), "Origin", "https://evil.example")
		expectStatus(t, r, http.StatusForbidden)
		r = c.do(http.MethodPost, "/logout-everywhere", strings.NewReader(""), "Sec-Fetch-Site", "cross-site", "Accept-Language", "fr")
		expectStatus(t, r, http.StatusForbidden)
		expectBody(t, r, `lang="fr"`)

		if !c.signedIn() {
			t.Error("a refused post signed the person out")
		}
		if !f.client(t).loginOK("cleo@example.org") {
			t.Error("a refused post changed the password")
		}
		// A refused sign-in sets no cookie.
		g := f.client(t)
		r = g.do(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"cleo@example.org"}, "password": {password}}.Encode()),
			"Sec-Fetch-Site", "cross-site")
		expectStatus(t, r, http.StatusForbidden)
		if g.sessionCookie() != "" {
			t.Error("a cross-site sign-in set a session")
		}
	})
}

// bigReader is a body of unknown length, so the client sends it chunked.
type bigReader struct{ n int }

func (b *bigReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	k := min(len(p), b.n)
	for i := range p[:k] {
		p[i] = 'a'
	}
	b.n -= k
	return k, nil
}

func TestBodyOverTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		big := "email=cleo%40example.org&password=" + strings.Repeat("a", 2<<20)
		r := c.do(http.MethodPost, "/login", strings.NewReader(big))
		expectStatus(t, r, http.StatusRequestEntityTooLarge)
		expectBody(t, r, "What you sent is too large.")

		const next = "a brand new password"
		r = c.do(http.MethodPost, "/settings/password", io.MultiReader(
			strings.NewReader(url.Values{"current": {password}, "new": {next}, "new_again": {next}}.Encode()+"&x="),
			&bigReader{n: 2 << 20}))
		expectStatus(t, r, http.StatusRequestEntityTooLarge)
		if !f.client(t).loginOK("cleo@example.org") {
			t.Error("an over-long post changed the password")
		}
	})
}

func TestLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)

		fr := c.get("/login", "Accept-Language", "de-DE, fr;q=0.8, en;q=0.5")
		expectBody(t, fr, `<html lang="fr" dir="ltr">`, "Connexion", "Mot de passe")
		ar := c.get("/login", "Accept-Language", "ar")
		expectBody(t, ar, `<html lang="ar" dir="rtl">`, "تسجيل الدخول")
		expectBody(t, c.get("/login", "Accept-Language", "de"), `<html lang="en" dir="ltr">`, "Sign in")

		if r := c.get("/lang?l=fr&next=https://evil.example/"); r.location() != "/" {
			t.Errorf("language link with a foreign next sends to %q", r.location())
		}

		// The lang cookie beats the browser.
		r := c.get("/lang?l=ar&next=/login")
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/login" {
			t.Errorf("language link sends to %q", r.location())
		}
		expectBody(t, c.get("/login", "Accept-Language", "fr"), `dir="rtl"`)
		expectStatus(t, c.get("/lang?l=xx"), http.StatusBadRequest)

		// The person's own setting beats the cookie. The menu (a post) saves it.
		c.mustLogin("cleo@example.org")
		expectBody(t, c.get("/", "Accept-Language", "fr"), `dir="rtl"`, "مرحبًا")
		r = c.post("/lang", url.Values{"l": {"fr"}, "next": {"/settings"}})
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/settings" {
			t.Errorf("language menu sends to %q", r.location())
		}
		u, _ := f.acc.User(context.Background(), access.Actor{UserID: f.coord.ID, OrgID: f.org.ID}, f.coord.ID)
		if u.Lang != "fr" {
			t.Errorf("the menu saved %q, want fr", u.Lang)
		}
		u2, _ := url.Parse(f.srv.URL)
		c.hc.Jar.SetCookies(u2, []*http.Cookie{{Name: "lang", Value: "ar", Path: "/"}})
		expectBody(t, c.get("/", "Accept-Language", "en"), `<html lang="fr" dir="ltr">`, "Bonjour, Cleo")
	})
}

func TestSecurityHeaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		want := map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
			"Cache-Control":           "no-store",
		}
		pages := map[string]response{"/login": c.get("/login"), "/missing": c.get("/missing")}
		c.mustLogin("ada@example.org")
		for _, p := range []string{"/", "/settings", "/settings/tokens", "/admin/users", "/admin/users/" + strconv.FormatInt(f.wh.ID, 10)} {
			pages[p] = c.get(p)
		}
		for p, r := range pages {
			for h, v := range want {
				if got := r.header.Get(h); got != v {
					t.Errorf("%s: %s = %q, want %q", p, h, got, v)
				}
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
			// The policy forbids inline script and style; none are written.
			// A script is a file of its own (src=), never inline.
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(r.body, -1) {
				if !strings.Contains(tag, ` src="/static/`) {
					t.Errorf("%s: inline script %s", p, tag)
				}
			}
			for _, bad := range []string{"style=", "<style", " on"} {
				if bad == " on" {
					if regexp.MustCompile(`\son[a-z]+=`).MatchString(r.body) {
						t.Errorf("%s: inline event handler", p)
					}
					continue
				}
				if strings.Contains(r.body, bad) {
					t.Errorf("%s: contains %q", p, bad)
				}
			}
			expectBody(t, r, `<a class="skip" href="#main">`, `<main id="main"`)
		}
	})
}

var cssRE = regexp.MustCompile(`href="(/static/([0-9a-f]+)/app\.css)"`)

func TestStaticFilesAreHashedAndCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		m := cssRE.FindStringSubmatch(c.get("/login").body)
		if m == nil {
			t.Fatal("no stylesheet link on the sign-in page")
		}
		r := c.get(m[1])
		expectStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q", cc)
		}
		// What a phone downloads is the compressed stylesheet.
		gz := c.get(m[1], "Accept-Encoding", "gzip")
		if gz.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("stylesheet not sent compressed: %v", gz.header)
		}
		zr, err := gzip.NewReader(strings.NewReader(gz.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != r.body {
			t.Error("the compressed stylesheet is not the stylesheet")
		}
		if len(gz.body) > 8<<10 {
			t.Errorf("the stylesheet weighs %d bytes compressed", len(gz.body))
		}
		if strings.Contains(r.body, "margin-left") || strings.Contains(r.body, "padding-right") || strings.Contains(r.body, "text-align: right") {
			t.Error("the stylesheet uses physical left/right properties; use logical ones")
		}
		expectStatus(t, c.get("/static/000000000000/app.css"), http.StatusNotFound)
		expectStatus(t, c.get("/static/"+m[2]+"/nothing.css"), http.StatusNotFound)
	})
}

func TestUnknownRouteIsAnHTMLPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		for _, p := range []string{"/no/such/page", "/logout", "/admin"} {
			r := c.get(p, "Accept-Language", "fr")
			expectStatus(t, r, http.StatusNotFound)
			expectBody(t, r, "<!doctype html>", "Page introuvable")
		}
	})
}

func TestInternalErrorShowsASafePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		d.Close() // the database goes away
		r := c.get("/")
		expectStatus(t, r, http.StatusInternalServerError)
		expectBody(t, r, "Something went wrong on our side.")
		expectNotBody(t, r, "sql", "database is closed", "cleo@example.org")
		logs := f.log.String()
		if !strings.Contains(logs, "internal error") {
			t.Errorf("the error was not logged: %q", logs)
		}
		if strings.Contains(logs, "cleo@example.org") || strings.Contains(logs, c.sessionCookie()) {
			t.Errorf("the log holds personal data or a secret: %q", logs)
		}
	})
}

var secretRE = regexp.MustCompile(`abri_[A-Za-z0-9_-]{20,}`)

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		ctx := context.Background()

		r := c.post("/settings/tokens", url.Values{"name": {"  "}, "password": {password}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "A name is required.", `id="token-name-error"`)

		// The password is asked again; a wrong or missing one is refused at
		// its field, the name kept, no token made.
		for _, bad := range []string{"", "not my password"} {
			r = c.post("/settings/tokens", url.Values{"name": {"Stock sheet"}, "password": {bad}})
			expectStatus(t, r, http.StatusBadRequest)
			expectBody(t, r, `<p class="error" role="alert" id="token-password-error">The current password is not right.</p>`,
				`aria-invalid="true"`, `value="Stock sheet"`)
			expectNotBody(t, r, "it will not be shown again")
		}
		if ts, _ := f.acc.Tokens(ctx, access.Actor{UserID: f.coord.ID, OrgID: f.org.ID}); len(ts) != 0 {
			t.Fatalf("a refused form made tokens: %+v", ts)
		}

		r = c.post("/settings/tokens", url.Values{"name": {"Stock sheet"}, "password": {password}})
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "it will not be shown again")
		secret := secretRE.FindString(r.body)
		if secret == "" {
			t.Fatalf("no token on the page:\n%s", r.body)
		}
		p, err := f.acc.TokenPrincipal(ctx, secret)
		if err != nil || p.User.ID != f.coord.ID {
			t.Fatalf("the token shown does not work: %v", err)
		}
		list := c.get("/settings/tokens")
		expectBody(t, list, "Stock sheet", secret[:11])
		expectNotBody(t, list, secret)

		ts, _ := f.acc.Tokens(ctx, p.Actor)
		revoke := "/settings/tokens/" + strconv.FormatInt(ts[0].ID, 10) + "/revoke"
		// Someone else cannot revoke it.
		other := f.client(t)
		other.mustLogin("wim@example.org")
		expectStatus(t, other.post(revoke, nil), http.StatusNotFound)
		if _, err := f.acc.TokenPrincipal(ctx, secret); err != nil {
			t.Fatal("another person revoked the token")
		}
		expectStatus(t, c.post(revoke, nil), http.StatusSeeOther)
		expectBody(t, c.get("/settings/tokens"), "Token revoked", "Revoked")
		if _, err := f.acc.TokenPrincipal(ctx, secret); err == nil {
			t.Error("a revoked token still works")
		}
		expectStatus(t, c.post(revoke, nil), http.StatusNotFound)
	})
}

// Every way the screens end the account's trust revokes its API tokens, and
// the screens say so beforehand.
func TestScreensRevokeTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		expectBody(t, c.get("/settings"), "your API tokens revoked", "revokes every API token of yours")
		expectBody(t, c.get("/settings/tokens"), "A token stops working when you revoke it, change your password or sign out everywhere")
		mint := func(c *client) string {
			t.Helper()
			r := c.post("/settings/tokens", url.Values{"name": {"phone"}, "password": {password}})
			expectStatus(t, r, http.StatusOK)
			secret := secretRE.FindString(r.body)
			if _, err := f.acc.TokenPrincipal(ctx, secret); err != nil {
				t.Fatalf("new token: %v", err)
			}
			return secret
		}
		revoked := func(what, secret string) {
			t.Helper()
			if _, err := f.acc.TokenPrincipal(ctx, secret); err == nil {
				t.Errorf("the token still works after %s", what)
			}
		}

		tok := mint(c)
		const next = "a much longer new password"
		r := c.post("/settings/password", url.Values{"current": {password}, "new": {next}, "new_again": {next}})
		expectStatus(t, r, http.StatusSeeOther)
		revoked("a password change", tok)
		expectBody(t, c.get("/settings"), "Your other sessions have been signed out and your API tokens revoked.")

		r = c.post("/settings/tokens", url.Values{"name": {"phone"}, "password": {next}})
		tok = secretRE.FindString(r.body)
		expectStatus(t, c.post("/logout-everywhere", nil), http.StatusSeeOther)
		revoked("signing out everywhere", tok)

		admin := f.client(t)
		admin.mustLogin("ada@example.org")
		user := "/admin/users/" + strconv.FormatInt(f.wh.ID, 10)
		expectBody(t, admin.get(user), "revokes their API tokens there", "its API tokens stop working at once")
		w := f.client(t)
		w.mustLogin("wim@example.org")
		tok = mint(w)
		expectStatus(t, admin.post(user+"/disable", nil), http.StatusSeeOther)
		revoked("the user was disabled", tok)
		expectStatus(t, admin.post(user+"/enable", nil), http.StatusSeeOther)
		revoked("the user was enabled again", tok)

		w = f.client(t)
		w.mustLogin("wim@example.org")
		tok = mint(w)
		r = admin.post(user+"/role", url.Values{"base": {strconv.FormatInt(f.base.ID, 10)}, "role": {""}})
		expectStatus(t, r, http.StatusSeeOther)
		revoked("the last role was removed", tok)
	})
}

func TestSwitchBase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.client(t)
		c.mustLogin("ada@example.org")
		home := c.get("/")
		expectBody(t, home, `action="/base"`, "Dunkirk kitchen")
		r := c.post("/base", url.Values{"base": {strconv.FormatInt(f.base2.ID, 10)}})
		expectStatus(t, r, http.StatusSeeOther)
		home = c.get("/")
		expectBody(t, home, "Your role in Dunkirk kitchen: Coordinator.", "Base changed.")
		expectNotBody(t, home, `href="/admin/users"`) // a coordinator there
		expectStatus(t, c.post("/base", url.Values{"base": {strconv.FormatInt(f.other.ID, 10)}}), http.StatusNotFound)
		expectStatus(t, c.post("/base", url.Values{"base": {"x"}}), http.StatusBadRequest)

		// Someone with one base sees no switcher.
		w := f.client(t)
		w.mustLogin("wim@example.org")
		expectNotBody(t, w.get("/"), `action="/base"`)
	})
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	d := dbtest.SQLite(t)
	acc := account.New(d)
	org, base, err := acc.CreateOrganisation(context.Background(), "calais-aid", "Calais Aid", "Calais warehouse")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.AddUser(context.Background(), access.SystemActor(org.ID, base.ID), account.NewUser{
		Email: "cleo@example.org", Name: "Cleo", Password: password, BaseID: base.ID, Role: access.Coordinator}); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{DB: d, Accounts: acc, BaseURL: "https://abri.example.org/", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("email=cleo%40example.org&password="+url.QueryEscape(password)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d", rec.Code)
	}
	if set := rec.Header().Get("Set-Cookie"); !strings.Contains(set, "Secure") {
		t.Errorf("session cookie %q is not Secure behind https", set)
	}
}
