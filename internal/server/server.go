// Package server puts abri's HTTP parts together: the HTML screens, the JSON
// API, health and metrics, with logging and limits around them, and runs them
// with a graceful shutdown.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"abri/internal/account"
	"abri/internal/db"
)

// Config is everything the server needs.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string
	Logger   *slog.Logger
}

// Server is abri's HTTP server.
type Server struct {
	cfg     Config
	handler http.Handler
}

// New builds the server's handler tree. STUB: filled in by the server work.
func New(cfg Config) (*Server, error) {
	return &Server{cfg: cfg, handler: http.NotFoundHandler()}, nil
}

// Handler is the whole tree, for tests.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the TCP listener, so that a port in use is reported before
// anything else starts.
func Listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// Serve serves on ln until ctx is cancelled, then stops taking new requests,
// lets the ones in flight finish (up to 20 s) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
