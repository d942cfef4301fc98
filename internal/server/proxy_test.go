package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRealClientBelievesOnlyTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	h := realClient(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	for _, c := range []struct {
		name, peer, xff, want string
	}{
		{"through the proxy", "127.0.0.1:5000", "203.0.113.5", "203.0.113.5:0"},
		{"through two trusted proxies", "127.0.0.1:5000", "198.51.100.7, 10.1.2.3", "198.51.100.7:0"},
		{"a forged hop left of the real client is ignored", "127.0.0.1:5000", "1.1.1.1, 203.0.113.5", "203.0.113.5:0"},
		{"an untrusted peer's header is ignored", "192.0.2.9:4000", "203.0.113.5", "192.0.2.9:4000"},
		{"no header", "127.0.0.1:5000", "", "127.0.0.1:5000"},
		{"a malformed hop stops the walk", "127.0.0.1:5000", "203.0.113.5, garbage", "127.0.0.1:5000"},
		{"only trusted hops", "127.0.0.1:5000", "10.9.9.9", "127.0.0.1:5000"},
		{"IPv6 client", "127.0.0.1:5000", "2001:db8::1", "[2001:db8::1]:0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if seen != c.want {
				t.Errorf("client address %q, want %q", seen, c.want)
			}
		})
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, not-an-address"); err == nil {
		t.Error("a malformed trusted proxy was accepted")
	}
	// Without trusted proxies the header never counts.
	none := realClient(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.5")
	none.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "127.0.0.1:5000" {
		t.Errorf("with no trusted proxy the client is %q", seen)
	}
}
