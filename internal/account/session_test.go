package account_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
)

func TestLogin(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		co := w.user(w.adminA, "coord@calais.example", access.Coordinator)
		sess := w.login("  COORD@Calais.example ", pw)
		if len(sess.Token) < 40 || sess.UserID != co.UserID || sess.BaseID != w.a1.ID || !sess.ExpiresAt.Equal(t0.Add(14*24*time.Hour)) {
			t.Fatalf("session %+v", sess)
		}
		p := w.principal(sess.Token)
		want := access.Actor{UserID: co.UserID, OrgID: w.orgA.ID, BaseID: w.a1.ID, Role: access.Coordinator}
		if p.Actor != want || p.OrgName != "Calais Aid" || p.BaseName != "Calais warehouse" || p.User.Email != "coord@calais.example" {
			t.Fatalf("principal %+v; want actor %+v in Calais Aid / Calais warehouse", p, want)
		}
		// Only the token's SHA-256 is stored.
		h := sha256.Sum256([]byte(sess.Token))
		var stored []byte
		if err := w.d.QueryRow(ctx, "SELECT id_hash FROM sessions WHERE user_id = ?", co.UserID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stored, h[:]) || bytes.Contains(stored, []byte(sess.Token)) {
			t.Fatal("the session table does not hold the token's hash")
		}
		// Each login is a new session.
		if other := w.login("coord@calais.example", pw); other.Token == sess.Token {
			t.Fatal("two logins share a token")
		}
	})
}

// A wrong password, an unknown email, a disabled account and an account
// without a password all get the same answer.
func TestLoginFailuresLookAlike(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		off := w.user(w.adminA, "off@calais.example", access.Viewer)
		if err := w.s.SetDisabled(ctx, w.adminA, off.UserID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "inv@calais.example", Name: "Inv", BaseID: w.a1.ID, Role: access.Viewer}); err != nil {
			t.Fatal(err)
		}
		before := w.snapshot()
		attempts := map[string][2]string{
			"wrong password":    {"admin@calais.example", "not the password"},
			"unknown user":      {"nobody@calais.example", pw},
			"disabled user":     {"off@calais.example", pw},
			"invited, no pw":    {"inv@calais.example", ""},
			"empty":             {"", ""},
			"password too long": {"admin@calais.example", strings.Repeat(pw, 100)},
		}
		var seen []string
		for name, a := range attempts {
			_, err := w.s.Login(ctx, a[0], a[1], fmt.Sprint("198.51.100.", len(seen)))
			wantErr(t, err, apperr.Unauthorized, "error.login_failed")
			e := apperr.As(err)
			seen = append(seen, fmt.Sprint(e.Code, e.Key, e.Args, e.Error()))
			if seen[0] != seen[len(seen)-1] {
				t.Fatalf("%s answers %q; the first answered %q", name, seen[len(seen)-1], seen[0])
			}
		}
		w.unchanged(before, "failed logins")
	})
}

func TestLoginThrottlePerAccount(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for i := 0; i < 5; i++ {
			_, err := w.s.Login(ctx, "admin@calais.example", "wrong password", fmt.Sprint("203.0.113.", i))
			wantErr(t, err, apperr.Unauthorized, "error.login_failed")
			w.clk.Advance(10 * time.Second)
		}
		// The sixth attempt within the minute is refused, right password or not.
		_, err := w.s.Login(ctx, "admin@calais.example", pw, "203.0.113.77")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		_, err = w.s.Login(ctx, "ADMIN@calais.example", pw, "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		if n := w.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Fatalf("%d sessions opened while throttled", n)
		}
		// Another account is not affected.
		w.user(w.adminA, "other@calais.example", access.Viewer)
		w.login("other@calais.example", pw)
		// A minute after the first failure it works again.
		w.clk.Advance(10 * time.Second)
		w.login("admin@calais.example", pw)
		// A success gives back only its own place: many sign-ins in a row
		// are fine…
		for i := 0; i < 10; i++ {
			w.login("admin@calais.example", pw)
		}
		// …but it forgives no failure: four more, and the fifth place is
		// the last one.
		for i := 0; i < 4; i++ {
			_, err := w.s.Login(ctx, "admin@calais.example", "wrong password", "")
			wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		}
		w.login("admin@calais.example", pw)
		_, err = w.s.Login(ctx, "admin@calais.example", "wrong password", "")
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		_, err = w.s.Login(ctx, "admin@calais.example", pw, "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		w.clk.Advance(time.Minute)
		w.login("admin@calais.example", pw)
	})
}

