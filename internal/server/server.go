// Package server puts abri's HTTP parts together: the HTML screens, the JSON
// API, health and metrics, with logging and limits around them, and runs them
// with a graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"abri/internal/account"
	"abri/internal/api"
	"abri/internal/db"
	"abri/internal/incident"
	"abri/internal/ledger"
	"abri/internal/metrics"
	"abri/internal/people"
	"abri/internal/web"
)

// Config is everything the server needs.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string
	Logger   *slog.Logger
	// Version is shown in the abri_build_info metric; empty reads the
	// module's build information.
	Version string
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed
	// (see realClient); empty trusts none.
	TrustedProxies []netip.Prefix
	// MetricsAllow are the networks that may read /metrics; nil means
	// DefaultMetricsAllow (loopback), empty means none.
	MetricsAllow []netip.Prefix
	// MetricsToken, when set, lets a request with "Authorization: Bearer
	// <token>" read /metrics from anywhere.
	MetricsToken string
	// Checkpoints, when set, signs the ledger's chain heads while the
	// server runs (at start, every hour, and once more on shutdown), and
	// its key's public half is shown with the API's checkpoints.
	Checkpoints *ledger.Signer
	// Evidence keeps incidents' evidence files; nil refuses uploads.
	Evidence *incident.EvidenceStore
}

// Limits and timeouts of the HTTP server.
const (
	// MaxBody caps every request body unless the route raises its own cap
	// (see cappedBody).
	MaxBody = 10 << 20

	// ShutdownGrace is how long requests in flight may run on after a
	// shutdown begins.
	ShutdownGrace = 20 * time.Second

	// PurgeEvery is how often expired sessions are deleted.
	PurgeEvery = time.Hour

	// CardPurgeEvery is how often free-shop cards past their base's
	// retention are erased (internal/people), the first time at start.
	CardPurgeEvery = 24 * time.Hour

	readHeaderTimeout = 10 * time.Second
	// Bodies of up to 10 MiB come from phones on poor signal; two minutes
	// allow about 0.7 Mbit/s. A route that needs longer can extend its own
	// deadlines with http.ResponseController.
	readTimeout    = 2 * time.Minute
	writeTimeout   = 2 * time.Minute
	idleTimeout    = 2 * time.Minute
	maxHeaderBytes = 64 << 10

	readyTimeout = 2 * time.Second
	// lastSignTimeout bounds the last signing on shutdown (the database
	// may be what is failing).
	lastSignTimeout = 5 * time.Second
)

// processStart is close enough to the start of the process: package
// variables are set before main runs.
var processStart = time.Now()

// Server is abri's HTTP server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	metrics *metrics.Registry
	http    *metrics.HTTP
}

// New builds the server's handler tree.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Accounts == nil {
		return nil, errors.New("server: a database and an account service are needed")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: metrics.NewRegistry()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.http = metrics.NewHTTP(s.metrics)
	metrics.RegisterDB(s.metrics, cfg.DB.Stats)
	metrics.RegisterRuntime(s.metrics)
	metrics.RegisterProcess(s.metrics, processStart)
	metrics.RegisterBuild(s.metrics, cfg.Version)

	apiCfg := api.Config{DB: cfg.DB, Accounts: cfg.Accounts, BaseURL: cfg.BaseURL, Logger: s.log, Evidence: cfg.Evidence}
	webCfg := web.Config{DB: cfg.DB, Accounts: cfg.Accounts, BaseURL: cfg.BaseURL, Logger: s.log, Evidence: cfg.Evidence}
	if cfg.Checkpoints != nil {
		pub := cfg.Checkpoints.Key.Public()
		apiCfg.CheckpointKey = &pub
		// Incident export bundles are signed with the checkpoint key.
		webCfg.BundleKey, apiCfg.BundleKey = cfg.Checkpoints.Key, cfg.Checkpoints.Key
	}
	apiHandler, err := api.New(apiCfg)
	if err != nil {
		return nil, fmt.Errorf("build the API: %w", err)
	}
	webHandler, err := web.New(webCfg)
	if err != nil {
		return nil, fmt.Errorf("build the web screens: %w", err)
	}
	s.mux.Handle("/api/", apiHandler)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	allow := cfg.MetricsAllow
	if allow == nil {
		allow, _ = ParseMetricsAllow(DefaultMetricsAllow)
	}
	s.mux.Handle("GET /metrics", metricsAccess(allow, cfg.MetricsToken, s.metrics.Handler(), webHandler))
	s.mux.Handle("/", webHandler)

	// Outermost first: every request is timed and logged, including one
	// whose handler panicked, which the recoverer answers with a 500.
	s.handler = s.instrument(s.recoverer(s.capBody(realClient(cfg.TrustedProxies, s.mux))))
	return s, nil
}

