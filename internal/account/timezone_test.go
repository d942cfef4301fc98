package account_test

import (
	"fmt"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
)

// A base starts in UTC; its administrator sets an IANA zone, which sign-in
// and tokens carry to every screen; a name that is no zone is refused at
// its field with nothing changed; other roles may not; the ledger carries
// the zone, so abri verify replays it and notices a zone changed by hand.
func TestBaseTimeZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if b, _ := w.s.Base(ctx, w.adminA, w.a1.ID); b.TimeZone != "UTC" {
			t.Fatalf("a new base is in %q, want UTC", b.TimeZone)
		}
		for _, bad := range []string{"", "  ", "Mars/Olympus", "Local", "Europe/Paris/../../etc/passwd", strings.Repeat("A", 70)} {
			err := w.s.SetTimeZone(ctx, w.adminA, bad)
			if apperr.CodeOf(err) != apperr.Invalid || apperr.FieldOf(err) != "time_zone" {
				t.Errorf("zone %q: %v, want invalid at time_zone", bad, err)
			}
		}
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		if err := w.s.SetTimeZone(ctx, wh, "Europe/Paris"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the warehouse set the zone: %v", err)
		}
		if b, _ := w.s.Base(ctx, w.adminA, w.a1.ID); b.TimeZone != "UTC" {
			t.Fatalf("refused changes left the zone %q", b.TimeZone)
		}
		if err := w.s.SetTimeZone(ctx, w.adminA, " Europe/Paris "); err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetTimeZone(ctx, w.adminA, "Europe/Paris"); err != nil { // the same again writes nothing
			t.Fatal(err)
		}
		if b, _ := w.s.Base(ctx, w.adminA, w.a1.ID); b.TimeZone != "Europe/Paris" {
			t.Fatalf("zone %q after setting Europe/Paris", b.TimeZone)
		}
		if b, _ := w.s.Base(ctx, w.adminB, w.b1.ID); b.TimeZone != "UTC" {
			t.Errorf("another organisation's base moved to %q", b.TimeZone)
		}
		secret, _, err := w.s.CreateToken(ctx, w.adminA, "zone", pw)
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.s.TokenPrincipal(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.BaseTimeZone != "Europe/Paris" || p.Location().String() != "Europe/Paris" {
			t.Errorf("the token's principal is in %q", p.BaseTimeZone)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE org_id = ? AND kind = 'base.time_zone_set' AND payload LIKE ?",
			w.orgA.ID, `%"time_zone":"Europe/Paris"%`).Scan(&n); err != nil || n != 1 {
			t.Errorf("base.time_zone_set events with the zone: %d, %v", n, err)
		}
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", rep.Differences, err)
		}
		if _, err := d.Exec(ctx, "UPDATE bases SET time_zone = 'Asia/Tokyo' WHERE id = ?", w.a1.ID); err != nil {
			t.Fatal(err)
		}
		rep, err = ledger.Verify(ctx, d)
		if err != nil || rep.OK() || !strings.Contains(fmt.Sprint(rep.Differences), "time_zone") {
			t.Errorf("a zone changed by hand: verify says %v %v", rep.Differences, err)
		}
		d.Exec(ctx, "UPDATE bases SET time_zone = 'Europe/Paris' WHERE id = ?", w.a1.ID)
	})
}

func TestLocation(t *testing.T) {
	if account.Location("Europe/Paris").String() != "Europe/Paris" || account.Location("nowhere") != account.Location("UTC") {
		t.Error("Location")
	}
}
