package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/api"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/logtest"
)

// fixture is one organisation with a coordinator who holds an API token.
type fixture struct {
	h     http.Handler
	acc   *account.Service
	logs  *logtest.Buffer
	org   account.Organisation
	base  account.Base
	user  account.User
	actor access.Actor
	token string
}

func setup(t testing.TB, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{acc: account.New(d), logs: &logtest.Buffer{}}
	var err error
	f.org, f.base, err = f.acc.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Warehouse")
	if err != nil {
		t.Fatal(err)
	}
	f.user, err = f.acc.AddUser(ctx, access.SystemActor(f.org.ID, f.base.ID), account.NewUser{
		Email: "sam@example.org", Name: "Sam", Lang: "fr", BaseID: f.base.ID, Role: access.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	f.actor = access.Actor{UserID: f.user.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
	if f.token, _, err = f.acc.IssueToken(ctx, f.actor, "phone"); err != nil {
		t.Fatal(err)
	}
	f.h, err = api.New(api.Config{DB: d, Accounts: f.acc, Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// call sends one request through the API handler.
func call(h http.Handler, method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, body)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// checkHeaders checks what every API answer must carry.
func checkHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Type": "application/json", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// wantError checks an error answer: its status, its code, the shape of the
// body ({"error":{"code","message","field"}} and nothing else) and the
// headers.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) string {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	checkHeaders(t, w)
	var body map[string]map[string]string
	dec := json.NewDecoder(w.Body)
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body is not JSON: %v", err)
	}
	e, ok := body["error"]
	if _, field := e["field"]; len(body) != 1 || !ok || len(e) != 3 || !field {
		t.Fatalf("error body has the wrong shape: %v", body)
	}
	if e["code"] != code {
		t.Errorf("code %q, want %q", e["code"], code)
	}
	if e["message"] == "" || strings.HasPrefix(e["message"], "api.") || strings.HasPrefix(e["message"], "error.") {
		t.Errorf("message %q is not a translated sentence", e["message"])
	}
	return e["message"]
}

type meBody struct {
	User struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
		Lang  string `json:"lang"`
	} `json:"user"`
	Organisation struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"organisation"`
	Base struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"base"`
	Role string `json:"role"`
}

func decodeMe(t *testing.T, w *httptest.ResponseRecorder) meBody {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	checkHeaders(t, w)
	var m meBody
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode /me: %v; body %s", err, w.Body)
	}
	return m
}

func TestMe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		m := decodeMe(t, call(f.h, "GET", "/api/v1/me", f.token, nil))
		if m.User.ID != f.user.ID || m.User.Email != "sam@example.org" || m.User.Name != "Sam" || m.User.Lang != "fr" {
			t.Errorf("user = %+v", m.User)
		}
		if m.Organisation.ID != f.org.ID || m.Organisation.Name != "Calais Aid" {
			t.Errorf("organisation = %+v", m.Organisation)
		}
		if m.Base.ID != f.base.ID || m.Base.Name != "Warehouse" || m.Role != "coordinator" {
			t.Errorf("base = %+v, role %q", m.Base, m.Role)
		}

		// The scheme is case-insensitive (RFC 7235).
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set("Authorization", "bearer "+f.token)
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		decodeMe(t, w)

		// Another organisation's token sees only its own organisation.
		ctx := context.Background()
		org2, base2, err := f.acc.CreateOrganisation(ctx, "dunkirk-aid", "Dunkirk Aid", "Kitchen")
		if err != nil {
			t.Fatal(err)
		}
		u2, err := f.acc.AddUser(ctx, access.SystemActor(org2.ID, base2.ID), account.NewUser{
			Email: "ali@example.org", Name: "Ali", BaseID: base2.ID, Role: access.Admin})
		if err != nil {
			t.Fatal(err)
		}
		tok2, _, err := f.acc.IssueToken(ctx, access.Actor{UserID: u2.ID, OrgID: org2.ID, BaseID: base2.ID, Role: access.Admin}, "laptop")
		if err != nil {
			t.Fatal(err)
		}
		m2 := decodeMe(t, call(f.h, "GET", "/api/v1/me", tok2, nil))
		if m2.User.ID != u2.ID || m2.Organisation.ID != org2.ID || m2.Base.ID != base2.ID || m2.Role != "admin" || m2.User.Lang != "" {
			t.Errorf("second organisation's /me = %+v", m2)
		}
	})
}

