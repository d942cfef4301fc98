package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"abri/internal/account"
	"abri/internal/dbtest"
	"abri/internal/server"
)

// TestMetricsAnswerOnlyAllowedClients: /metrics answers the allowed networks
// (loopback unless configured) and holders of the metrics token; anyone else
// gets the very 404 of a path abri does not have. Behind a trusted proxy the
// client's address decides, as for the sign-in throttle.
func TestMetricsAnswerOnlyAllowedClients(t *testing.T) {
	d := dbtest.SQLite(t)
	const token = "metrics-token-0123456789abcdef"
	build := func(allow string, proxies string, tok string) http.Handler {
		t.Helper()
		cfg := server.Config{DB: d, Accounts: account.New(d), BaseURL: "http://abri.test", Logger: slog.New(slog.DiscardHandler), MetricsToken: tok}
		if allow != "" {
			nets, err := server.ParseMetricsAllow(allow)
			if err != nil {
				t.Fatal(err)
			}
			cfg.MetricsAllow = nets
		}
		var err error
		if cfg.TrustedProxies, err = server.ParseTrustedProxies(proxies); err != nil {
			t.Fatal(err)
		}
		s, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s.Handler()
	}
	ask := func(h http.Handler, path, peer, xff, auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	served := func(w *httptest.ResponseRecorder) bool {
		return w.Code == 200 && strings.Contains(w.Body.String(), "# TYPE abri_http_requests_total counter")
	}
	byDefault := build("", "", "")
	// What a path abri does not have looks like, from the same client.
	nowhere := ask(byDefault, "/no-such-page", "192.0.2.1:4000", "", "")
	if nowhere.Code != 404 {
		t.Fatalf("/no-such-page: %d", nowhere.Code)
	}
	hidden := func(name string, w *httptest.ResponseRecorder) {
		t.Helper()
		// The page links back to its own path (the language switch).
		body := strings.ReplaceAll(w.Body.String(), "/metrics", "/no-such-page")
		if w.Code != 404 || body != nowhere.Body.String() || w.Header().Get("Content-Type") != nowhere.Header().Get("Content-Type") {
			t.Errorf("%s: %d %q, want the 404 of any unknown path %q", name, w.Code, body, nowhere.Body.String())
		}
	}

	withToken := build("", "", token)
	viaProxy := build("", "10.0.0.1", "")
	monitoring := build("192.168.5.0/24", "10.0.0.1", token)
	tokenOnly := build("none", "", token)
	for _, c := range []struct {
		name            string
		h               http.Handler
		peer, xff, auth string
		want            bool
	}{
		{"loopback IPv4", byDefault, "127.0.0.1:5000", "", "", true},
		{"loopback IPv6", byDefault, "[::1]:5000", "", "", true},
		{"another network", byDefault, "192.0.2.1:4000", "", "", false},
		{"a forged X-Forwarded-For from an untrusted peer", byDefault, "192.0.2.1:4000", "127.0.0.1", "", false},
		{"a token when none is configured", byDefault, "192.0.2.1:4000", "", "Bearer " + token, false},
		{"the token from anywhere", withToken, "192.0.2.1:4000", "", "Bearer " + token, true},
		{"a wrong token", withToken, "192.0.2.1:4000", "", "Bearer " + token + "x", false},
		{"a prefix of the token", withToken, "192.0.2.1:4000", "", "Bearer " + token[:10], false},
		{"the token without Bearer", withToken, "192.0.2.1:4000", "", token, false},
		{"an empty bearer token", withToken, "192.0.2.1:4000", "", "Bearer ", false},
		{"a public client behind a loopback-trusted proxy", viaProxy, "10.0.0.1:6000", "198.51.100.7", "", false},
		{"a loopback client behind the proxy", viaProxy, "10.0.0.1:6000", "127.0.0.1", "", true},
		{"the proxy's own network is not loopback", viaProxy, "10.0.0.1:6000", "", "", false},
		{"the monitoring network behind the proxy", monitoring, "10.0.0.1:6000", "192.168.5.9", "", true},
		{"the monitoring network, directly", monitoring, "192.168.5.9:7000", "", "", true},
		{"loopback, once networks are configured", monitoring, "127.0.0.1:5000", "", "", false},
		{"another client behind the proxy with the token", monitoring, "10.0.0.1:6000", "198.51.100.7", "Bearer " + token, true},
		{"no network allowed: loopback", tokenOnly, "127.0.0.1:5000", "", "", false},
		{"no network allowed: the token", tokenOnly, "127.0.0.1:5000", "", "Bearer " + token, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := ask(c.h, "/metrics", c.peer, c.xff, c.auth)
			switch {
			case c.want && !served(w):
				t.Errorf("refused: %d %q", w.Code, w.Body.String()[:min(w.Body.Len(), 80)])
			case !c.want:
				hidden(c.name, w)
			}
		})
	}
	if _, err := server.ParseMetricsAllow("10.0.0.0/8,monitoring.local"); err == nil {
		t.Error("a host name was accepted as a metrics network")
	}
	if nets, err := server.ParseMetricsAllow(server.DefaultMetricsAllow); err != nil || len(nets) != 2 || !nets[0].Contains(netip.MustParseAddr("127.0.0.53")) {
		t.Errorf("default metrics networks = %v, %v", nets, err)
	}
}
