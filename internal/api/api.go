// Package api serves abri's JSON API v1 under /api/v1/. Callers authenticate
// with a personal API token (Authorization: Bearer abri_…) that acts as its
// user in one base. The OpenAPI document at /api/v1/openapi.json describes
// every route; a test keeps it true to the route table below.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
)

// Config is what the API needs.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string
	Logger   *slog.Logger
}

// api holds what every handler needs.
type api struct {
	cfg Config
	log *slog.Logger
}

// handlerFunc answers one route. p is the caller's principal (zero on public
// routes). A returned error is answered by writeError.
type handlerFunc func(a *api, w http.ResponseWriter, r *http.Request, p account.Principal) error

// route is one endpoint of the API.
type route struct {
	method string
	path   string // a ServeMux path, the same text as the OpenAPI path
	public bool   // answered without a token
	handle handlerFunc
}

// routes is the one list of endpoints: New registers exactly these, and the
// OpenAPI test checks the document against them. Add a route here and in
// openapi.json together.
var routes = []route{
	{"GET", "/api/v1/openapi.json", true, (*api).openAPI},
	{"GET", "/api/v1/me", false, (*api).me},
	{"PATCH", "/api/v1/me", false, (*api).updateMe},
}

// Route describes one registered endpoint.
type Route struct {
	Method string // GET, POST, …
	Path   string // e.g. /api/v1/me, with {name} wildcards
	Auth   bool   // needs a bearer token
}

// Routes lists the endpoints New registers, in the order of the table.
func Routes() []Route {
	rs := make([]Route, len(routes))
	for i, rt := range routes {
		rs[i] = Route{Method: rt.method, Path: rt.path, Auth: !rt.public}
	}
	return rs
}

// New returns the handler for every path under /api/ (it receives full
// paths). Unknown paths answer 404 and known paths with another method 405,
// both as JSON errors.
func New(cfg Config) (http.Handler, error) {
	if cfg.Accounts == nil {
		return nil, errors.New("api: no account service")
	}
	if !json.Valid(openAPIDocument) {
		return nil, errors.New("api: the embedded OpenAPI document is not valid JSON")
	}
	a := &api{cfg: cfg, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, a.endpoint(rt))
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	// A pattern without a method is less specific than the same path with
	// one, so these catch only the methods not registered above.
	for path, ms := range methods {
		mux.Handle(path, a.wrongMethod(ms))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, apperr.New(apperr.NotFound, "api.route_unknown"))
	})
	return apiHeaders(mux), nil
}

// apiHeaders sets what every API answer carries. The answers are personal
// (they depend on the token), so nothing may cache them.
func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// endpoint authenticates the caller (unless the route is public) and runs
// the route's handler, answering any error it returns.
func (a *api) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p account.Principal
		if !rt.public {
			var err error
			if p, err = a.authenticate(r); err != nil {
				a.writeError(w, r, err)
				return
			}
		}
		if err := rt.handle(a, w, r, p); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// authenticate resolves the bearer token of a request.
func (a *api) authenticate(r *http.Request) (account.Principal, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return account.Principal{}, apperr.New(apperr.Unauthorized, keyTokenMissing)
	}
	p, err := a.cfg.Accounts.TokenPrincipal(r.Context(), token)
	if apperr.Is(err, apperr.Unauthorized) {
		return account.Principal{}, apperr.New(apperr.Unauthorized, keyTokenInvalid)
	}
	return p, err
}

// wrongMethod answers a known path asked with a method it does not have.
func (a *api) wrongMethod(methods []string) http.Handler {
	allow := append([]string(nil), methods...)
	for _, m := range methods {
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead) // ServeMux answers HEAD for GET
		}
	}
	sort.Strings(allow)
	header := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", header)
		a.writeError(w, r, apperr.New(apperr.Invalid, keyMethodNotAllowed))
	})
}
