package people_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/backup"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/people"
)

// Planted values: nothing else in a test database looks like them.
const (
	plantedName  = "Zebulon Quartzfeather"
	plantedPhone = "+33 7 19 28 37 46"
)

func (w *world) turnFieldsOn(actor access.Actor, days int) {
	w.t.Helper()
	w.must(w.d.InTx(ctx, func(tx *db.Tx) error {
		return people.SetSettings(ctx, tx, actor, people.Settings{PersonalFields: true, RetentionDays: days})
	}))
}

func TestPersonalFieldsAreSealedAndEveryReadLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return people.SetSettings(ctx, tx, w.shop, people.Settings{PersonalFields: true, RetentionDays: 90})
		}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("the shop sets the settings: %v", err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return people.SetSettings(ctx, tx, w.coord, people.Settings{RetentionDays: 0})
		}); apperr.FieldOf(err) != "retention_days" {
			t.Fatalf("retention 0: %v", err)
		}
		w.turnFieldsOn(w.coord, 90)
		c, _ := w.issue(w.shop, people.NewCard{HouseholdSize: 1, Fields: people.Fields{Name: plantedName, Phone: plantedPhone}})
		if !c.HasFields {
			t.Fatal("no fields")
		}
		if n := w.count("SELECT COUNT(*) FROM card_fields WHERE CAST(sealed AS TEXT) LIKE ?", "%Quartz%"); n != 0 {
			t.Fatal("fields stored in clear")
		}
		var f people.Fields
		w.must(d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			f, err = people.ReadFields(ctx, tx, w.shop, c.ID)
			return err
		}))
		if f.Name != plantedName || f.Phone != plantedPhone {
			t.Fatalf("fields %+v", f)
		}
		log, err := people.AccessLog(ctx, d, w.admin, 0)
		w.must(err)
		if len(log) != 1 || log[0].What != people.AccessFieldsRead || log[0].UserID != w.shop.UserID || log[0].CardID != c.ID {
			t.Fatalf("access log %+v", log)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := people.ReadFields(ctx, tx, w.foreign, c.ID); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("foreign read: %v", err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return people.SetFields(ctx, tx, w.shop, c.ID, people.Fields{Phone: "call me"}) }); apperr.FieldOf(err) != "phone" {
			t.Fatalf("bad phone: %v", err)
		}
		// Turning the fields off erases every card's.
		w.must(d.InTx(ctx, func(tx *db.Tx) error {
			return people.SetSettings(ctx, tx, w.admin, people.Settings{PersonalFields: false, RetentionDays: 90})
		}))
		if n := w.count("SELECT COUNT(*) FROM card_fields"); n != 0 {
			t.Fatalf("%d cards keep fields after they were turned off", n)
		}
	})
}

func TestEraseOnRequestListsWhatItCovered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.turnFieldsOn(w.admin, 90)
		c, code := w.issue(w.shop, people.NewCard{HouseholdSize: 2, Fields: people.Fields{Name: plantedName}})
		w.must(d.InTx(ctx, func(tx *db.Tx) error { _, err := people.Touch(ctx, tx, w.shop, c.ID, t0); return err }))
		if _, err := w.find(w.admin, code); err != nil { // logged
			t.Fatal(err)
		}
		if _, err := people.Erase(ctx, d, w.foreign, code); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("foreign erase: %v", err)
		}
		cov, err := people.Erase(ctx, d, w.shop, code)
		w.must(err)
		got := map[string]int64{}
		for _, l := range cov.Deleted {
			got["deleted."+l.What] = l.Count
		}
		for _, l := range cov.Anonymised {
			got["anonymised."+l.What] = l.Count
		}
		for _, l := range cov.Aggregate {
			got["aggregate."+l.What] = 1
		}
		for k, n := range map[string]int64{"deleted.card": 1, "deleted.code_hmac": 1, "deleted.fields": 1, "deleted.household": 1,
			"anonymised.access_log": 1, "aggregate.cards_served_week": 1} {
			if got[k] != n {
				t.Errorf("coverage %s = %d, want %d (%+v)", k, got[k], n, cov)
			}
		}
		_, errErased := w.find(w.shop, code)
		if !apperr.Is(errErased, apperr.NotFound) || errErased.Error() != mustNotFound(t, w).Error() {
			t.Fatalf("erased: %v", errErased)
		}
		if n := w.count("SELECT COUNT(*) FROM cards WHERE base_id = ?", w.shop.BaseID) + w.count("SELECT COUNT(*) FROM card_fields"); n != 0 {
			t.Fatalf("%d rows left", n)
		}
		if n := w.count("SELECT COUNT(*) FROM card_access_log WHERE card_id IS NULL"); n != 1 {
			t.Fatalf("access log entries without the card: %d", n)
		}
	})
}

