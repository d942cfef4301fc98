// Package web serves abri's HTML screens: server-rendered pages in the
// person's language, with navigation by role, sign-in, settings and the
// administrator's user screens. Handlers parse forms and render templates;
// what may be done, and by whom, is decided by the domain packages.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
)

// Config is what the HTML screens need.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string // e.g. https://abri.example.org; "" means from the request
	Logger   *slog.Logger
}

// maxFormBody bounds a form post. Larger uploads (photos, evidence) will get
// their own limit on their own routes.
const maxFormBody = 1 << 20

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// server holds what every handler shares.
type server struct {
	accounts *account.Service
	baseURL  string
	secure   bool // cookies carry Secure whatever the request says
	log      *slog.Logger
	pages    *pages
	static   *staticFiles
}

// New returns the handler for every HTML route and /static/. It parses every
// template at once, so a broken one stops the server from starting.
func New(cfg Config) (http.Handler, error) {
	if cfg.Accounts == nil {
		return nil, errors.New("web: no account service")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	st, err := loadStatic()
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	ps, err := loadPages(st)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	s := &server{
		accounts: cfg.Accounts,
		baseURL:  base,
		secure:   strings.HasPrefix(base, "https://"),
		log:      log,
		pages:    ps,
		static:   st,
	}

	st.notFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, s.anonymousContext(r), http.StatusNotFound, "error.not_found")
	})

	mux := http.NewServeMux()
	mux.Handle("GET /static/{hash}/{name}", st)

	s.handle(mux, "GET /{$}", s.signedIn(s.dashboard))
	s.handle(mux, "GET /login", s.loginForm)
	s.handle(mux, "POST /login", s.login)
	s.handle(mux, "POST /logout", s.logout)
	s.handle(mux, "POST /logout-everywhere", s.signedIn(s.logoutEverywhere))
	s.handle(mux, "GET /lang", s.chooseLanguage)
	s.handle(mux, "POST /lang", s.chooseLanguage)
	s.handle(mux, "POST /base", s.signedIn(s.switchBase))

	s.handle(mux, "GET /settings", s.signedIn(s.settings))
	s.handle(mux, "POST /settings/language", s.signedIn(s.saveLanguage))
	s.handle(mux, "POST /settings/password", s.signedIn(s.changePassword))
	s.handle(mux, "GET /settings/tokens", s.signedIn(s.tokens))
	s.handle(mux, "POST /settings/tokens", s.signedIn(s.createToken))
	s.handle(mux, "POST /settings/tokens/{id}/revoke", s.signedIn(s.revokeToken))

	s.handle(mux, "GET /admin/users", s.signedIn(s.users))
	s.handle(mux, "POST /admin/users", s.signedIn(s.inviteUser))
	s.handle(mux, "GET /admin/users/{id}", s.signedIn(s.user))
	s.handle(mux, "POST /admin/users/{id}/role", s.signedIn(s.setRole))
	s.handle(mux, "POST /admin/users/{id}/disable", s.signedIn(s.setDisabled(true)))
	s.handle(mux, "POST /admin/users/{id}/enable", s.signedIn(s.setDisabled(false)))

	s.handle(mux, "GET /invite/{secret}", s.invitation)
	s.handle(mux, "POST /invite/{secret}", s.acceptInvitation)

	// Anything else, including a known path with the wrong method.
	s.handle(mux, "/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return securityHeaders(cop.Handler(mux)), nil
}

// handle registers a page handler behind the form-size limit and the error
// pages.
func (s *server) handle(mux *http.ServeMux, pattern string, h handlerFunc) {
	mux.Handle(pattern, s.page(maxFormBody, h))
}

// securityHeaders sets the headers every response from the HTML side carries.
// Pages say no-store themselves (they may show personal data); static files
// override it with a long cache.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (s *server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	c := s.anonymousContext(r)
	s.renderError(w, r, c, http.StatusForbidden, "error.cross_origin")
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return apperr.ErrNotFound()
}