func TestLoginThrottleUnknownAccount(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		// Guessing at names is throttled the same way.
		for i := 0; i < 5; i++ {
			w.s.Login(ctx, "ghost@calais.example", "guess", "")
		}
		_, err := w.s.Login(ctx, "ghost@calais.example", "guess", "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
	})
}

func TestLoginThrottlePerAddress(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		w.user(w.adminA, "second@calais.example", access.Viewer)
		const addr = "198.51.100.9"
		// 29 failures from one address, each on a different name.
		for i := 0; i < 29; i++ {
			_, err := w.s.Login(ctx, fmt.Sprintf("guess%d@calais.example", i), "guess", addr)
			wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		}
		// Still under the limit of 30: a right password gets in.
		w.s.Logout(ctx, mustLogin(t, w, "admin@calais.example", addr).Token)
		// The thirtieth failure, through Login itself.
		_, err := w.s.Login(ctx, "guess-last@calais.example", "guess", addr)
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		// Now that address is refused for every account…
		_, err = w.s.Login(ctx, "second@calais.example", pw, addr)
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		// …but not other addresses.
		mustLogin(t, w, "second@calais.example", "198.51.100.10")
		// And a minute later that address is welcome again.
		w.clk.Advance(time.Minute)
		mustLogin(t, w, "second@calais.example", addr)
	})
}

func mustLogin(t *testing.T, w *world, email, addr string) account.Session {
	t.Helper()
	s, err := w.s.Login(ctx, email, pw, addr)
	if err != nil {
		t.Fatalf("login %s from %s: %v", email, addr, err)
	}
	return s
}

func TestSessionLife(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		sess := w.login("admin@calais.example", pw)
		// Used now and then, a session lives on past its first idle limit…
		for i := 0; i < 6; i++ {
			w.clk.Advance(13 * 24 * time.Hour)
			w.principal(sess.Token)
		}
		// …up to its maximum life of 90 days.
		w.clk.Advance(13 * 24 * time.Hour) // day 91
		w.signedOut(sess.Token)
		if n := w.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Fatalf("an ended session is still stored (%d)", n)
		}

		idle := w.login("admin@calais.example", pw)
		w.clk.Advance(14*24*time.Hour - time.Second)
		w.principal(idle.Token) // one second before the idle limit: fine, and extended
		w.clk.Advance(14*24*time.Hour - time.Second)
		w.principal(idle.Token)
		w.clk.Advance(14 * 24 * time.Hour)
		w.signedOut(idle.Token)

		// Exactly at the idle limit it has ended.
		exact := w.login("admin@calais.example", pw)
		w.clk.Advance(14 * 24 * time.Hour)
		w.signedOut(exact.Token)
	})
}

func TestSessionPrincipalRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		sess := w.login("admin@calais.example", pw)
		for _, bad := range []string{"", "x", sess.Token + "x", strings.ToUpper(sess.Token), strings.Repeat("a", 101), account.TokenPrefix + sess.Token} {
			w.signedOut(bad)
		}
		w.principal(sess.Token)
		if err := w.s.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		w.signedOut(sess.Token)
		// Logging out twice, or an unknown token, is not an error.
		if err := w.s.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPurgeExpiredSessions(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		old := w.login("admin@calais.example", pw)
		w.clk.Advance(10 * 24 * time.Hour)
		fresh := w.login("admin@calais.example", pw)
		w.clk.Advance(5 * 24 * time.Hour)
		n, err := w.s.PurgeExpiredSessions(ctx)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		w.principal(fresh.Token)
		w.signedOut(old.Token)
	})
}

