package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/cli"
	"abri/internal/dbtest"

	_ "modernc.org/sqlite"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadStartIsOneLineAndNonZero(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	roDir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(roDir, 0o500)
	shortToken := filepath.Join(t.TempDir(), "token")
	os.WriteFile(shortToken, []byte("s3cret\n"), 0o600)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"malformed dsn", []string{"serve", "--addr", "127.0.0.1:0", "--db", "postgres://%zz"}, "malformed PostgreSQL DSN"},
		{"unknown dsn scheme", []string{"migrate", "--db", "mysql://x/y"}, "unsupported database DSN scheme"},
		{"unwritable data dir", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(roDir, "data")}, "data directory"},
		{"port in use", []string{"serve", "--addr", busy.Addr().String(), "--data", t.TempDir()}, "address already in use"},
		{"bad addr", []string{"serve", "--addr", "nonsense"}, "--addr"},
		{"bad trusted proxy", []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxy", "10.0.0.0/8,proxy.local"}, "--trusted-proxy"},
		{"bad metrics network", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-allow", "10.0.0.0/33"}, "--metrics-allow"},
		{"missing metrics token file", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-token-file", filepath.Join(roDir, "nope")}, "metrics token file"},
		{"short metrics token", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-token-file", shortToken}, "too short"},
		{"negative statement timeout", []string{"serve", "--addr", "127.0.0.1:0", "--db-statement-timeout", "-1s"}, "--db-statement-timeout"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "unwritable data dir" && os.Geteuid() == 0 {
				// root writes anywhere; a path under a regular file fails for everyone.
				f := filepath.Join(t.TempDir(), "file")
				os.WriteFile(f, nil, 0o600)
				c.args[4] = filepath.Join(f, "data")
			}
			code, _, stderr := run(t, "", c.args...)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero; stderr %q", stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not mention %q", stderr, c.want)
			}
			if n := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); n != 0 {
				t.Errorf("error is %d lines, want one: %q", n+1, stderr)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "abri ") {
		t.Errorf("version: %d %q", code, out)
	}
	for _, cmd := range []string{"serve", "demo", "migrate", "verify", "user"} {
		code, _, errOut := run(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: abri "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, code, errOut)
		}
	}
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := run(t, "", "user", "add-org", "--data", data, "--org", "test-org", "--org-name", "Test Org",
		"--base", "Warehouse", "--email", "Admin@Example.org", "--name", "Ada")
	if code != 0 || !strings.Contains(out, "added user") || !strings.Contains(out, "password: ") {
		t.Fatalf("add-org: %d %q %q", code, out, errOut)
	}
	// A new server knows the standard catalogue from the start.
	sdb, err := sql.Open("sqlite", filepath.Join(data, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	var products int
	sdb.QueryRow("SELECT COUNT(*) FROM products WHERE base_id IS NULL").Scan(&products)
	sdb.Close()
	if products != 162 {
		t.Errorf("a new database has %d standard products, want the 162 of the catalogue", products)
	}
	code, out, errOut = run(t, "a-long-enough-password\n", "user", "add", "--data", data, "--org", "test-org",
		"--email", "w@example.org", "--name", "Wendy", "--role", "warehouse", "--password-stdin")
	if code != 0 || strings.Contains(out, "password: ") {
		t.Fatalf("add with stdin password: %d %q %q", code, out, errOut)
	}
	// The same email again: a clear message, nothing added.
	code, _, errOut = run(t, "", "user", "add", "--data", data, "--org", "test-org",
		"--email", "w@example.org", "--name", "Wendy", "--role", "warehouse")
	if code != 1 || !strings.Contains(errOut, "already has an account") {
		t.Errorf("duplicate email: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", "user", "add", "--data", data, "--org", "test-org",
		"--email", "x@example.org", "--name", "X", "--role", "emperor")
	if code != 1 || !strings.Contains(errOut, "Unknown role") {
		t.Errorf("bad role: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "short\n", "user", "passwd", "--data", data, "--email", "w@example.org", "--password-stdin")
	if code != 1 || !strings.Contains(errOut, "at least") {
		t.Errorf("short password: %d %q", code, errOut)
	}
	if code, out, _ := run(t, "", "user", "disable", "--data", data, "--email", "w@example.org"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("disable: %d %q", code, out)
	}
	if code, _, errOut := run(t, "", "user", "disable", "--data", data, "--email", "nobody@example.org"); code != 1 || !strings.Contains(errOut, "Not found") {
		t.Errorf("disable unknown: %d %q", code, errOut)
	}
	if code, out, _ := run(t, "", "verify", "--data", data); code != 0 || !strings.Contains(out, "ledger intact") {
		t.Errorf("verify: %d %q", code, out)
	}
}

var userLine = regexp.MustCompile(`(?m)^user (\w+) (\S+) (\S+) (abri_\S+)$`)

// demoStartWait bounds how long a journey waits for the demo to seed and
// serve. Seeding takes seconds on its own, but a minute or more under the
// race detector on two CPUs shared with the other packages' tests.
const demoStartWait = 4 * time.Minute

// demo is a running "abri demo".
type demo struct {
	url    string
	users  map[string][]string // role → email, password, token
	cancel context.CancelFunc
	done   chan int
}

// runDemo starts "abri demo" on a free port and waits until it has seeded
// and printed its users.
func runDemo(args ...string) (*demo, error) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	d := &demo{cancel: cancel, done: make(chan int, 1)}
	go func() {
		d.done <- cli.Run(ctx, append([]string{"demo", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &out, &errb)
	}()
	fail := func(err error) (*demo, error) {
		cancel()
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
		}
		return nil, err
	}
	deadline := time.Now().Add(demoStartWait)
	for time.Now().Before(deadline) {
		s := out.String()
		if strings.Contains(s, "user viewer ") {
			m := regexp.MustCompile(`open (http://\S+)/ `).FindStringSubmatch(s)
			if m == nil {
				return fail(fmt.Errorf("no URL in demo output: %q", s))
			}
			d.url, d.users = m[1], map[string][]string{}
			for _, u := range userLine.FindAllStringSubmatch(s, -1) {
				if _, seen := d.users[u[1]]; !seen {
					d.users[u[1]] = u[2:]
				}
			}
			return d, nil
		}
		select {
		case code := <-d.done:
			return nil, fmt.Errorf("demo exited %d: %s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fail(fmt.Errorf("demo did not print its users within %s: %q %q", demoStartWait, out.String(), errb.String()))
}

// stop cancels the demo and reports whether it stopped within 30 s.
func (d *demo) stop() bool {
	d.cancel()
	select {
	case <-d.done:
		return true
	case <-time.After(30 * time.Second):
		return false
	}
}

// startDemo runs "abri demo" on a free port until the test ends and returns
// its URL and printed users by role.
func startDemo(t *testing.T, args ...string) (string, map[string][]string) {
	t.Helper()
	d, err := runDemo(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !d.stop() {
			t.Error("demo did not stop within 30 s of cancel")
		}
	})
	return d.url, d.users
}

// seeded is one data directory seeded by "abri demo" and stopped, which the
// journeys copy: seeding the demo's year of data takes a minute under the
// race detector, starting on an already seeded directory a few seconds (the
// demo then only checks its data is there and prints new credentials).
// TestDemoOnBothDatabases still seeds from nothing, on both databases.
var seeded struct {
	once sync.Once
	dir  string
	err  error
}

// seededData returns a copy of the seeded data directory, the test's own.
func seededData(t *testing.T) string {
	t.Helper()
	seeded.once.Do(func() {
		seeded.dir, seeded.err = os.MkdirTemp("", "abri-cli-demo-")
		if seeded.err != nil {
			return
		}
		d, err := runDemo("--data", seeded.dir)
		if err != nil {
			seeded.err = err
			return
		}
		if !d.stop() {
			seeded.err = fmt.Errorf("the seeding demo did not stop within 30 s")
		}
	})
	if seeded.err != nil {
		t.Fatalf("seeding the demo: %v", seeded.err)
	}
	dst := t.TempDir()
	if err := copyTree(dst, seeded.dir); err != nil {
		t.Fatal(err)
	}
	return dst
}

// copyTree copies the files under src into dst, keeping their modes (the
// keys are 0600, and abri refuses keys others may read).
func copyTree(dst, src string) error {
	return filepath.WalkDir(src, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(to, info.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

func TestDemoOnBothDatabases(t *testing.T) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		t.Run(dbName, func(t *testing.T) {
			var args []string
			if dbName == "postgres" {
				args = []string{"--db", dbtest.PostgresDSN(t)}
			} else {
				args = []string{"--data", t.TempDir()}
			}
			url, users := startDemo(t, args...)
			for _, role := range []string{"admin", "coordinator", "warehouse", "distribution", "observer", "shop", "viewer"} {
				if users[role] == nil {
					t.Errorf("demo printed no %s user", role)
				}
			}
			req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+users["coordinator"][2])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(body), `"coordinator"`) {
				t.Errorf("GET /api/v1/me with the printed coordinator token: %d %s", res.StatusCode, body)
			}
			for _, p := range []string{"/healthz", "/readyz"} {
				res, err := http.Get(url + p)
				if err != nil || res.StatusCode != 200 {
					t.Errorf("%s: %v %v", p, err, res)
				} else {
					res.Body.Close()
				}
			}
		})
	}
}

// TestVerifyCatchesTampering runs the demo on a data directory, stops it,
// verifies the ledger, then changes one payload in a copy and verifies again.
func TestVerifyCatchesTampering(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", data}, strings.NewReader(""), &out, io.Discard)
	}()
	for i := 0; i < 1200 && !strings.Contains(out.String(), "user viewer"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	code, stdout, _ := run(t, "", "verify", "--data", data)
	if code != 0 || !strings.Contains(stdout, "ledger intact") {
		t.Fatalf("verify on the demo: %d %q", code, stdout)
	}
	// Tamper with a copy: the second entry's payload of the first chain.
	copyDir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(data, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(copyDir, "abri.db"), b, 0o600)
	sdb, err := sql.Open("sqlite", filepath.Join(copyDir, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	var org int64
	sdb.QueryRow("SELECT MIN(org_id) FROM ledger").Scan(&org)
	if _, err := sdb.Exec(`UPDATE ledger SET payload = '{"name":"Someone Else"}' WHERE org_id = ? AND seq = 2`, org); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	code, stdout, _ = run(t, "", "verify", "--data", copyDir)
	if code == 0 || !strings.Contains(stdout, fmt.Sprintf("organisation %d, entry 2", org)) {
		t.Errorf("verify on a tampered copy: exit %d, %q; want non-zero naming entry 2", code, stdout)
	}
}
