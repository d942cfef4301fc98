// Package origin is the public address of abri: the scheme and host that
// links and the QR codes on labels hold, the same for the screens and the
// API.
package origin

import "net/http"

// Of is the configured base URL (e.g. https://abri.example.org), else the
// scheme and host this request came to.
func Of(baseURL string, r *http.Request) string {
	if baseURL != "" {
		return baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