func TestSwitchBase(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a2.ID, access.Distribution); err != nil {
			t.Fatal(err)
		}
		sess := w.login("wh@calais.example", pw)
		other := w.login("wh@calais.example", pw)
		p := w.principal(sess.Token)
		if err := w.s.SwitchBase(ctx, p.Actor, sess.Token, w.a2.ID); err != nil {
			t.Fatal(err)
		}
		p = w.principal(sess.Token)
		if p.Actor.BaseID != w.a2.ID || p.Actor.Role != access.Distribution || p.BaseName != "Dunkirk kitchen" {
			t.Fatalf("after switching: %+v in %q", p.Actor, p.BaseName)
		}
		if q := w.principal(other.Token); q.Actor.BaseID != w.a1.ID {
			t.Fatal("switching one session moved another")
		}
		before := w.snapshot()
		err := w.s.SwitchBase(ctx, p.Actor, sess.Token, w.a3.ID) // no role there
		wantErr(t, err, apperr.NotFound, "error.not_found")
		err = w.s.SwitchBase(ctx, p.Actor, sess.Token, w.b1.ID) // another organisation
		wantErr(t, err, apperr.NotFound, "error.not_found")
		err = w.s.SwitchBase(ctx, p.Actor, sess.Token, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found")
		w.unchanged(before, "refused SwitchBase")
		if p := w.principal(sess.Token); p.Actor.BaseID != w.a2.ID {
			t.Fatalf("a refused switch moved the session to %d", p.Actor.BaseID)
		}
		// Someone else's session cannot be moved with one's own actor.
		admin := w.principal(w.login("admin@calais.example", pw).Token)
		if err := w.s.SwitchBase(ctx, admin.Actor, other.Token, w.a1.ID); err != nil {
			t.Fatal(err)
		}
		if q := w.principal(other.Token); q.Actor.BaseID != w.a1.ID || q.Actor.UserID != wh.UserID {
			t.Fatal("another user's session was touched")
		}
	})
}

func TestChangePassword(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		v := w.user(w.adminA, "v@calais.example", access.Viewer)
		here := w.login("v@calais.example", pw)
		elsewhere := w.login("v@calais.example", pw)
		admin := w.login("admin@calais.example", pw)
		actor := w.principal(here.Token).Actor

		before := w.snapshot()
		err := w.s.ChangePassword(ctx, actor, here.Token, "not my password", "brand new password")
		wantErr(t, err, apperr.Invalid, "error.password_wrong")
		err = w.s.ChangePassword(ctx, actor, here.Token, pw, "short")
		wantErr(t, err, apperr.Invalid, "error.password_short")
		err = w.s.ChangePassword(ctx, access.Actor{OrgID: w.orgA.ID}, here.Token, pw, "brand new password")
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		w.unchanged(before, "refused ChangePassword")
		w.principal(elsewhere.Token)

		w.clk.Advance(time.Minute)
		if err := w.s.ChangePassword(ctx, actor, here.Token, pw, "brand new password"); err != nil {
			t.Fatal(err)
		}
		w.principal(here.Token)      // the session making the change stays
		w.signedOut(elsewhere.Token) // every other one ends
		w.principal(admin.Token)     // other users are untouched
		_, err = w.s.Login(ctx, "v@calais.example", pw, "")
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		w.login("v@calais.example", "brand new password")
		w.wantKinds(w.orgA.ID, "user", v.UserID, "user.created", "user.password_changed")
	})
}

func TestSetPassword(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		v := w.user(w.adminA, "v@calais.example", access.Viewer)
		s1 := w.login("v@calais.example", pw)
		s2 := w.login("v@calais.example", pw)
		before := w.snapshot()
		wantErr(t, w.s.SetPassword(ctx, w.adminA, v.UserID, "short"), apperr.Invalid, "error.password_short")
		wantErr(t, w.s.SetPassword(ctx, w.adminA, 99999, "long enough password"), apperr.NotFound, "error.not_found")
		w.unchanged(before, "refused SetPassword")
		if err := w.s.SetPassword(ctx, w.adminA, v.UserID, "set by the admin"); err != nil {
			t.Fatal(err)
		}
		w.signedOut(s1.Token)
		w.signedOut(s2.Token)
		w.login("v@calais.example", "set by the admin")
		w.wantKinds(w.orgA.ID, "user", v.UserID, "user.created", "user.password_changed")
	})
}

func TestLogoutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		v := w.user(w.adminA, "v@calais.example", access.Viewer)
		s1 := w.login("v@calais.example", pw)
		s2 := w.login("v@calais.example", pw)
		admin := w.login("admin@calais.example", pw)
		if err := w.s.LogoutEverywhere(ctx, w.principal(s1.Token).Actor); err != nil {
			t.Fatal(err)
		}
		w.signedOut(s1.Token)
		w.signedOut(s2.Token)
		w.principal(admin.Token)
		w.wantKinds(w.orgA.ID, "user", v.UserID, "user.created", "user.sessions_ended")
		w.login("v@calais.example", pw)
	})
}
