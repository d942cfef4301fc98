package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/server"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newServer(t *testing.T, d *db.DB) (*server.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s, err := server.New(server.Config{
		DB: d, Accounts: account.New(d), BaseURL: "http://abri.test", Version: "v0.0.0-test",
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// serve runs the real server on a free loopback port until the test ends or
// stop is called; stop returns Serve's result.
func serve(t *testing.T, s *server.Server) (url string, stop func() error) {
	t.Helper()
	ln, err := server.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = fmt.Errorf("Serve did not return")
			}
		})
		return result
	}
	t.Cleanup(func() { stop() })
	return "http://" + ln.Addr().String(), stop
}

func TestHealthAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newServer(t, d)
		h := s.Handler()
		if w := get(t, h, "/healthz"); w.Code != 200 || w.Body.String() != "ok\n" {
			t.Errorf("/healthz: %d %q", w.Code, w.Body)
		}
		if w := get(t, h, "/readyz"); w.Code != 200 {
			t.Errorf("/readyz with the database up: %d %q", w.Code, w.Body)
		}
		d.Close()
		if w := get(t, h, "/readyz"); w.Code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database closed: %d, want 503", w.Code)
		}
		if w := get(t, h, "/healthz"); w.Code != 200 {
			t.Errorf("/healthz with the database closed: %d, want 200", w.Code)
		}
	})
}

func TestMetricsCountRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newServer(t, d)
		h := s.Handler()
		get(t, h, "/healthz")
		get(t, h, "/healthz")
		get(t, h, "/api/v1/me")      // 401: no token
		get(t, h, "/api/v1/nowhere") // 404 from the API's catch-all
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "127.0.0.1:9090" // a scraper on the machine itself
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Fatalf("/metrics: %d %q", w.Code, w.Header().Get("Content-Type"))
		}
		body := w.Body.String()
		for _, want := range []string{
			`abri_http_requests_total{route="/healthz",method="GET",code="2xx"} 2` + "\n",
			// The API's own route pattern, not the server's "/api/".
			`abri_http_requests_total{route="/api/v1/me",method="GET",code="4xx"} 1` + "\n",
			`abri_http_requests_total{route="/api/",method="GET",code="4xx"} 1` + "\n",
			`abri_http_request_duration_seconds_count{route="/healthz",method="GET"} 2` + "\n",
			"# TYPE abri_db_open_connections gauge\n",
			"# TYPE abri_db_wait_count_total counter\n",
			"# TYPE go_goroutines gauge\n",
			"# TYPE go_memstats_heap_alloc_bytes gauge\n",
			"# TYPE process_start_time_seconds gauge\n",
			`abri_build_info{version="v0.0.0-test"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

func TestAccessLogHoldsNoPersonalData(t *testing.T) {
	s, logs := newServer(t, dbtest.SQLite(t))
	r := httptest.NewRequest("GET", "/api/v1/me?email=sam%40example.org", nil)
	r.Header.Set("Authorization", "Bearer abri_s3cretTokenValue")
	r.Header.Set("Cookie", "abri_session=c00kieValue")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.RemoteAddr = "198.51.100.7:40000"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", w.Code)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "http request" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no access log line in %s", logs)
	}
	if line["method"] != "GET" || line["route"] != "/api/v1/me" || line["status"] != float64(401) {
		t.Errorf("access log line = %v", line)
	}
	if _, ok := line["duration_ms"]; !ok {
		t.Errorf("no duration in %v", line)
	}
	if b, _ := line["bytes"].(float64); b <= 0 {
		t.Errorf("bytes = %v", line["bytes"])
	}
	for _, secret := range []string{"sam", "example.org", "email", "s3cret", "c00kie", "203.0.113.9", "198.51.100.7"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q: %s", secret, logs)
		}
	}
}

func TestPanicGives500AndServingGoesOn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, logs := newServer(t, d)
		s.HandleForTest("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
		s.HandleForTest("GET /api/v1/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			var m map[string]int
			m["x"] = 1 // a runtime error
		}))
		s.HandleForTest("GET /half", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("the first half"))
			w.(http.Flusher).Flush()
			panic("boom after writing")
		}))
		url, stop := serve(t, s)

		// Half an answer was sent: the connection is cut, so the client
		// cannot take it for a whole one.
		if resp, err := http.Get(url + "/half"); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("/half: a panic after writing gave a clean %d answer", resp.StatusCode)
			}
		}

		resp, err := http.Get(url + "/boom")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || !strings.Contains(string(body), "Something went wrong") {
			t.Errorf("/boom: %d %q", resp.StatusCode, body)
		}

		resp, err = http.Get(url + "/api/v1/boom")
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 500 || e.Error.Code != "internal" || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("/api/v1/boom: %d %+v", resp.StatusCode, e)
		}

		for i := 0; i < 3; i++ {
			resp, err := http.Get(url + "/healthz")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("after a panic /healthz: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		l := logs.String()
		if !strings.Contains(l, "panic in a handler") || !strings.Contains(l, `"route":"/boom"`) || !strings.Contains(l, "assignment to entry in nil map") {
			t.Errorf("the panics were not logged: %s", l)
		}
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestBodyCap(t *testing.T) {
	d := dbtest.SQLite(t)
	s, _ := newServer(t, d)
	token := makeToken(t, d)
	// A handler that reads the body and gives up on an error without
	// answering: the server answers 413.
	s.HandleForTest("POST /upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		w.Write([]byte("stored"))
	}))
	// A route that sets its own, larger cap.
	s.HandleForTest("POST /evidence", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := r.Body.(interface{ SetLimit(int64) }); ok {
			b.SetLimit(20 << 20)
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprint(w, n)
	}))
	url, _ := serve(t, s)
	post := func(path string, size int) (int, string) {
		t.Helper()
		resp, err := http.Post(url+path, "application/octet-stream", bytes.NewReader(make([]byte, size)))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/upload", 1<<20); code != 200 || body != "stored" {
		t.Errorf("1 MiB upload: %d %q", code, body)
	}
	if code, body := post("/upload", server.MaxBody+1); code != 413 || !strings.Contains(body, "too large") {
		t.Errorf("upload over the cap: %d %q", code, body)
	}
	if code, body := post("/evidence", 15<<20); code != 200 || body != fmt.Sprint(15<<20) {
		t.Errorf("15 MiB to a route with its own cap: %d %q", code, body)
	}
	if code, _ := post("/evidence", 21<<20); code != 413 {
		t.Errorf("over the route's own cap: %d", code)
	}
	// The API keeps its own, lower cap (1 MiB) and answers in JSON.
	req, _ := http.NewRequest("PATCH", url+"/api/v1/me", bytes.NewReader(make([]byte, 2<<20)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.HasPrefix(string(b), `{"error":{"code":"too_large"`) {
		t.Errorf("API with a 2 MiB body: %d %q", resp.StatusCode, b)
	}
}

// makeToken makes an organisation with one user and returns their API token.
func makeToken(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	acc := account.New(d)
	org, base, err := acc.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Warehouse")
	if err != nil {
		t.Fatal(err)
	}
	u, err := acc.AddUser(ctx, access.SystemActor(org.ID, base.ID), account.NewUser{
		Email: "sam@example.org", Name: "Sam", BaseID: base.ID, Role: access.Warehouse})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Warehouse}, "phone")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGracefulShutdown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newServer(t, d)
		started, release := make(chan struct{}), make(chan struct{})
		s.HandleForTest("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			w.Write([]byte("finished"))
		}))
		url, stop := serve(t, s)

		type result struct {
			code int
			body string
			err  error
		}
		got := make(chan result, 1)
		go func() {
			resp, err := http.Get(url + "/slow")
			if err != nil {
				got <- result{err: err}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- result{resp.StatusCode, string(b), err}
		}()
		<-started

		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()

		// New connections are refused while the slow request still runs.
		addr := strings.TrimPrefix(url, "http://")
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("the listener still accepts connections after the shutdown began")
			}
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case err := <-stopped:
			t.Fatalf("Serve returned (%v) before the request in flight finished", err)
		default:
		}

		close(release)
		r := <-got
		if r.err != nil || r.code != 200 || r.body != "finished" {
			t.Errorf("the request in flight: %d %q %v", r.code, r.body, r.err)
		}
		if err := <-stopped; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestPortInUse(t *testing.T) {
	ln, err := server.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := server.Listen(ln.Addr().String()); err == nil {
		t.Error("a second listener on the same port was opened")
	}
}

func TestServePurgesExpiredSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewFixed(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		d.Clock = clk
		acc := account.New(d)
		org, base, err := acc.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Warehouse")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acc.AddUser(ctx, access.SystemActor(org.ID, base.ID), account.NewUser{
			Email: "sam@example.org", Name: "Sam", Password: "a long enough passphrase", BaseID: base.ID, Role: access.Viewer}); err != nil {
			t.Fatal(err)
		}
		sessions := func() (n int) {
			t.Helper()
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := acc.Login(ctx, "sam@example.org", "a long enough passphrase", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(acc.SessionIdle + time.Hour) // the session has ended but is still stored
		if sessions() != 1 {
			t.Fatal("no session stored")
		}
		s, _ := newServer(t, d)
		serve(t, s)
		deadline := time.Now().Add(5 * time.Second)
		for sessions() != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the expired session was not purged when serving began")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