func TestUnauthorized(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		check := func(name string, r *http.Request) {
			t.Helper()
			w := httptest.NewRecorder()
			f.h.ServeHTTP(w, r)
			t.Run(name, func(t *testing.T) {
				wantError(t, w, http.StatusUnauthorized, "unauthorized")
				if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			})
		}
		get := func(auth string) *http.Request {
			r := httptest.NewRequest("GET", "/api/v1/me", nil)
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			return r
		}
		check("no token", get(""))
		check("basic auth", get("Basic c2FtOnNlY3JldA=="))
		check("empty bearer", get("Bearer "))
		check("unknown token", get("Bearer abri_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		check("not a token", get("Bearer "+strings.Repeat("x", 5000)))
		// A body is not read before the caller is known.
		r := httptest.NewRequest("PATCH", "/api/v1/me", strings.NewReader(`{"lang":"ar"}`))
		check("patch without token", r)

		// A revoked token.
		tokens, err := f.acc.Tokens(ctx, f.actor)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("tokens: %v %v", tokens, err)
		}
		decodeMe(t, call(f.h, "GET", "/api/v1/me", f.token, nil)) // signed in: the sign-in is cached
		if err := f.acc.RevokeToken(ctx, f.actor, tokens[0].ID); err != nil {
			t.Fatal(err)
		}
		check("revoked token", get("Bearer "+f.token))

		// A token of a user who was then disabled.
		admin := access.SystemActor(f.org.ID, f.base.ID)
		u, err := f.acc.AddUser(ctx, admin, account.NewUser{Email: "kim@example.org", Name: "Kim", BaseID: f.base.ID, Role: access.Warehouse})
		if err != nil {
			t.Fatal(err)
		}
		kim := access.Actor{UserID: u.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Warehouse}
		tok, _, err := f.acc.IssueToken(ctx, kim, "phone")
		if err != nil {
			t.Fatal(err)
		}
		decodeMe(t, call(f.h, "GET", "/api/v1/me", tok, nil))
		if err := f.acc.SetDisabled(ctx, admin, u.ID, true); err != nil {
			t.Fatal(err)
		}
		check("disabled user", get("Bearer "+tok))

		// A token of a user who lost their role in the token's base.
		u3, err := f.acc.AddUser(ctx, admin, account.NewUser{Email: "lou@example.org", Name: "Lou", BaseID: f.base.ID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		tok3, _, err := f.acc.IssueToken(ctx, access.Actor{UserID: u3.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Viewer}, "phone")
		if err != nil {
			t.Fatal(err)
		}
		decodeMe(t, call(f.h, "GET", "/api/v1/me", tok3, nil))
		// A changed role is the next request's role.
		if err := f.acc.SetRole(ctx, admin, u3.ID, f.base.ID, access.Observer); err != nil {
			t.Fatal(err)
		}
		if m := decodeMe(t, call(f.h, "GET", "/api/v1/me", tok3, nil)); m.Role != "observer" {
			t.Errorf("after a role change /me says role %q", m.Role)
		}
		if err := f.acc.SetRole(ctx, admin, u3.ID, f.base.ID, ""); err != nil {
			t.Fatal(err)
		}
		check("role removed", get("Bearer "+tok3))

		if strings.Contains(f.logs.String(), "abri_") {
			t.Errorf("a token reached the log: %s", f.logs)
		}
	})
}

func TestUnknownRouteAndMethod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, tc := range []struct{ method, path, token string }{
			{"GET", "/api/v1/nothing", f.token},
			{"GET", "/api/v1/nothing", ""},
			{"GET", "/api/v2/me", f.token},
			{"POST", "/api/", ""},
			{"GET", "/api/v1/me/extra", f.token},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				wantError(t, call(f.h, tc.method, tc.path, tc.token, nil), http.StatusNotFound, "not_found")
			})
		}
		w := call(f.h, "DELETE", "/api/v1/me", f.token, nil)
		wantError(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
		if got := w.Header().Get("Allow"); got != "GET, HEAD, PATCH" {
			t.Errorf("Allow = %q", got)
		}
		w = call(f.h, "POST", "/api/v1/openapi.json", "", nil)
		wantError(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
	})
}