// Handler is the whole tree, for tests.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the TCP listener, so that a port in use is reported before
// anything else starts.
func Listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// Serve serves on ln until ctx is cancelled, then stops taking new requests,
// lets the ones in flight finish (up to ShutdownGrace) and returns. The
// caller closes the database afterwards. While serving it deletes expired
// sessions every hour and signs the ledger's chain heads (Config.Checkpoints),
// a last time once the requests in flight are done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          newServerErrorLog(s.log),
	}

	var wg sync.WaitGroup
	purgeCtx, stopPurge := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.purgeSessions(purgeCtx)
	}()
	// The database is closed after Serve returns, so the purge must be over.
	defer wg.Wait()
	defer stopPurge()
	signerDone := make(chan struct{})
	if s.cfg.Checkpoints != nil {
		go func() {
			defer close(signerDone)
			s.cfg.Checkpoints.Run(purgeCtx)
		}()
	} else {
		close(signerDone)
	}
	// Whatever the way out, the signer is over before the database closes:
	// it stops with purgeCtx, which must therefore be cancelled first (the
	// deferred stopPurge above would run only after this wait).
	defer func() {
		stopPurge()
		<-signerDone
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err // the caller says what it was doing
	case <-ctx.Done():
	}
	s.log.Info("shutting down: no new requests; waiting for those in flight", "grace", ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("shutdown: requests still running after the grace period were cut", "err", err.Error())
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("http server stopped")
	s.signLast(signerDone)
	return nil
}

// signLast signs the heads the last requests moved, once the signer's
// own loop is over, so the chain as the server leaves it is vouched for.
func (s *Server) signLast(signerDone <-chan struct{}) {
	if s.cfg.Checkpoints == nil {
		return
	}
	<-signerDone
	ctx, cancel := context.WithTimeout(context.Background(), lastSignTimeout)
	defer cancel()
	if n, err := s.cfg.Checkpoints.SignNow(ctx); err != nil {
		s.log.Error("sign ledger checkpoints on shutdown", "err", err.Error())
	} else if n > 0 {
		s.log.Info("signed ledger checkpoints on shutdown", "chains", n)
	}
}

// purgeSessions deletes expired sessions, and sign-in counts whose window
// has passed, now and every PurgeEvery until ctx ends. (Sign-ins prune the
// counts too; this covers a quiet server.) Every CardPurgeEvery it also
// erases the cards past their retention.
func (s *Server) purgeSessions(ctx context.Context) {
	t := time.NewTicker(PurgeEvery)
	defer t.Stop()
	var cardsPurged time.Time
	for {
		if now := s.cfg.DB.Clock.Now(); now.Sub(cardsPurged) >= CardPurgeEvery {
			cardsPurged = now
			res, err := people.Purge(ctx, s.cfg.DB, now)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Error("purge expired cards", "err", err.Error())
			case res.Cards+res.AccessLog > 0:
				s.log.Info("purged expired cards", "cards", res.Cards, "access_log_entries", res.AccessLog)
			}
		}
		n, err := s.cfg.Accounts.PurgeExpiredSessions(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("purge expired sessions", "err", err.Error())
		case n > 0:
			s.log.Info("purged expired sessions", "count", n)
		}
		if _, err := s.cfg.Accounts.Throttle.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("prune sign-in counts", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// healthz answers 200 while the process runs: it says nothing about the
// database, so an orchestrator does not restart abri for an outage of its
// database.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

// readyz answers 200 when the database answers a ping within two seconds.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.cfg.DB.Ping(ctx); err != nil {
		s.log.Warn("not ready: the database does not answer", "err", err.Error())
		writeText(w, http.StatusServiceUnavailable, "database unavailable\n")
		return
	}
	writeText(w, http.StatusOK, "ready\n")
}

func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
