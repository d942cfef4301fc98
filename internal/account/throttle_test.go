package account_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// parallel runs n calls at once (released together) and returns their errors.
func parallel(n int, call func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = call(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// tally counts errors by code; a nil error counts as "ok".
func tally(errs []error) map[string]int {
	m := map[string]int{}
	for _, err := range errs {
		if err == nil {
			m["ok"]++
			continue
		}
		m[string(apperr.CodeOf(err))]++
	}
	return m
}

// Thirty wrong passwords sent at once for one account: at most five are
// checked (five hashes computed), the rest refused before any work.
func TestLoginThrottleHoldsInParallel(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		before := w.s.PasswordChecks.Load()
		errs := parallel(30, func(i int) error {
			_, err := w.s.Login(ctx, "admin@calais.example", fmt.Sprint("wrong guess ", i), fmt.Sprint("203.0.113.", i))
			return err
		})
		got := tally(errs)
		checks := w.s.PasswordChecks.Load() - before
		if checks != 5 || got[string(apperr.Unauthorized)] != 5 || got[string(apperr.TooMany)] != 25 {
			t.Fatalf("30 parallel wrong passwords: %d checked, answers %v; want 5 checked and 5 wrong, 25 refused", checks, got)
		}
		// The right password is refused too, until the window passes.
		_, err := w.s.Login(ctx, "admin@calais.example", pw, "192.0.2.50")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		w.clk.Advance(time.Minute)
		w.login("admin@calais.example", pw)
	})
}

// Attempts in flight count: while five wrong guesses are still being
// checked, the right password is refused, and stays refused after they fail.
func TestLoginThrottleCountsAttemptsInFlight(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		var entered atomic.Int64
		hold := make(chan struct{})
		account.SetBeforeCheck(w.s, func() {
			entered.Add(1)
			<-hold
		})
		var wg sync.WaitGroup
		errs := make([]error, 29)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.s.Login(ctx, "admin@calais.example", fmt.Sprint("wrong guess ", i), "")
			}()
		}
		// Wait until the five allowed guesses are held in their check.
		deadline := time.Now().Add(30 * time.Second)
		for entered.Load() < 5 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := entered.Load(); n != 5 {
			close(hold)
			wg.Wait()
			t.Fatalf("%d guesses reached the password check; want 5", n)
		}
		// The right password, while they are in flight: refused unchecked.
		_, err := w.s.Login(ctx, "admin@calais.example", pw, "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		close(hold)
		wg.Wait()
		if got := tally(errs); got[string(apperr.Unauthorized)] != 5 || got[string(apperr.TooMany)] != 24 {
			t.Fatalf("29 held guesses answered %v; want 5 wrong, 24 refused", got)
		}
		if n := entered.Load(); n != 5 {
			t.Fatalf("%d password checks; want 5", n)
		}
		_, err = w.s.Login(ctx, "admin@calais.example", pw, "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		if n := w.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Fatalf("%d sessions opened past the limit", n)
		}
	})
}

// 29 wrong passwords and the right one, all at once: at most five wrong ones
// are ever checked, whether or not the right one got a place.
func TestLoginThrottleRightAmongWrong(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		errs := parallel(30, func(i int) error {
			guess := fmt.Sprint("wrong guess ", i)
			if i == 17 {
				guess = pw
			}
			_, err := w.s.Login(ctx, "admin@calais.example", guess, "")
			return err
		})
		got := tally(errs)
		if got[string(apperr.Unauthorized)] > 5 || got["ok"]+got[string(apperr.Unauthorized)]+got[string(apperr.TooMany)] != 30 {
			t.Fatalf("answers %v; want at most 5 wrong passwords checked", got)
		}
		if (errs[17] == nil) != (w.count("SELECT COUNT(*) FROM sessions") == 1) {
			t.Fatalf("right password answered %v with %d sessions", errs[17], w.count("SELECT COUNT(*) FROM sessions"))
		}
		// Whatever happened, the next try is refused, the right password
		// too: refused attempts stay counted, only a success gives its
		// place back.
		_, err := w.s.Login(ctx, "admin@calais.example", pw, "")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
	})
}

// Unknown and known accounts answer alike when throttled, after the same
// amount of work.
func TestLoginThrottleLooksAlike(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		var answers []string
		var checks []int64
		for _, email := range []string{"admin@calais.example", "nobody@calais.example"} {
			before := w.s.PasswordChecks.Load()
			for range 5 {
				_, err := w.s.Login(ctx, email, "wrong guess", "")
				wantErr(t, err, apperr.Unauthorized, "error.login_failed")
			}
			_, err := w.s.Login(ctx, email, pw, "")
			e := apperr.As(err)
			answers = append(answers, fmt.Sprint(e.Code, e.Key, e.Args))
			checks = append(checks, w.s.PasswordChecks.Load()-before)
		}
		if answers[0] != answers[1] || checks[0] != checks[1] || checks[0] != 5 {
			t.Fatalf("throttled answers %q after %v checks; want the same answer after 5 checks each", answers, checks)
		}
	})
}

