package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/cli"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// writeLoad keeps writing through the domain packages, as a busy server
// does, and remembers every write that committed, in order.
type writeLoad struct {
	mu        sync.Mutex
	sites     []string // names of the sites created
	emails    []string // emails of the users invited
	committed int      // sites + users, in commit order
	err       error
}

func (w *writeLoad) count() int { w.mu.Lock(); defer w.mu.Unlock(); return w.committed }

// upTo returns the writes committed so far.
func (w *writeLoad) upTo() (sites, emails []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.sites...), append([]string(nil), w.emails...)
}

func (w *writeLoad) run(ctx context.Context, d *db.DB, sys access.Actor) {
	places, accounts := place.New(d), account.New(d)
	for i := 0; ctx.Err() == nil; i++ {
		var err error
		if i%2 == 0 {
			name := fmt.Sprintf("Zone %d", i)
			if _, err = places.CreateSite(ctx, sys, place.SiteInput{Name: name, Kind: place.SiteDistribution}); err == nil {
				w.mu.Lock()
				w.sites = append(w.sites, name)
				w.committed++
				w.mu.Unlock()
			}
		} else {
			email := fmt.Sprintf("volunteer%d@example.org", i)
			if _, _, err = accounts.Invite(ctx, sys, account.NewUser{Email: email, Name: fmt.Sprintf("Volunteer %d", i), BaseID: sys.BaseID, Role: access.Viewer}); err == nil {
				w.mu.Lock()
				w.emails = append(w.emails, email)
				w.committed++
				w.mu.Unlock()
			}
		}
		if err != nil && ctx.Err() == nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			return
		}
	}
}

var entriesRe = regexp.MustCompile(`(\d+) entries in (\d+) chains`)

