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

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/distribution"
	"abri/internal/incident"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
)

// Config is what the HTML screens need.
type Config struct {
	DB       *db.DB
	Accounts *account.Service
	BaseURL  string // e.g. https://abri.example.org; "" means from the request
	Logger   *slog.Logger
	// Evidence and BundleKey let coordinators export signed incident
	// bundles; without either the export answers 503.
	Evidence  *incident.EvidenceStore
	BundleKey *ledger.Key
}

// maxFormBody bounds a form post. Larger uploads (photos, evidence) will get
// their own limit on their own routes.
const maxFormBody = 1 << 20

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// server holds what every handler shares.
type server struct {
	accounts     *account.Service
	db           *db.DB
	stock        *stock.Service
	catalog      *catalog.Service
	places       *place.Service
	distribution *distribution.Service
	needs        *needs.Service
	incidentSvc  *incident.Service
	evidence     *incident.EvidenceStore
	bundleKey    *ledger.Key
	baseURL      string
	secure       bool // cookies carry Secure whatever the request says
	log          *slog.Logger
	pages        *pages
	static       *staticFiles
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
		db:       cfg.DB,
		baseURL:  base,
		secure:   strings.HasPrefix(base, "https://"),
		log:      log,
		pages:    ps,
		static:   st,

		evidence:  cfg.Evidence,
		bundleKey: cfg.BundleKey,
	}

	if cfg.DB != nil {
		s.stock, s.catalog, s.places = stock.New(cfg.DB), catalog.New(cfg.DB), place.New(cfg.DB)
		s.distribution, s.needs = distribution.New(cfg.DB), needs.New(cfg.DB)
		s.incidentSvc = incident.New(cfg.DB)
	}

	st.notFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, s.anonymousContext(r), http.StatusNotFound, "error.not_found")
	})

	mux := http.NewServeMux()
	mux.Handle("GET "+staticPattern, st)
	for _, rt := range s.routes() {
		h := rt.handle
		if rt.Action != "" {
			h = s.requires(rt.Action, h)
		}
		if rt.Session {
			h = s.signedIn(h)
		}
		limit := int64(maxFormBody)
		if rt.upload && s.evidence != nil {
			limit = s.evidence.Limit + 1<<20 // room for the multipart framing
		}
		mux.Handle(rt.Method+" "+rt.Pattern, s.page(limit, h))
	}

	// Anything else, including a known path with the wrong method.
	s.handle(mux, "/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return securityHeaders(cop.Handler(mux)), nil
}

// Route describes one HTML route, for tests that walk every route.
type Route struct {
	Method  string        // GET, POST, …
	Pattern string        // a ServeMux path, e.g. /admin/users/{id}
	Session bool          // only for signed-in people; others are sent to sign in
	Action  access.Action // checked before the handler runs; "" when none
}

// route is one entry of the route table: what it is, and who answers it.
type route struct {
	Route
	handle handlerFunc
	upload bool // takes an evidence file: the body may be as large as the evidence limit
}

const staticPattern = "/static/{hash}/{name}"

// Shorthands for the route table.
const (
	public  = false
	session = true
)

