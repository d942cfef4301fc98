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
	"abri/internal/distribution"
	"abri/internal/incident"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
)

// Config is what the API needs.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string
	Logger   *slog.Logger
	// CheckpointKey is the key the server signs ledger checkpoints with,
	// shown with them; nil when the server signs none.
	CheckpointKey *ledger.PublicKey
	// Evidence keeps incidents' evidence files; nil refuses uploads (503).
	Evidence *incident.EvidenceStore
	// BundleKey signs incident export bundles; nil refuses exports (503).
	BundleKey *ledger.Key
}

// api holds what every handler needs.
type api struct {
	cfg    Config
	log    *slog.Logger
	stock  *stock.Service
	places *place.Service
	rounds *distribution.Service
	needs  *needs.Service

	incidents *incident.Service
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

	// The warehouse.
	{"GET", "/api/v1/products", false, (*api).products},
	{"GET", "/api/v1/locations", false, (*api).locations},
	{"GET", "/api/v1/boxes", false, (*api).listBoxes},
	{"POST", "/api/v1/boxes", false, (*api).createBox},
	{"POST", "/api/v1/boxes/move", false, (*api).moveBoxes},
	{"GET", "/api/v1/boxes/{code}", false, (*api).getBox},
	{"PATCH", "/api/v1/boxes/{code}", false, (*api).updateBox},
	{"GET", "/api/v1/boxes/{code}/history", false, (*api).boxHistory},
	{"GET", "/api/v1/labels.pdf", false, (*api).labelsPDF},
	{"GET", "/api/v1/stock", false, (*api).stockOverview},
	{"GET", "/api/v1/donations", false, (*api).listDonations},
	{"POST", "/api/v1/donations", false, (*api).createDonation},

	// The ledger.
	{"GET", "/api/v1/ledger/checkpoint", false, (*api).ledgerCheckpoint},

	// Distributions and needs.
	{"GET", "/api/v1/sites", false, (*api).listSites},
	{"POST", "/api/v1/sites", false, (*api).createSite},
	{"GET", "/api/v1/rounds", false, (*api).listRounds},
	{"POST", "/api/v1/rounds", false, (*api).createRound},
	{"GET", "/api/v1/rounds/{id}", false, (*api).getRound},
	{"PATCH", "/api/v1/rounds/{id}", false, (*api).updateRound},
	{"POST", "/api/v1/rounds/{id}/commands", false, (*api).roundCommands},
	{"GET", "/api/v1/needs", false, (*api).listNeeds},
	{"POST", "/api/v1/needs", false, (*api).createNeed},
	// Incidents at living sites.
	{"GET", "/api/v1/incidents", false, (*api).listIncidents},
	{"POST", "/api/v1/incidents", false, (*api).createIncident},
	{"GET", "/api/v1/incidents/export", false, (*api).exportIncidents},
	{"GET", "/api/v1/incidents/forces", false, (*api).incidentForces},
	{"GET", "/api/v1/incidents/{id}", false, (*api).getIncident},
	{"POST", "/api/v1/incidents/{id}/evidence", false, (*api).uploadEvidence},
	// Free-shop cards (GET /api/v1/cards/{code}, what a card may take, is
	// the shop's).
	{"POST", "/api/v1/cards", false, (*api).createCard},
	{"DELETE", "/api/v1/cards/{code}", false, (*api).eraseCard},
	{"GET", "/api/v1/incidents/{id}/evidence/{file}", false, evidenceFile(false)},
	{"GET", "/api/v1/incidents/{id}/evidence/{file}/original", false, evidenceFile(true)},
	{"GET", "/api/v1/incidents/{id}/custody", false, (*api).custody},
	// Offline commands and their review items.
	{"POST", "/api/v1/commands", false, (*api).postCommands},
	{"GET", "/api/v1/review-items", false, (*api).listReviewItems},
	{"POST", "/api/v1/review-items/{id}/apply", false, (*api).applyReviewItem},
	{"POST", "/api/v1/review-items/{id}/dismiss", false, (*api).dismissReviewItem},
	// The free shop.
	{"GET", "/api/v1/entitlement-rules", false, (*api).listRules},
	{"POST", "/api/v1/entitlement-rules", false, (*api).createRule},
	{"GET", "/api/v1/cards/{code}", false, (*api).cardShares},
	{"POST", "/api/v1/checkouts", false, (*api).createCheckout},
	{"POST", "/api/v1/review-items/{id}/accept", false, (*api).acceptReviewItem},
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
	if cfg.DB == nil {
		return nil, errors.New("api: no database")
	}
	if !json.Valid(openAPIDocument) {
		return nil, errors.New("api: the embedded OpenAPI document is not valid JSON")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	a := &api{cfg: cfg, log: cfg.Logger, stock: stock.New(cfg.DB), places: place.New(cfg.DB),
		rounds: distribution.New(cfg.DB), needs: needs.New(cfg.DB), incidents: incident.New(cfg.DB)}
	if a.log == nil {
		a.log = slog.Default()
	}
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, a.endpoint(rt))
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	// Every other method of a known path is answered 405. The patterns
	// name each method rather than none: a pattern without a method would
	// conflict with a wildcard one (/boxes/move against GET /boxes/{code}).
	for path, ms := range methods {
		h := a.wrongMethod(ms)
		for _, m := range otherMethods(ms) {
			mux.Handle(m+" "+path, h)
		}
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
		return account.Principal{}, apperr.Wrap(errTokenInvalid, apperr.Unauthorized, keyTokenInvalid)
	}
	return p, err
}

// standardMethods are the methods a known path answers 405 to when it does
// not serve them; any other method is an unknown route.
var standardMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

// otherMethods lists the standard methods not in ms. HEAD counts as served
// when GET is, since ServeMux answers HEAD with the GET handler.
func otherMethods(ms []string) []string {
	served := map[string]bool{}
	for _, m := range ms {
		served[m] = true
		if m == http.MethodGet {
			served[http.MethodHead] = true
		}
	}
	var out []string
	for _, m := range standardMethods {
		if !served[m] {
			out = append(out, m)
		}
	}
	return out
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
		a.writeError(w, r, apperr.New(apperr.MethodNotAllowed, keyMethodNotAllowed))
	})
}