func TestUpdateMe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		lang := func() string {
			t.Helper()
			return decodeMe(t, call(f.h, "GET", "/api/v1/me", f.token, nil)).User.Lang
		}
		m := decodeMe(t, call(f.h, "PATCH", "/api/v1/me", f.token, strings.NewReader(`{"lang":"ar"}`)))
		if m.User.Lang != "ar" || m.User.ID != f.user.ID {
			t.Fatalf("PATCH answered %+v", m)
		}
		if got := lang(); got != "ar" {
			t.Fatalf("lang after PATCH = %q, want ar", got)
		}
		// Leaving the field out changes nothing.
		if m := decodeMe(t, call(f.h, "PATCH", "/api/v1/me", f.token, strings.NewReader(`{}`))); m.User.Lang != "ar" {
			t.Errorf("empty PATCH changed lang to %q", m.User.Lang)
		}

		bad := []struct {
			name, body, code, inMessage string
			status                      int
		}{
			{"unknown language", `{"lang":"xx"}`, "invalid", "", 400},
			{"unknown field", `{"lang":"en","colour":"red"}`, "invalid", `"colour"`, 400},
			{"wrong type", `{"lang":5}`, "invalid", `"lang"`, 400},
			{"not an object", `["en"]`, "invalid", "object", 400},
			{"malformed", `{"lang":"en"`, "invalid", "JSON", 400},
			{"syntax error", `{"lang" "en"}`, "invalid", "JSON", 400},
			{"two values", `{"lang":"en"} {"lang":"fr"}`, "invalid", "single", 400},
			{"empty body", ``, "invalid", "empty", 400},
			{"over 1 MiB", `{"lang":"` + strings.Repeat("a", api.MaxBody) + `"}`, "too_large", "1 MiB", 413},
			{"over 1 MiB after the value", `{"lang":"en"}` + strings.Repeat(" ", api.MaxBody), "too_large", "", 413},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				msg := wantError(t, call(f.h, "PATCH", "/api/v1/me", f.token, strings.NewReader(tc.body)), tc.status, tc.code)
				if !strings.Contains(msg, tc.inMessage) {
					t.Errorf("message %q does not mention %q", msg, tc.inMessage)
				}
			})
		}
		// Over the limit without a Content-Length: read until the limit, then refused.
		r := httptest.NewRequest("PATCH", "/api/v1/me", io.MultiReader(strings.NewReader(`{"lang":"`), strings.NewReader(strings.Repeat("a", 2*api.MaxBody))))
		r.ContentLength = -1
		r.Header.Set("Authorization", "Bearer "+f.token)
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		wantError(t, w, http.StatusRequestEntityTooLarge, "too_large")

		if got := lang(); got != "ar" {
			t.Errorf("a refused request changed lang to %q", got)
		}
	})
}

func TestInternalErrorIsGenericAndLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		d.Close() // every query now fails
		msg := wantError(t, call(f.h, "GET", "/api/v1/me", f.token, nil), http.StatusInternalServerError, "internal")
		if strings.Contains(msg, "database") || strings.Contains(msg, "sql") {
			t.Errorf("the internal cause reached the client: %q", msg)
		}
		logs := f.logs.String()
		if !strings.Contains(logs, "api: internal error") || !strings.Contains(logs, "/api/v1/me") {
			t.Errorf("internal error not logged: %s", logs)
		}
		if strings.Contains(logs, f.token) || strings.Contains(logs, "sam@example.org") {
			t.Errorf("personal data in the log: %s", logs)
		}
	})
}
