package proof_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects what a process writes while the test reads it.
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

// buildAbri builds the abri command into a temporary directory, the way the
// test binary itself was built (with the race detector or not).
func buildAbri(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "abri")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	start := time.Now()
	out, err := exec.Command(goTool, append(args, "abri/cmd/abri")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %s (race detector: %v)", filepath.Base(bin), time.Since(start).Round(time.Millisecond), raceBuild)
	return bin
}

// cleanEnv is the environment without ABRI_ settings, so that the
// developer's own ABRI_DB or ABRI_DATA cannot reach the test's server.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ABRI_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runAbri runs one abri command to its end.
func runAbri(t *testing.T, bin, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("abri %v: %v", args, err)
	}
	return 0, string(out)
}

// freeAddr finds a loopback port nobody listens on. The server is started
// on it again after every kill, so clients keep one address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is `abri serve` running as a separate process, started again and
// again on one data directory and address. Everything it writes to standard
// error, over all its lives, is kept in logs.
type process struct {
	bin, data, addr string
	extra           []string // more arguments for abri serve (e.g. --db)
	logs            *syncBuffer
	cmd             *exec.Cmd
	done            chan struct{}
	starts          int
	startTime       time.Duration // all starts together, until ready
}

func (p *process) url() string { return "http://" + p.addr }

// start runs the server and waits until /readyz answers 200.
func (p *process) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(p.bin, append([]string{"serve", "--addr", p.addr, "--data", p.data}, p.extra...)...)
	cmd.Env = cleanEnv("ABRI_LOG_LEVEL=debug")
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	p.starts++
	begin := time.Now()
	defer func() { p.startTime += time.Since(begin) }()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start abri serve: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatalf("abri serve exited at start (%v):\n%s", cmd.ProcessState, tail(p.logs.String(), 2000))
		default:
		}
		if res, err := hc.Get(p.url() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("abri serve not ready within 60 s:\n%s", tail(p.logs.String(), 2000))
}

// kill sends SIGKILL and waits until the process is gone.
func (p *process) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// client is one signed-in browser: cookies kept, redirects not followed.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, hc: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and reads the whole answer.
func (c *client) do(ctx context.Context, method, path string, form url.Values) (int, string, error) {
	var body []byte
	ct := ""
	if form != nil {
		body, ct = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	status, b, err := c.send(ctx, method, path, ct, body, "")
	return status, string(b), err
}

// send sends a request, with a body of type contentType when body is not
// nil and a bearer token when token is not "", and reads the whole answer.
func (c *client) send(ctx context.Context, method, path, contentType string, body []byte, token string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("read the answer: %w", err)
	}
	return res.StatusCode, b, nil
}

// signIn signs the client in; the session cookie stays in its jar.
func (c *client) signIn(ctx context.Context, email, password string) error {
	status, body, err := c.do(ctx, "POST", "/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("sign in: %d %s", status, tail(body, 300))
	}
	return nil
}
