package proof_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
)

// The security headers of every HTML answer are checked for every route,
// every role and every answer by TestAuthorizationMatrix in
// internal/server; here are the sessions.

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// checkCookie checks the flags every abri cookie carries: not readable by
// scripts, not sent on cross-site posts, Secure when abri is reached over
// TLS, for the whole site.
func checkCookie(t *testing.T, what string, c *http.Cookie, secure bool) {
	t.Helper()
	if c == nil {
		t.Errorf("%s: no cookie set", what)
		return
	}
	if !c.HttpOnly {
		t.Errorf("%s: cookie %s lacks HttpOnly", what, c.Name)
	}
	if c.SameSite != http.SameSiteLaxMode {
		t.Errorf("%s: cookie %s has SameSite %v, want Lax", what, c.Name, c.SameSite)
	}
	if c.Secure != secure {
		t.Errorf("%s: cookie %s Secure=%v, want %v", what, c.Name, c.Secure, secure)
	}
	if c.Path != "/" {
		t.Errorf("%s: cookie %s has path %q, want /", what, c.Name, c.Path)
	}
}

func TestCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		base   string
		secure bool
	}{
		{"http://127.0.0.1", false},
		{"https://abri.example.org", true}, // behind a TLS proxy
	} {
		t.Run(tc.base, func(t *testing.T) {
			st := startSite(t, dbtest.SQLite(t), tc.base)
			res, _ := raw(t, "POST", st.url+"/login", form("email", st.admin.Email, "password", adminPassword).Encode())
			sess := cookieNamed(res, "abri_session")
			if res.StatusCode != http.StatusSeeOther || sess == nil || sess.Value == "" {
				t.Fatalf("sign in: %d, cookie %v", res.StatusCode, sess)
			}
			checkCookie(t, "sign in", sess, tc.secure)
			if max := int(st.acc.SessionMax.Seconds()); sess.MaxAge <= 0 || sess.MaxAge > max {
				t.Errorf("session cookie lives %d s; want a bounded life, at most the session's %d s", sess.MaxAge, max)
			}

			res, _ = raw(t, "GET", st.url+"/lang?l=fr&next=/login", "")
			checkCookie(t, "choose a language", cookieNamed(res, "lang"), tc.secure)

			res, _ = raw(t, "POST", st.url+"/logout", "", "Cookie", "abri_session="+sess.Value)
			cleared := cookieNamed(res, "abri_session")
			checkCookie(t, "sign out", cleared, tc.secure)
			if cleared != nil && cleared.MaxAge >= 0 {
				t.Errorf("sign out leaves the session cookie in the browser (Max-Age %d)", cleared.MaxAge)
			}
			checkCookie(t, "sign out's message", cookieNamed(res, "abri_flash"), tc.secure)
			// The server forgot the session too.
			res, _ = raw(t, "GET", st.url+"/settings", "", "Cookie", "abri_session="+sess.Value)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("a signed-out session still opens /settings: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

// TestPasswordChangeEndsOtherSessions: a volunteer who fears their
// password is known changes it; every other session of theirs ends at once,
// the one they changed it from goes on, and the old password stops working.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := startSite(t, d, "http://127.0.0.1")
		ctx := context.Background()
		phone := st.signedIn(t, st.admin.Email, adminPassword)
		laptop := st.signedIn(t, st.admin.Email, adminPassword) // the one someone else holds
		const newPassword = "a brand new long password"
		status, _, err := phone.do(ctx, "POST", "/settings/password", form("current", adminPassword, "new", newPassword, "new_again", newPassword))
		if err != nil || status != http.StatusSeeOther {
			t.Fatalf("change password: %d %v", status, err)
		}
		if status, _, _ := laptop.do(ctx, "GET", "/settings", nil); status != http.StatusSeeOther {
			t.Errorf("the other session still opens /settings after the password change: %d", status)
		}
		if status, _, _ := phone.do(ctx, "GET", "/settings", nil); status != http.StatusOK {
			t.Errorf("the session that changed the password ended: %d", status)
		}
		if err := newClient(st.url).signIn(ctx, st.admin.Email, adminPassword); err == nil {
			t.Error("the old password still signs in")
		}
		st.signedIn(t, st.admin.Email, newPassword)
	})
}

// TestLoginThrottle: after five wrong passwords for one account within a
// minute, even the right one is refused with 429 and Retry-After.
func TestLoginThrottle(t *testing.T) {
	st := startSite(t, dbtest.SQLite(t), "http://127.0.0.1")
	for i := 0; i < 5; i++ {
		res, _ := raw(t, "POST", st.url+"/login", form("email", st.admin.Email, "password", "a wrong guess").Encode())
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res, body := raw(t, "POST", st.url+"/login", form("email", st.admin.Email, "password", adminPassword).Encode())
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || cookieNamed(res, "abri_session") != nil {
		t.Errorf("sixth try with the right password: %d, Retry-After %q; want 429 and no session", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "<form") {
		t.Error("the throttled answer is not the sign-in form with its message")
	}
}
