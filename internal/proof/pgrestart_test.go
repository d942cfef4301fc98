package proof_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// throwawayPostgres is a PostgreSQL server of the test's own, on a port and
// in a directory nobody else uses, so that it can be stopped hard without
// touching the shared server other tests use.
type throwawayPostgres struct {
	bin, dir string
	port     int
}

// startThrowawayPostgres initialises and starts a server as the postgres
// user, the way .ci/postgres-start does, and stops it when the test ends.
func startThrowawayPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	needRoot(t, "running PostgreSQL as its own user")
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		skipOrFail(t, "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
	}
	sort.Strings(bins)
	pg := &throwawayPostgres{bin: filepath.Dir(bins[len(bins)-1])}
	if _, err := exec.LookPath("runuser"); err != nil {
		skipOrFail(t, "no runuser to start PostgreSQL as postgres")
	}
	dir, err := os.MkdirTemp("", "abri-pg-fault-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		skipOrFail(t, fmt.Sprintf("chown %s to postgres: %v %s", dir, err, out))
	}
	pg.dir = dir
	port, err := strconv.Atoi(strings.TrimPrefix(freeAddr(t), "127.0.0.1:"))
	if err != nil {
		t.Fatal(err)
	}
	pg.port = port
	if out, err := pg.run("initdb", "-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.start(t)
	t.Cleanup(func() { pg.run("pg_ctl", "-D", dir, "-m", "immediate", "stop") })
	admin, err := sql.Open("pgx", pg.dsn("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE abri"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return pg
}

func (pg *throwawayPostgres) run(tool string, args ...string) (string, error) {
	out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pg.bin, tool)}, args...)...).CombinedOutput()
	return string(out), err
}

func (pg *throwawayPostgres) dsn(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, database)
}

func (pg *throwawayPostgres) start(t *testing.T) {
	t.Helper()
	if out, err := pg.run("pg_ctl", "-D", pg.dir, "-l", filepath.Join(pg.dir, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on -c max_connections=100", pg.port, pg.dir), "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "server.log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, tail(string(log), 2000))
	}
}

// TestPostgresRestartUnderLoad stops abri's PostgreSQL server hard
// (pg_ctl stop -m immediate, as a crash would) while writes pour in, and
// starts it again. While it is down, /readyz says 503 and writes answer 503
// with a message (never a bare 500); once it is back, abri reconnects by
// itself, /readyz is 200 again and writes are acknowledged; every write
// acknowledged before, during or after is in the database, and abri verify
// passes.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("the PostgreSQL restart test starts its own PostgreSQL and abri; skipped under -short")
	}
	pg := startThrowawayPostgres(t)
	bin := buildAbri(t)
	data := t.TempDir()
	dsn := pg.dsn("abri")
	const email, password = "pg-admin@example.org", "a long restart-test password"
	if code, out := runAbri(t, bin, password+"\n", "user", "add-org", "--data", data, "--db", dsn, "--org", "pg-test",
		"--org-name", "PG Test", "--base", "Warehouse", "--email", email, "--name", "PG Admin", "--password-stdin"); code != 0 {
		t.Fatalf("add-org: exit %d: %s", code, out)
	}
	p := &process{bin: bin, data: data, addr: freeAddr(t), logs: &syncBuffer{}, extra: []string{"--db", dsn}}
	p.start(t)
	t.Cleanup(p.kill)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(p.url())
	if err := c.signIn(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	wh := prepareWarehouse(ctx, t, c, password)

	// The load: workers making boxes through the API without pause.
	var (
		mu      sync.Mutex
		acked   []string
		ackedAt []time.Time
		reasons = map[string]int{}
		samples = map[string]string{}
	)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				code, err := wh.makeBox(ctx)
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, code)
					ackedAt = append(ackedAt, time.Now())
				case ctx.Err() != nil:
				default:
					reason := "no answer"
					if ae, ok := asAPIError(err); ok {
						reason = strconv.Itoa(ae.status) + " " + ae.code
					}
					reasons[reason]++
					if _, ok := samples[reason]; !ok {
						samples[reason] = err.Error()
					}
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitReady := func(want int, within time.Duration) time.Duration {
		t.Helper()
		hc := &http.Client{Timeout: 3 * time.Second}
		start := time.Now()
		for time.Since(start) < within {
			if res, err := hc.Get(p.url() + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == want {
					return time.Since(start)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("/readyz did not answer %d within %s", want, within)
		return 0
	}

	time.Sleep(time.Second)
	before := count()
	if before == 0 {
		t.Fatal("no write acknowledged before the stop")
	}
	if out, err := pg.run("pg_ctl", "-D", pg.dir, "-m", "immediate", "stop"); err != nil {
		t.Fatalf("pg_ctl stop -m immediate: %v %s", err, out)
	}
	stopped := time.Now()
	t.Logf("PostgreSQL stopped hard after %d acknowledged writes; /readyz 503 after %s", before, waitReady(http.StatusServiceUnavailable, 10*time.Second).Round(time.Millisecond))
	time.Sleep(1500 * time.Millisecond) // writes keep coming while it is down
	pg.start(t)
	t.Logf("PostgreSQL started again after %s down; /readyz 200 after %s more", time.Since(stopped).Round(time.Millisecond),
		waitReady(http.StatusOK, 60*time.Second).Round(time.Millisecond))
	restarted := count()
	deadline := time.Now().Add(20 * time.Second)
	for count() < restarted+20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	after := len(acked) - restarted
	t.Logf("writes: %d acknowledged before the stop, %d after the restart; not acknowledged: %v", before, after, reasons)
	if after < 20 {
		t.Errorf("only %d writes acknowledged within 20 s of the restart: abri did not reconnect by itself", after)
	}
	for reason, n := range reasons {
		if reason != "503 unavailable" {
			var lines []string
			for _, l := range strings.Split(p.logs.String(), "\n") {
				if strings.Contains(l, "internal error") {
					lines = append(lines, l)
				}
			}
			t.Errorf("%d writes answered %s while PostgreSQL was down or back (e.g. %s); want only 503; the log says:\n%s",
				n, reason, samples[reason], strings.Join(lines[:min(len(lines), 5)], "\n"))
		}
	}
	if reasons["503 unavailable"] == 0 {
		t.Error("no write was refused while PostgreSQL was down")
	} else if !strings.Contains(samples["503 unavailable"], "database cannot be reached") {
		t.Errorf("the 503 does not say the database cannot be reached: %s", samples["503 unavailable"])
	}

	// Every acknowledged write is in the database.
	d, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query("SELECT code FROM boxes")
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]bool{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			t.Fatal(err)
		}
		inDB[code] = true
	}
	rows.Close()
	if lost := missingCodes(acked, inDB); len(lost) > 0 {
		t.Errorf("%d of %d acknowledged boxes are missing after the restart, e.g. %v", len(lost), len(acked), lost[:min(3, len(lost))])
	} else {
		t.Logf("all %d acknowledged boxes are in the database", len(acked))
	}
	if code, out := runAbri(t, bin, "", "verify", "--data", data, "--db", dsn); code != 0 || !strings.Contains(out, "ledger intact") {
		t.Errorf("abri verify after the restart: exit %d: %s", code, out)
	}
	logs := p.logs.String()
	for _, bad := range []string{"panic:", "fatal error:"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the server's log holds %q:\n%s", bad, tail(logs[strings.Index(logs, bad):], 3000))
		}
	}
}