// The counts live in the database: they survive reopening it, and two
// servers on one database share them.
func TestLoginThrottleSurvivesReopen(t *testing.T) {
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "abri.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresDSN(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := dsns[name](t)
			clk := clock.NewFixed(t0)
			open := func() (*db.DB, *account.Service) {
				d, err := db.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				d.Clock = clk
				if _, err := d.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return d, account.New(d)
			}
			d1, s1 := open()
			o, b, err := s1.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Calais warehouse")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s1.AddUser(ctx, access.SystemActor(o.ID, b.ID), account.NewUser{Email: "admin@calais.example",
				Name: "Admin", Password: pw, BaseID: b.ID, Role: access.Admin}); err != nil {
				t.Fatal(err)
			}
			d2, s2 := open() // a second server on the same database
			defer d2.Close()
			for i := range 4 {
				s := []*account.Service{s1, s2}[i%2]
				_, err := s.Login(ctx, "admin@calais.example", "wrong guess", "")
				wantErr(t, err, apperr.Unauthorized, "error.login_failed")
			}
			d1.Close()
			d3, s3 := open() // the first server restarted
			defer d3.Close()
			_, err = s3.Login(ctx, "admin@calais.example", "wrong guess", "")
			wantErr(t, err, apperr.Unauthorized, "error.login_failed")
			for _, s := range []*account.Service{s2, s3} {
				_, err = s.Login(ctx, "admin@calais.example", pw, "")
				wantErr(t, err, apperr.TooMany, "error.login_throttled")
			}
			clk.Advance(time.Minute)
			if _, err := s2.Login(ctx, "admin@calais.example", pw, ""); err != nil {
				t.Fatalf("a minute later: %v", err)
			}
		})
	}
}

// The change-password form and token minting share one guess counter per
// user: five wrong current passwords, at once or not, and the right one is
// refused too, at the field.
func TestPasswordGuessThrottle(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		sess := w.login("wh@calais.example", pw)
		before := w.s.PasswordChecks.Load()
		errs := parallel(20, func(i int) error {
			if i%2 == 0 {
				_, _, err := w.s.CreateToken(ctx, wh, "phone", fmt.Sprint("guess ", i))
				return err
			}
			return w.s.ChangePassword(ctx, wh, sess.Token, fmt.Sprint("guess ", i), "a brand new password")
		})
		got := tally(errs)
		if checks := w.s.PasswordChecks.Load() - before; checks != 5 || got[string(apperr.Invalid)] != 5 || got[string(apperr.TooMany)] != 15 {
			t.Fatalf("20 parallel guesses: %d checked, answers %v; want 5 checked and wrong, 15 refused", checks, got)
		}
		for i, err := range errs {
			want := []string{"password", "current"}[i%2]
			if f := apperr.FieldOf(err); f != want {
				t.Fatalf("%v is about field %q; want %q, so the screens show it at the password field", err, f, want)
			}
		}
		snap := w.snapshot()
		err := w.s.ChangePassword(ctx, wh, sess.Token, pw, "a brand new password")
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		_, _, err = w.s.CreateToken(ctx, wh, "phone", pw)
		wantErr(t, err, apperr.TooMany, "error.login_throttled")
		w.unchanged(snap, "throttled password change and token")
		// Signing in is a separate counter: the session thief's guesses
		// here do not lock the owner out of the sign-in form.
		w.login("wh@calais.example", pw)
		w.clk.Advance(time.Minute)
		if err := w.s.ChangePassword(ctx, wh, sess.Token, pw, "a brand new password"); err != nil {
			t.Fatal(err)
		}
	})
}

// Only hashes are stored, and rows whose window has passed are deleted.
func TestThrottleStoresNoNamesAndPrunes(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for i := range 3 {
			w.s.Login(ctx, fmt.Sprintf("guess%d@calais.example", i), "guess", "198.51.100.7")
		}
		rows, err := w.d.Query(ctx, "SELECT throttle_key FROM signin_attempts")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var k []byte
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			if len(k) != 32 || bytes.Contains(k, []byte("calais")) || bytes.Contains(k, []byte("198.51")) {
				t.Fatalf("throttle key %q is not a hash", k)
			}
			n++
		}
		rows.Close()
		if n != 4 { // three accounts, one address
			t.Fatalf("%d throttle rows; want 4", n)
		}
		w.clk.Advance(30 * time.Second)
		w.s.Login(ctx, "late@calais.example", "guess", "")
		if pruned, err := w.s.Throttle.Prune(ctx); err != nil || pruned != 0 {
			t.Fatalf("Prune inside the window = %d, %v; want 0", pruned, err)
		}
		w.clk.Advance(45 * time.Second)
		if pruned, err := w.s.Throttle.Prune(ctx); err != nil || pruned != 4 {
			t.Fatalf("Prune = %d, %v; want the 4 rows whose window passed", pruned, err)
		}
		// A reservation prunes too, at most once a window, so a flood of
		// made-up names cannot grow the table for long.
		w.clk.Advance(2 * time.Minute)
		w.s.Login(ctx, "later@calais.example", "guess", "")
		if n := w.count("SELECT COUNT(*) FROM signin_attempts"); n != 1 {
			t.Fatalf("%d rows after a reservation past the window; want only its own", n)
		}
	})
}