func entries(t *testing.T, out string) int {
	t.Helper()
	m := entriesRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no entry count in %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestBackupUnderWriteLoad backs up a database three times while a writer
// keeps committing, checks that each backup holds every write committed
// before it started and passes integrity_check and the ledger, then restores
// the last one into a new data directory where abri verify passes.
func TestBackupUnderWriteLoad(t *testing.T) {
	data := t.TempDir()
	addOrg(t, data, "busy-group", "Busy Group")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := db.Open(ctx, filepath.Join(data, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	o, err := account.New(d).OrganisationBySlug(ctx, "busy-group")
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := account.New(d).Bases(ctx, access.SystemActor(o.ID, 0))
	w := &writeLoad{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.run(ctx, d, access.SystemActor(o.ID, bs[0].ID)) }()
	defer wg.Wait()
	defer cancel()
	for w.count() < 20 {
		time.Sleep(5 * time.Millisecond)
	}

	out := t.TempDir()
	during := 0
	var last string
	var lastEntries int
	for i := 1; i <= 3; i++ {
		file := filepath.Join(out, fmt.Sprintf("abri-%d.db", i))
		sites, emails := w.upTo()
		before := w.count()
		start := time.Now()
		code, stdout, stderr := run(t, "", "backup", "--data", data, file)
		took := time.Since(start)
		during += w.count() - before
		if code != 0 {
			t.Fatalf("backup %d: exit %d: %s", i, code, stderr)
		}
		t.Logf("backup %d of %d writes took %s; %d writes committed meanwhile", i, before, took.Round(time.Millisecond), w.count()-before)
		if !strings.Contains(stdout, "integrity ok") || !strings.Contains(stdout, "ledger intact") {
			t.Errorf("backup %d said %q", i, stdout)
		}
		checkHolds(t, file, o.ID, sites, emails, entries(t, stdout))
		last, lastEntries = file, entries(t, stdout)
	}
	if during == 0 {
		t.Error("no write committed while the backups ran: the test did not test writing under backup")
	}
	if w.err != nil {
		t.Fatalf("the writer failed: %v", w.err)
	}

	restored := t.TempDir()
	code, stdout, stderr := run(t, "", "restore", "--data", restored, last)
	if code != 0 || entries(t, stdout) != lastEntries {
		t.Fatalf("restore: exit %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "", "verify", "--data", restored)
	if code != 0 || entries(t, stdout) != lastEntries {
		t.Errorf("verify after restore: exit %d %q, want %d entries", code, stdout, lastEntries)
	}
}

// checkHolds opens a copy of a backup and checks it holds every write
// listed and as many ledger entries as the backup reported.
func checkHolds(t *testing.T, file string, org int64, sites, emails []string, wantEntries int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(t.TempDir(), "copy.db")
	os.WriteFile(c, b, 0o600)
	d, err := db.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := ledger.Verify(context.Background(), d)
	if err != nil || rep.Broken != nil || int(rep.Entries) != wantEntries {
		t.Fatalf("ledger of %s: %+v %v, want %d entries intact", file, rep, err, wantEntries)
	}
	have := map[string]bool{}
	rows, err := d.Query(context.Background(), "SELECT name FROM sites WHERE org_id = ? UNION ALL SELECT email FROM users WHERE org_id = ?", org, org)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		have[s] = true
	}
	rows.Close()
	missing := 0
	for _, s := range append(sites, emails...) {
		if !have[s] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%s lacks %d of the %d writes committed before it began", filepath.Base(file), missing, len(sites)+len(emails))
	}
}

func TestBackupCommandLine(t *testing.T) {
	data := t.TempDir()
	addOrg(t, data, "small-group", "Small Group")
	file := filepath.Join(t.TempDir(), "abri.db")
	// Flags may follow the file.
	if code, out, errOut := run(t, "", "backup", file, "--data", data); code != 0 || !strings.Contains(out, "backup written to "+file) {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	cases := []struct {
		name string
		code int
		args []string
		want string
	}{
		{"onto an existing file", 1, []string{"backup", "--data", data, file}, "never overwrites"},
		{"no file", 2, []string{"backup", "--data", data}, "missing FILE"},
		{"two files", 2, []string{"backup", "--data", data, "a.db", "b.db"}, "one FILE only"},
		{"no database", 1, []string{"backup", "--data", t.TempDir(), filepath.Join(t.TempDir(), "x.db")}, "no database"},
		{"postgres", 1, []string{"backup", "--db", "postgres://abri@db.internal/abri", "x.dump"}, "pg_dump -Fc"},
		{"restore postgres", 1, []string{"restore", "--db", "postgres://abri@db.internal/abri", "x.dump"}, "pg_restore"},
		{"restore with a SQLite DSN", 2, []string{"restore", "--db", "/var/lib/abri/abri.db", "x.db"}, "--data"},
		{"restore a missing file", 1, []string{"restore", "--data", data, filepath.Join(t.TempDir(), "gone.db")}, "no such file"},
		{"restore something else", 1, []string{"restore", "--data", data, "backup_test.go"}, "not a sound abri backup"},
		{"bad flag", 2, []string{"backup", "--colour", "x.db"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, "", c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d %q, want %d saying %q", code, errOut, c.code, c.want)
			}
			if c.code == 1 && strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 {
				t.Errorf("error is more than one line: %q", errOut)
			}
		})
	}
	for _, cmd := range []string{"backup", "restore"} {
		code, _, errOut := run(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: abri "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestRestoreRefusedWhileServing restores while abri serve runs on the data
// directory: refused, with the database untouched; after the server stops
// the same restore goes through.
func TestRestoreRefusedWhileServing(t *testing.T) {
	data := t.TempDir()
	addOrg(t, data, "served-group", "Served Group")
	file := filepath.Join(t.TempDir(), "abri.db")
	if code, _, errOut := run(t, "", "backup", "--data", data, file); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, strings.NewReader(""), io.Discard, &errb)
	}()
	for i := 0; i < 600 && !strings.Contains(errb.String(), "abri serving"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	code, _, errOut := run(t, "", "restore", "--data", data, file)
	cancel()
	if c := <-done; c != 0 {
		t.Fatalf("serve exited %d: %s", c, errb.String())
	}
	if code != 1 || !strings.Contains(errOut, "stop it first") {
		t.Errorf("restore while serving: exit %d %q, want a refusal", code, errOut)
	}
	if code, out, errOut := run(t, "", "restore", "--data", data, file); code != 0 || !strings.Contains(out, "kept as") {
		t.Errorf("restore after the server stopped: %d %q %q", code, out, errOut)
	}
}
