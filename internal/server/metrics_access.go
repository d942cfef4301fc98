package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// DefaultMetricsAllow is who may read /metrics when nothing is configured:
// the machine itself.
const DefaultMetricsAllow = "127.0.0.0/8,::1"

// MinMetricsToken is the shortest metrics token accepted, so that a guess
// is as hopeless as for an API token.
const MinMetricsToken = 20

// ParseMetricsAllow reads the networks that may read /metrics, as addresses
// or CIDR prefixes, comma-separated; "none" allows no network (the token
// only).
func ParseMetricsAllow(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "none" {
		return []netip.Prefix{}, nil
	}
	ps, err := ParseTrustedProxies(s)
	if err != nil {
		return nil, fmt.Errorf("metrics network %s", strings.TrimPrefix(err.Error(), "trusted proxy "))
	}
	return ps, nil
}

// metricsAccess lets a request reach /metrics when it comes from an allowed
// network or carries the metrics token as a bearer token; anyone else gets
// the same 404 as any path abri does not have (from notFound), so the
// endpoint's existence is not even confirmed. The address is the one
// realClient settled on: behind a trusted proxy, the client's, not the
// proxy's.
func metricsAccess(allow []netip.Prefix, token string, next, notFound http.Handler) http.Handler {
	var want [sha256.Size]byte
	if token != "" {
		want = sha256.Sum256([]byte(token))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				// Hashes of equal length, compared in constant time: the
				// answer's timing says nothing about the token.
				sum := sha256.Sum256([]byte(got))
				if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			a := peer.Addr().Unmap()
			for _, p := range allow {
				if p.Contains(a) {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		notFound.ServeHTTP(w, r)
	})
}