// routes is the one list of HTML routes: New registers exactly these (and
// the static files), and Routes describes them. The handlers are bound to s;
// Routes reads the table from a zero server without calling any of them.
func (s *server) routes() []route {
	r := func(method, pattern string, needSession bool, action access.Action, h handlerFunc) route {
		return route{Route: Route{method, pattern, needSession, action}, handle: h}
	}
	return []route{
		r("GET", "/{$}", session, access.ViewDashboard, s.dashboard),
		r("GET", "/login", public, "", s.loginForm),
		r("POST", "/login", public, "", s.login),
		r("POST", "/logout", public, "", s.logout),
		r("POST", "/logout-everywhere", session, "", s.logoutEverywhere),
		r("GET", "/lang", public, "", s.chooseLanguage),
		r("POST", "/lang", public, "", s.chooseLanguage),
		r("POST", "/base", session, "", s.switchBase),

		r("GET", "/settings", session, "", s.settings),
		r("POST", "/settings/language", session, "", s.saveLanguage),
		r("POST", "/settings/password", session, "", s.changePassword),
		r("POST", "/settings/time-zone", session, access.ManageBase, s.saveTimeZone),
		r("GET", "/settings/tokens", session, access.ManageOwnTokens, s.tokens),
		r("POST", "/settings/tokens", session, access.ManageOwnTokens, s.createToken),
		r("POST", "/settings/tokens/{id}/revoke", session, access.ManageOwnTokens, s.revokeToken),

		r("GET", "/admin/users", session, access.ManageUsers, s.users),
		r("POST", "/admin/users", session, access.ManageUsers, s.inviteUser),
		r("GET", "/admin/users/{id}", session, access.ManageUsers, s.user),
		r("POST", "/admin/users/{id}/role", session, access.ManageUsers, s.setRole),
		r("POST", "/admin/users/{id}/disable", session, access.ManageUsers, s.setDisabled(true)),
		r("POST", "/admin/users/{id}/enable", session, access.ManageUsers, s.setDisabled(false)),

		r("GET", "/invite/{secret}", public, "", s.invitation),
		r("POST", "/invite/{secret}", public, "", s.acceptInvitation),

		// The warehouse. Who may change what is decided again by the stock,
		// catalogue and place domains; the actions here refuse early.
		r("GET", "/stock", session, access.ViewStock, s.stockOverview),
		r("GET", "/stock/boxes", session, access.ViewStock, s.boxList),
		r("GET", "/stock/boxes.csv", session, access.ViewStock, s.exportBoxes("csv")),
		r("GET", "/stock/boxes.xlsx", session, access.ViewStock, s.exportBoxes("xlsx")),
		r("GET", "/stock/sort", session, access.EditStock, s.sortForm),
		r("POST", "/stock/sort", session, access.EditStock, s.sortBoxes),
		r("GET", "/stock/sorted", session, access.ViewStock, s.sorted),
		r("GET", "/stock/labels.pdf", session, access.ViewStock, s.boxLabels),
		r("GET", "/stock/labels/blank", session, access.EditStock, s.blankLabelsForm),
		r("POST", "/stock/labels/blank", session, access.EditStock, s.blankLabels),
		r("GET", "/stock/check", session, access.ViewStock, s.checkCode),
		r("POST", "/stock/bulk", session, access.MoveStock, s.bulk),
		r("GET", "/stock/locations", session, access.ViewLocations, s.locations),
		r("POST", "/stock/locations", session, access.ManageLocations, s.createLocation),
		r("POST", "/stock/locations/{id}", session, access.ManageLocations, s.updateLocation),
		r("POST", "/stock/locations/{id}/archive", session, access.ManageLocations, s.archiveLocation(true)),
		r("POST", "/stock/locations/{id}/restore", session, access.ManageLocations, s.archiveLocation(false)),
		r("GET", "/stock/products", session, access.ViewCatalog, s.products),
		r("POST", "/stock/products", session, access.ManageCatalog, s.addProduct),
		r("POST", "/stock/products/{id}/hide", session, access.ManageCatalog, s.hideProduct(true)),
		r("POST", "/stock/products/{id}/show", session, access.ManageCatalog, s.hideProduct(false)),
		r("POST", "/stock/products/{id}/kit", session, access.ManageCatalog, s.saveKit),
		r("GET", "/scan", session, access.ViewStock, s.scan),
		r("GET", "/b/{code}", session, access.ViewStock, s.box),
		r("POST", "/b/{code}", session, access.EditStock, s.editBox),
		r("POST", "/b/{code}/move", session, access.MoveStock, s.moveBox),
		r("POST", "/b/{code}/state", session, access.MoveStock, s.setBoxState),

		// Distributions and needs: the distribution and needs packages
		// decide again who may change what.
		r("GET", "/rounds", session, access.ViewRounds, s.rounds),
		r("POST", "/rounds", session, access.PlanRounds, s.planRound),
		r("GET", "/rounds/weekly", session, access.ViewRounds, s.weekly),
		r("GET", "/rounds/weekly.csv", session, access.ViewRounds, s.weeklyCSV),
		r("GET", "/rounds/{id}", session, access.ViewRounds, s.round),
		r("POST", "/rounds/{id}/lines", session, access.PlanRounds, s.roundAction(s.roundLine)),
		r("POST", "/rounds/{id}/cancel", session, access.PlanRounds, s.roundAction(s.roundCancel)),
		r("POST", "/rounds/{id}/public", session, access.PlanRounds, s.roundAction(s.roundPublic)),
		r("POST", "/rounds/{id}/pack", session, access.RunRounds, s.roundAction(s.roundPack)),
		r("POST", "/rounds/{id}/unpack", session, access.RunRounds, s.roundAction(s.roundUnpack)),
		r("POST", "/rounds/{id}/out", session, access.RunRounds, s.roundAction(s.roundOut)),
		r("POST", "/rounds/{id}/back", session, access.RunRounds, s.roundAction(s.roundBack)),
		r("POST", "/rounds/{id}/return", session, access.RunRounds, s.roundAction(s.roundReturn)),
		r("POST", "/rounds/{id}/return-count", session, access.RunRounds, s.roundAction(s.roundReturnCount)),
		r("POST", "/rounds/{id}/lost", session, access.RunRounds, s.roundAction(s.roundLost)),
		r("POST", "/rounds/{id}/close", session, access.RunRounds, s.roundAction(s.roundClose)),
		r("GET", "/rounds/{id}/tally", session, access.ViewRounds, s.tallyScreen),
		r("POST", "/rounds/{id}/tally", session, access.RunRounds, s.tally),
		r("POST", "/rounds/{id}/undo", session, access.RunRounds, s.undoTally),
		r("GET", "/sites", session, access.ViewSites, s.sites),
		r("POST", "/sites", session, access.ManageSites, s.saveSite(true)),
		r("POST", "/sites/{id}", session, access.ManageSites, s.saveSite(false)),
		r("GET", "/needs", session, access.ViewNeeds, s.needsBoard),
		r("POST", "/needs", session, access.ManageNeeds, s.addNeed),
		r("POST", "/needs/{id}/cancel", session, access.ManageNeeds, s.cancelNeed),
		// Incidents: the incident package answers 404 to anyone who may
		// not see them, so the routes check no action of their own.
		r("GET", "/incidents", session, "", s.incidents),
		r("GET", "/incidents/new", session, "", s.newIncident),
		r("POST", "/incidents", session, "", s.reportIncident),
		r("GET", "/incidents/{id}", session, "", s.incidentShow),
		r("GET", "/incidents/losses", session, "", s.incidentReportScreen(true)),
		r("GET", "/incidents/losses.csv", session, "", s.incidentReportCSV(true)),
		r("GET", "/incidents/weekly", session, "", s.incidentReportScreen(false)),
		r("GET", "/incidents/weekly.csv", session, "", s.incidentReportCSV(false)),
		r("POST", "/incidents/export", session, "", s.exportIncidents),
		r("GET", "/incidents/{id}/evidence/{file}", session, "", s.evidenceFile(false)),
		r("GET", "/incidents/{id}/evidence/{file}/original", session, "", s.evidenceFile(true)),
		upload(r("POST", "/incidents/{id}/evidence", session, "", s.uploadEvidence)),
		// The organisation's forces: observers see the list, coordinators
		// and admins change it (the domain answers 404, then 403).
		r("GET", "/incidents/forces", session, "", s.incidentForces),
		r("POST", "/incidents/forces", session, "", s.addIncidentForce),
		r("POST", "/incidents/forces/{id}/rename", session, "", s.renameIncidentForce),
		r("POST", "/incidents/forces/{id}/retire", session, "", s.retireIncidentForce),
		// Free-shop cards: the people package answers 404 to anyone who
		// may not use them, so the routes check no action of their own.
		r("GET", "/cards", session, "", s.cardDesk),
		r("POST", "/cards", session, "", s.issueCard),
		r("POST", "/cards/find", session, "", s.findCard),
		r("POST", "/cards/settings", session, "", s.saveCardSettings),
		r("GET", "/cards/log", session, "", s.cardLog),
		r("GET", "/cards/{id}", session, "", s.card),
		r("POST", "/cards/{id}/print", session, "", s.cardAction(s.printCard)),
		r("POST", "/cards/{id}/replace", session, "", s.cardAction(s.replaceCard)),
		r("POST", "/cards/{id}/erase", session, "", s.cardAction(s.eraseCard)),
		r("POST", "/cards/{id}/fields", session, "", s.cardAction(s.showCardFields)),
		r("POST", "/cards/{id}/fields/save", session, "", s.cardAction(s.saveCardFields)),
		r("POST", "/cards/{id}/export", session, "", s.exportCard),
		// The offline field mode: the queue's endpoint (it answers JSON,
		// a missing session too), the service worker, the review of
		// what could not apply, and the quick count.
		r("POST", "/sync/commands", public, "", s.syncCommands),
		upload(r("POST", "/sync/evidence", public, "", s.syncEvidence)),
		r("GET", "/sw.js", public, "", s.serviceWorker),
		r("GET", "/review", session, access.ReviewCommands, s.review),
		r("POST", "/review/{id}/apply", session, access.ReviewCommands, s.applyReview),
		r("POST", "/review/{id}/dismiss", session, access.ReviewCommands, s.dismissReview),
		r("POST", "/review/{id}/accept", session, access.ReviewCommands, s.acceptReview),
		r("GET", "/count", session, access.RecordHeadcount, s.countSites),
		r("GET", "/count/{site}", session, access.RecordHeadcount, s.countSite),
		// The public schedule and its poster, for the people served.
		r("GET", "/schedule/{org}", public, "", s.schedule),
		r("GET", "/schedule/{org}/poster.pdf", public, "", s.schedulePoster),
		// The free shop: the shop package answers 404 to roles that do
		// not use it, so the routes check no action of their own.
		r("GET", "/shop", session, "", s.shopHome),
		r("POST", "/shop/card", session, "", s.shopCard),
		r("POST", "/shop/checkout", session, "", s.shopCheckout),
		r("GET", "/shop/rules", session, "", s.shopRules),
		r("POST", "/shop/rules", session, "", s.saveRule(true)),
		r("POST", "/shop/rules/{id}", session, "", s.saveRule(false)),
		r("GET", "/shop/reports", session, "", s.shopReports),
		r("GET", "/shop/reports.csv", session, "", s.shopReportsCSV),
	}
}

// upload marks a route that takes an evidence file.
func upload(rt route) route {
	rt.upload = true
	return rt
}

// Routes lists the HTML routes New registers, in the order of the table,
// then the static files. The catch-all "not found" page is not a route.
func Routes() []Route {
	var rs []Route
	for _, rt := range (&server{}).routes() {
		rs = append(rs, rt.Route)
	}
	return append(rs, Route{Method: "GET", Pattern: staticPattern})
}

// requires lets through only people whose role allows the action; the
// handler may check more (the domain decides the rest).
func (s *server) requires(action access.Action, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		if err := c.P.Actor.Require(action); err != nil {
			return err
		}
		return h(w, r, c)
	}
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
