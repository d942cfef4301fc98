package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of addresses or CIDR
// prefixes (e.g. "127.0.0.1,10.0.0.0/8") of reverse proxies whose
// X-Forwarded-For header abri believes.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR prefix", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// realClient puts the client's address in r.RemoteAddr when the request came
// through a trusted reverse proxy, so that the per-address sign-in throttle
// counts clients, not the proxy. The client is the right-most address of
// X-Forwarded-For that is not itself a trusted proxy; a header from anyone
// else is ignored, so it cannot be used to dodge the throttle. The address
// is used for throttling only and never logged.
func realClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing further left
			}
			if !isTrusted(a) {
				// Set in place, not on a copy: the metrics middleware reads
				// the route pattern from this same request after routing.
				r.RemoteAddr = net.JoinHostPort(a.Unmap().String(), "0")
				break
			}
		}
		next.ServeHTTP(w, r)
	})
}
