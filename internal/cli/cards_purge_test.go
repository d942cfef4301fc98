package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/cli"
	"abri/internal/db"
	"abri/internal/people"
)

// TestPurgedCardLeavesNoTrace is the promise of docs/data-protection.md, end
// to end: on a running server a shop volunteer issues a card with a name
// and a phone number (the base having turned them on); the card expires;
// `abri purge` erases it; then neither value, nor the card's code, is in
// the bytes of the SQLite database, its WAL, a backup made after the purge,
// or any line the server and the commands wrote.
func TestPurgedCardLeavesNoTrace(t *testing.T) {
	const name, phone = "Zebulon Quartzfeather", "+33 7 19 28 37 46"
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", data}, strings.NewReader(""), &out, &errb)
	}()
	stop := func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("demo did not stop")
		}
	}
	var base string
	users := map[string][]string{}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if s := out.String(); strings.Contains(s, "user viewer ") {
			base = regexp.MustCompile(`open (http://\S+)/ `).FindStringSubmatch(s)[1]
			for _, u := range userLine.FindAllStringSubmatch(s, -1) {
				if _, seen := users[u[1]]; !seen {
					users[u[1]] = u[2:]
				}
			}
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("demo did not start: %s", errb.String())
		}
	}
	var me struct {
		Organisation struct{ ID int64 }
		Base         struct{ ID int64 }
	}
	apiGet(t, base, users["shop"][2], "/api/v1/me", &me)
	d, err := db.Open(context.Background(), filepath.Join(data, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	sys := access.SystemActor(me.Organisation.ID, me.Base.ID)
	if err := people.ChangeSettings(context.Background(), d, sys, people.Settings{PersonalFields: true, RetentionDays: 30}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"household_size": 1, "name": name, "phone": phone})
	req, _ := http.NewRequest("POST", base+"/api/v1/cards", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+users["shop"][2])
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var card struct {
		ID   int64
		Code string
	}
	json.NewDecoder(res.Body).Decode(&card)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || card.ID == 0 {
		t.Fatalf("issue: %d %+v", res.StatusCode, card)
	}
	stop()
	// The card was last used 31 days ago: past the base's 30 days.
	old := time.Now().AddDate(0, 0, -31)
	if _, err := d.Exec(context.Background(), "UPDATE cards SET created_at = ?, last_used_at = 0 WHERE id = ?", db.Micros(old), card.ID); err != nil {
		t.Fatal(err)
	}
	d.Close()

	code, purged, purgeErr := run(t, "", "purge", "--data", data)
	if code != 0 || !regexp.MustCompile(`erased [1-9]\d* expired cards`).MatchString(purged) {
		t.Fatalf("purge: %d %q %q", code, purged, purgeErr)
	}
	bk := filepath.Join(t.TempDir(), "after-purge.db")
	code, backedUp, backupErr := run(t, "", "backup", "--data", data, bk)
	if code != 0 {
		t.Fatalf("backup: %d %q", code, backupErr)
	}
	compact := strings.ReplaceAll(card.Code, "-", "")
	secrets := []string{name, "Quartzfeather", phone, strings.ReplaceAll(phone, " ", ""), compact}
	for _, f := range []string{"abri.db", "abri.db-wal", bk} {
		if !filepath.IsAbs(f) {
			f = filepath.Join(data, f)
		}
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q after the purge", filepath.Base(f), s)
			}
		}
	}
	logs := out.String() + errb.String() + purged + purgeErr + backedUp + backupErr
	if !strings.Contains(logs, "/api/v1/cards") {
		t.Errorf("the server logged no request to the cards API; the check would prove nothing: %s", logs)
	}
	for _, s := range append(secrets, card.Code) {
		if strings.Contains(logs, s) {
			t.Errorf("a log line holds %q", s)
		}
	}
}