// mustNotFound is what an unknown code answers.
func mustNotFound(t *testing.T, w *world) error {
	t.Helper()
	var code string
	w.must(w.d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		_, code, err = people.Issue(ctx, tx, w.otherBase, people.NewCard{})
		return err
	}))
	_, err := w.find(w.shop, code) // a real code, of another base: unknown here
	return err
}

// TestPurgeLeavesNoTrace is the promise of the data-protection page: a
// name and a phone number planted in a card's personal fields are, once
// the card has expired and the purge ran, in no byte of the SQLite
// database, its WAL, nor a backup made after the purge. On PostgreSQL the
// rows are gone and the tables vacuumed.
func TestPurgeLeavesNoTrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.turnFieldsOn(w.coord, 30)
		old, _ := w.issue(w.shop, people.NewCard{HouseholdSize: 1, Fields: people.Fields{Name: plantedName, Phone: plantedPhone}})
		w.must(d.InTx(ctx, func(tx *db.Tx) error { _, err := people.Touch(ctx, tx, w.shop, old.ID, t0); return err }))
		w.must(d.InTx(ctx, func(tx *db.Tx) error { _, err := people.ReadFields(ctx, tx, w.shop, old.ID); return err }))
		// A card used recently stays; so does one of a base that keeps
		// cards longer.
		w.clock.Advance(20 * 24 * time.Hour)
		recent, recentCode := w.issue(w.shop, people.NewCard{HouseholdSize: 4})
		_, otherCode := w.issue(w.otherBase, people.NewCard{HouseholdSize: 1})

		// What the database held of the card, beyond the planted values:
		// the sealed fields and the code's HMAC must not linger either.
		var sealed, mac []byte
		w.must(d.QueryRow(ctx, "SELECT sealed FROM card_fields WHERE card_id = ?", old.ID).Scan(&sealed))
		w.must(d.QueryRow(ctx, "SELECT code_hmac FROM cards WHERE id = ?", old.ID).Scan(&mac))

		// 29 days after the last use: kept.
		res, err := people.Purge(ctx, d, t0.AddDate(0, 0, 29))
		w.must(err)
		if res.Cards != 0 {
			t.Fatalf("purged %d cards before their time", res.Cards)
		}
		// 31 days: the old card goes, and the access log line of its read.
		res, err = people.Purge(ctx, d, t0.AddDate(0, 0, 31))
		w.must(err)
		if res.Cards != 1 || res.AccessLog != 1 {
			t.Fatalf("purge %+v, want 1 card and 1 access log entry", res)
		}
		if _, err := people.Get(ctx, d, w.shop, old.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("expired card: %v", err)
		}
		if c, err := w.find(w.shop, recentCode); err != nil || c.ID != recent.ID {
			t.Fatalf("recent card: %v", err)
		}
		if _, err := w.find(w.otherBase, otherCode); err != nil {
			t.Fatalf("other base's card: %v", err)
		}
		if d.Dialect != db.SQLite {
			return
		}
		files := []string{d.Path, d.Path + "-wal"}
		bk := filepath.Join(t.TempDir(), "after-purge.db")
		if _, err := backup.Take(ctx, d.Path, bk); err != nil {
			t.Fatal(err)
		}
		files = append(files, bk)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if os.IsNotExist(err) {
				continue
			}
			w.must(err)
			for _, v := range []string{plantedName, plantedPhone, "Quartzfeather", strings.ReplaceAll(plantedPhone, " ", "")} {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s holds %q after the purge", filepath.Base(f), v)
				}
			}
			if bytes.Contains(b, sealed[12:]) {
				t.Errorf("%s holds the sealed fields after the purge", filepath.Base(f))
			}
			if bytes.Contains(b, mac) {
				t.Errorf("%s holds the code's HMAC after the purge", filepath.Base(f))
			}
		}
		if fi, err := os.Stat(d.Path + "-wal"); err == nil && fi.Size() > 0 {
			// The checkpoint truncated it; a later write may have grown
			// it again, but not with the card.
			t.Logf("WAL %d bytes after the purge", fi.Size())
		}
	})
}
