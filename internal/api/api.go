// Package api serves abri's JSON API v1 under /api/v1/.
package api

import (
	"log/slog"
	"net/http"

	"abri/internal/account"
	"abri/internal/db"
)

// Config is what the API needs.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string
	Logger   *slog.Logger
}

// New returns the handler for every route under /api/v1/ (full paths).
// STUB: replaced by the real API.
func New(cfg Config) (http.Handler, error) {
	return http.NotFoundHandler(), nil
}
