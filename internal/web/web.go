// Package web serves abri's HTML screens.
package web

import (
	"log/slog"
	"net/http"

	"abri/internal/account"
	"abri/internal/db"
)

// Config is what the HTML screens need.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string // e.g. https://abri.example.org; "" means from the request
	Logger   *slog.Logger
}

// New returns the handler for every HTML route and /static/.
// STUB: replaced by the real screens.
func New(cfg Config) (http.Handler, error) {
	return http.NotFoundHandler(), nil
}
