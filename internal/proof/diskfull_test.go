package proof_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"abri/internal/backup"
	"abri/internal/db"
)

// TestFullDiskRefusesWritesKeepsReads puts the SQLite data directory on a
// 4 MiB tmpfs, fills it, and checks what a person sees: every write is
// refused with 503 and a message that says the disk is full (the API and
// the screens alike, never a bare 500), reads go on working, and once space
// is freed writes resume by themselves. Nothing acknowledged is lost and
// nothing is corrupted: PRAGMA integrity_check and abri verify pass.
func TestFullDiskRefusesWritesKeepsReads(t *testing.T) {
	if testing.Short() {
		t.Skip("the full-disk test builds and runs abri; skipped under -short")
	}
	needRoot(t, "mounting a small tmpfs")
	if _, err := exec.LookPath("mount"); err != nil {
		skipOrFail(t, "no mount command")
	}
	bin := buildAbri(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", data).CombinedOutput(); err != nil {
		skipOrFail(t, "cannot mount a tmpfs here: "+strings.TrimSpace(string(out)))
	}
	// Cleanups run last first: the server is killed before this unmounts,
	// and this runs before TempDir removes the directory.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", data, err, out)
		}
	})

	const email, password = "disk-admin@example.org", "a long full-disk password"
	if code, out := runAbri(t, bin, password+"\n", "user", "add-org", "--data", data, "--org", "disk-test",
		"--org-name", "Disk Test", "--base", "Warehouse", "--email", email, "--name", "Disk Admin", "--password-stdin"); code != 0 {
		t.Fatalf("add-org: exit %d: %s", code, out)
	}
	p := &process{bin: bin, data: data, addr: freeAddr(t), logs: &syncBuffer{}}
	p.start(t)
	t.Cleanup(p.kill)
	ctx := context.Background()
	c := newClient(p.url())
	if err := c.signIn(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	wh := prepareWarehouse(ctx, t, c, password)
	var acked []string
	for range 20 {
		code, err := wh.makeBox(ctx)
		if err != nil {
			t.Fatalf("a box before the disk is full: %v", err)
		}
		acked = append(acked, code)
	}

	// Fill the disk: a file that grows until the system says no more.
	filler := filepath.Join(data, "filler")
	fill(t, filler)

	// SQLite may still have room in pages its files already hold, so a few
	// writes can succeed; soon every one must be a 503 that says why.
	full := 0
	for i := 0; i < 2000 && full < 5; i++ {
		code, err := wh.makeBox(ctx)
		if err == nil {
			acked = append(acked, code)
			continue
		}
		ae, ok := asAPIError(err)
		if !ok || ae.status != http.StatusServiceUnavailable || ae.code != "unavailable" || !strings.Contains(ae.message, "disk is full") {
			t.Fatalf("a write on a full disk answered %v; want 503 unavailable saying the disk is full", err)
		}
		full++
	}
	if full == 0 {
		t.Fatal("2000 writes on a full disk all succeeded: the disk never filled")
	}
	t.Logf("%d boxes acknowledged; writes on the full disk refused with 503", len(acked))

	// The screens say it too: the sorting form answers 503 with the message.
	form := url.Values{"rows": {"1"}, "product.0": {itoa(wh.product)}, "size.0": {wh.size}, "items.0": {"2"}, "location.0": {itoa(wh.shelf)}}
	status, body, err := c.do(ctx, "POST", "/stock/sort", form)
	if err != nil || status != http.StatusServiceUnavailable || !containsAll(body, "disk is full", "<html") {
		t.Errorf("the sorting form on a full disk: %d %v %q", status, err, tail(body, 300))
	}

	// Reads keep working: the API list, the box list screen, a box page,
	// readiness.
	have, err := wh.listCodes(ctx)
	if err != nil {
		t.Fatalf("reading the boxes on a full disk: %v", err)
	}
	if lost := missingCodes(acked, have); len(lost) > 0 {
		t.Errorf("%d acknowledged boxes are not listed, e.g. %v", len(lost), lost[:min(3, len(lost))])
	}
	for _, path := range []string{"/stock/boxes", "/b/" + acked[0], "/"} {
		if status, body, err := c.do(ctx, "GET", path, nil); err != nil || status != http.StatusOK {
			t.Errorf("GET %s on a full disk: %d %v %q", path, status, err, tail(body, 200))
		}
	}
	if status, _, err := c.do(ctx, "GET", "/readyz", nil); err != nil || status != http.StatusOK {
		t.Errorf("/readyz on a full disk: %d %v", status, err)
	}

	// Space comes back: writes resume without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	var resumed bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		code, err := wh.makeBox(ctx)
		if err == nil {
			acked = append(acked, code)
			resumed = true
			break
		}
		t.Logf("a write just after space was freed: %v", err)
	}
	if !resumed {
		t.Fatal("writes did not resume within 10 s of freeing space")
	}
	if status, _, err := c.do(ctx, "POST", "/stock/sort", form); err != nil || status != http.StatusSeeOther {
		t.Errorf("the sorting form once space is back: %d %v", status, err)
	}

	logs := p.logs.String()
	if !strings.Contains(logs, "database or disk is full") {
		t.Errorf("the server's log does not say the disk is full:\n%s", tail(logs, 2000))
	}
	for _, bad := range []string{"panic:", "fatal error:"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the server's log holds %q:\n%s", bad, tail(logs[strings.Index(logs, bad):], 3000))
		}
	}
	// A hard stop, then the checks an administrator would run.
	p.kill()
	if code, out := runAbri(t, bin, "", "verify", "--data", data); code != 0 || !strings.Contains(out, "ledger intact") {
		t.Errorf("abri verify after the full disk: exit %d: %s", code, out)
	}
	d, err := db.Open(ctx, filepath.Join(data, backup.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := backup.Integrity(ctx, d.SQL()); err != nil {
		t.Errorf("integrity after the full disk: %v", err)
	}
	rows, err := d.Query(ctx, "SELECT code FROM boxes")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	inDB := map[string]bool{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			t.Fatal(err)
		}
		inDB[code] = true
	}
	if lost := missingCodes(acked, inDB); len(lost) > 0 {
		t.Errorf("%d of %d acknowledged boxes are missing from the database, e.g. %v", len(lost), len(acked), lost[:min(3, len(lost))])
	} else {
		t.Logf("all %d acknowledged boxes are in the database; integrity_check and abri verify pass", len(acked))
	}
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for size := len(chunk); size >= 512; {
		if _, err := f.Write(chunk[:size]); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			size /= 2 // the last bytes, in smaller pieces
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
