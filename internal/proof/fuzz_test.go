package proof_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/dbtest"
	"abri/internal/i18n"
	"abri/internal/server"
)

// Fuzz targets for what arrives from outside: form posts, JSON bodies and
// the Accept-Language header. Whatever the bytes, the answer is never a
// 500 and nothing panics (a handler's panic would come back as a 500 from
// the server's recoverer). .ci/fuzz runs every Fuzz target in the module for
// a bounded time; the seeds below and in testdata/fuzz run with every go test.

// fuzzSite is the whole server in this process on a fresh SQLite database,
// with an administrator's session cookie and API token.
type fuzzSite struct {
	h       http.Handler
	session string
	token   string
	base    int64
}

func newFuzzSite(f *testing.F) *fuzzSite {
	d := dbtest.SQLite(f)
	ctx := context.Background()
	acc := account.New(d)
	o, b, err := acc.CreateOrganisation(ctx, "fuzz-group", "Fuzz Group", "Warehouse")
	if err != nil {
		f.Fatal(err)
	}
	u, err := acc.AddUser(ctx, access.SystemActor(o.ID, b.ID), account.NewUser{
		Email: "admin@fuzz.example", Name: "Admin", Password: adminPassword, BaseID: b.ID, Role: access.Admin,
	})
	if err != nil {
		f.Fatal(err)
	}
	sess, err := acc.Login(ctx, u.Email, adminPassword, "192.0.2.1")
	if err != nil {
		f.Fatal(err)
	}
	secret, _, err := acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: o.ID, BaseID: b.ID, Role: access.Admin}, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: d, Accounts: acc, BaseURL: "http://abri.test", Version: "fuzz",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzSite{h: srv.Handler(), session: sess.Token, token: secret, base: b.ID}
}

// post sends body to path and fails on a 500 (or worse).
func (s *fuzzSite) post(t *testing.T, method, path, contentType string, body []byte, remote string, signedIn bool) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(string(body)))
	r.Header.Set("Content-Type", contentType)
	r.RemoteAddr = remote
	if signedIn {
		r.AddCookie(&http.Cookie{Name: "abri_session", Value: s.session})
		r.Header.Set("Authorization", "Bearer "+s.token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	if w.Code >= 500 || w.Code < 200 {
		t.Fatalf("%s %s with body %q: %d %s", method, path, body, w.Code, w.Body)
	}
}

// remoteFor spreads the fuzzer's sign-ins over many client addresses, so the
// per-address throttle does not turn every input after the thirtieth into the
// same 429.
func remoteFor(b []byte) string {
	var n uint32
	for _, c := range b {
		n = n*31 + uint32(c)
	}
	return fmt.Sprintf("10.%d.%d.%d:1234", n>>16&255, n>>8&255, n&255)
}

func FuzzLoginForm(f *testing.F) {
	s := newFuzzSite(f)
	for _, seed := range []string{
		"email=admin%40fuzz.example&password=a+long+enough+admin+password&next=%2Fsettings",
		"email=admin%40fuzz.example&password=wrong",
		"email=&password=",
		"email=%ZZ&password=%",
		"email=a@b&email=c@d&password=x&next=//evil.example",
		"next=%2F%2F%5Cevil&email=" + strings.Repeat("a", 300),
		"\x00\xff=\xfe",
		";;;&&&===",
	} {
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, signedIn bool) {
		s.post(t, "POST", "/login", "application/x-www-form-urlencoded", body, remoteFor(body), signedIn)
	})
}

func FuzzInviteForm(f *testing.F) {
	s := newFuzzSite(f)
	base := fmt.Sprint(s.base)
	for _, seed := range []string{
		"email=new%40fuzz.example&name=New+Volunteer&base=" + base + "&role=warehouse",
		"email=new%40fuzz.example&name=New&base=" + base + "&role=emperor",
		"email=not-an-email&name=&base=0&role=",
		"email=x%40y.z&name=" + strings.Repeat("%E2%80%AE", 50) + "&base=-1&role=admin",
		"email=x%40y.z&name=N&base=99999999999999999999&role=viewer",
		"base=" + base + "&base=" + base + "&role=viewer&role=admin",
		"%",
	} {
		f.Add([]byte(seed), "application/x-www-form-urlencoded")
	}
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c\r\n--x--\r\n"), "multipart/form-data; boundary=x")
	f.Add([]byte(`{"email":"a@b.c"}`), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		s.post(t, "POST", "/admin/users", contentType, body, "192.0.2.1:1234", true)
	})
}

func FuzzUpdateMe(f *testing.F) {
	s := newFuzzSite(f)
	for _, seed := range []string{
		`{"lang":"fr"}`, `{"lang":""}`, `{"lang":null}`, `{"lang":"xx"}`, `{"lang":1}`, `{"lang":"ar","extra":true}`,
		`{}`, `[]`, `null`, `"lang"`, `{"lang":"en"}{"lang":"fr"}`, `{"lang":"\u0000"}`, `{`, ``,
		`{"lang":"` + strings.Repeat("a", 1<<12) + `"}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`lang=fr`), "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		s.post(t, "PATCH", "/api/v1/me", contentType, body, "192.0.2.1:1234", true)
	})
}

func FuzzMatchLanguage(f *testing.F) {
	for _, seed := range []string{
		"", "fr", "ar-EG,ar;q=0.9,en;q=0.8", "en-GB;q=0.5, fr;q=0.6", "*", "fr;q=abc", "fr;q=-1, ar;q=NaN",
		"de,it,es,pt,nl,pl,ru,uk,tr,fa,ps,ku,ti,am,so,ur,hi,bn,zh,ja,ko,ar", ";;;,,,", "q=1;fr",
		"ar;q=1e309", "fr;q=0x1p-2", strings.Repeat("x-", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := i18n.Match(header)
		if !slices.Contains(i18n.Languages, got) {
			t.Fatalf("Match(%q) = %q, not a supported language", header, got)
		}
	})
}
