package origin_test

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"abri/internal/origin"
)

func TestOf(t *testing.T) {
	r := httptest.NewRequest("GET", "http://abri.local:8080/b/X", nil)
	if got := origin.Of("", r); got != "http://abri.local:8080" {
		t.Errorf("from the request: %q", got)
	}
	r.TLS = &tls.ConnectionState{}
	if got := origin.Of("", r); got != "https://abri.local:8080" {
		t.Errorf("over TLS: %q", got)
	}
	if got := origin.Of("https://abri.example.org", r); got != "https://abri.example.org" {
		t.Errorf("configured: %q", got)
	}
}
