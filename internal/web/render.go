package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// pages holds every page template, parsed once per language so that the
// template function t translates without being told the language.
type pages struct {
	byLang map[string]map[string]*template.Template
	// public holds the pages for the people served (templates/public), in
	// each of the public languages; each template is a whole page.
	public map[string]*template.Template
}

// loadPages parses templates/layout.html and the shared pieces of
// templates/partials.html with each templates/pages/*.html.
// Every page must define "content".
func loadPages(st *staticFiles) (*pages, error) {
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no page templates")
	}
	ps := &pages{byLang: map[string]map[string]*template.Template{}}
	for _, lang := range i18n.Languages {
		root, err := template.New("").Funcs(funcs(lang, st)).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
		if err != nil {
			return nil, err
		}
		ps.byLang[lang] = map[string]*template.Template{}
		for _, f := range files {
			t, err := root.Clone()
			if err != nil {
				return nil, err
			}
			if t, err = t.ParseFS(templateFS, f); err != nil {
				return nil, err
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("%s does not define \"content\"", f)
			}
			ps.byLang[lang][strings.TrimSuffix(path.Base(f), ".html")] = t
		}
	}
	ps.public = map[string]*template.Template{}
	for _, lang := range i18n.PublicLanguages {
		t, err := template.New("").Funcs(funcs(lang, st)).ParseFS(templateFS, "templates/public/*.html")
		if err != nil {
			return nil, err
		}
		ps.public[lang] = t
	}
	return ps, nil
}

func funcs(lang string, st *staticFiles) template.FuncMap {
	return template.FuncMap{
		// t translates a catalogue key, filling its placeholders.
		"t": func(key string, args ...any) string { return i18n.T(lang, key, args...) },
		// tn translates a key holding a count, in the plural form the
		// language takes for n (i18n.Plural).
		"tn": func(key string, n int) string { return i18n.Plural(lang, key, int64(n)) },
		// role is a role's name in this language.
		"role": func(r access.Role) string { return i18n.T(lang, "web.role."+string(r)) },
		// category and size name a category or a size of the standard
		// catalogue in this language (a form still sends the stored size).
		"category":  func(name string) string { return catalog.CategoryName(lang, name) },
		"size":      func(label string) string { return catalog.SizeName(lang, label) },
		"sizeRange": func(name string) string { return catalog.RangeName(lang, name) },
		// langName is a language's name in itself.
		"langName": func(l string) string { return i18n.Names[l] },
		// date shows the day of a moment in the base's zone (the view's
		// Zone), or "never" for a zero time.
		"date": func(loc *time.Location, t time.Time) string {
			if t.IsZero() || t.Unix() <= 0 {
				return i18n.T(lang, "web.never")
			}
			return i18n.Day(loc, t)
		},
		// when shows a moment in the base's zone (the view's Zone), with
		// the zone: "12 Nov 14:03 CET" (i18n.When).
		"when": func(loc *time.Location, t time.Time) string { return i18n.When(lang, loc, t) },
		// field gives a form control its id, its descriptions (hints, and
		// the error when it is the one at fault) and, at fault, the marks
		// that tell it (aria-invalid) and put the focus on it.
		"field": func(e fieldError, id string, hints ...string) template.HTMLAttr {
			desc := hints
			a := ` id="` + template.HTMLEscapeString(id) + `"`
			if e.ID == id {
				desc = append([]string{id + "-err"}, hints...)
				a += ` aria-invalid="true" autofocus`
			}
			if len(desc) > 0 {
				a += ` aria-describedby="` + template.HTMLEscapeString(strings.Join(desc, " ")) + `"`
			}
			return template.HTMLAttr(a)
		},
		// fieldError is the message at the control id, when it is at fault.
		"fieldError": func(e fieldError, id string) template.HTML {
			if e.ID != id || e.Msg == "" {
				return ""
			}
			return template.HTML(`<p class="fielderror" id="` + template.HTMLEscapeString(id) + `-err">` +
				template.HTMLEscapeString(e.Msg) + `</p>`)
		},
		// asset is a static file's content-hashed address.
		"asset": func(name string) (string, error) {
			u := st.url(name)
			if u == "" {
				return "", fmt.Errorf("no static file %q", name)
			}
			return u, nil
		},
	}
}

// view is what the layout needs around every page.
type view struct {
	Lang      string
	Dir       string
	Title     string // catalogue key
	Path      string // where to come back to after choosing a language
	User      *account.Principal
	Nav       []navLink
	Languages []string
	Flash     string // catalogue key
	// Zone is the time zone of the person's base; templates show times
	// with {{when $.Zone .At}} and days with {{date $.Zone .At}}.
	Zone *time.Location
	Data any // the page's own data
}

type navLink struct {
	Path    string
	Key     string
	Current bool
}

// navItem is one entry of the main navigation; it shows only to roles the
// policy allows the action. An empty action means every signed-in person.
type navItem struct {
	Path   string
	Key    string
	Action access.Action
	Only   access.Role // when set, a tab for this role alone (others reach it from the start page)
}

var navItems = []navItem{
	{Path: "/", Key: "web.nav.dashboard", Action: access.ViewDashboard},
	{Path: "/stock", Key: "web.nav.stock", Action: access.ViewStock},
	{Path: "/scan", Key: "web.nav.scan", Action: access.ViewStock},
	// The shop is a tab for shop volunteers, whose work it is; coordinators
	// and admins reach it and the card desk from the start page, so that a
	// phone's header keeps five tabs.
	{Path: "/shop", Key: "shop.web.nav", Action: access.UseShop, Only: access.Shop},
	// Incidents likewise are an observer's work: a tab for them.
	{Path: "/incidents", Key: "incident.web.title", Action: access.ViewIncidents, Only: access.Observer},
	{Path: "/admin/users", Key: "web.nav.users", Action: access.ManageUsers},
	{Path: "/settings", Key: "web.nav.settings"},
}

func navFor(p *account.Principal, current string) []navLink {
	if p == nil {
		return nil
	}
	if strings.HasPrefix(current, "/b/") { // a box page is part of the stock
		current = "/stock/boxes"
	}
	var links []navLink
	for _, it := range navItems {
		if it.Action != "" && !access.Allowed(p.Actor.Role, it.Action) || it.Only != "" && it.Only != p.Actor.Role {
			continue
		}
		cur := current == it.Path || it.Path != "/" && strings.HasPrefix(current, it.Path+"/")
		links = append(links, navLink{Path: it.Path, Key: it.Key, Current: cur})
	}
	return links
}

// render draws a page into a buffer first, so a template error becomes a
// clean 500 page instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, name, title string, data any) {
	t := s.pages.byLang[c.Lang][name]
	if t == nil {
		t = s.pages.byLang[i18n.Default][name]
	}
	back := "/"
	if r.Method == http.MethodGet {
		back = localPath(r.URL.RequestURI())
	}
	v := view{
		Lang:      c.Lang,
		Dir:       i18n.Dir(c.Lang),
		Title:     title,
		Path:      back,
		User:      c.P,
		Nav:       navFor(c.P, r.URL.Path),
		Languages: i18n.Languages,
		Flash:     s.takeFlash(w, r),
		Zone:      c.zone(),
		Data:      data,
	}
	var buf bytes.Buffer
	if t == nil {
		s.log.Error("web: no such template", "template", name)
	} else if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: template failed", "template", name, "err", err)
		t = nil
	}
	if t == nil {
		if name != "error" {
			s.renderError(w, r, c, http.StatusInternalServerError, "error.internal")
			return
		}
		http.Error(w, c.T("error.internal"), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	writeHTML(w, r, status, buf.Bytes())
}

// writeHTML sends a page, gzip-compressed when the browser accepts it (as
// the static files are): the stock overview's 74 KB of HTML become about
// 5 KB on a phone's poor signal.
func writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) >= minGzip && acceptsGzip(r) {
		if gz := gzipPage(body); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// fieldError is a refused form's message and the id of the control it
// concerns, where the page shows it.
type fieldError struct {
	ID  string
	Msg string
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string
}

// errorTitles names each error page.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "web.error.title_invalid",
	http.StatusForbidden:             "web.error.title_forbidden",
	http.StatusNotFound:              "web.error.title_not_found",
	http.StatusConflict:              "web.error.title_conflict",
	http.StatusRequestEntityTooLarge: "web.error.title_too_large",
	http.StatusTooManyRequests:       "web.error.title_too_many",
	http.StatusInternalServerError:   "web.error.title_internal",
	http.StatusServiceUnavailable:    "web.error.title_unavailable",
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, key string, args ...any) {
	title, ok := errorTitles[status]
	if !ok {
		title = "web.error.title_internal"
	}
	s.render(w, r, c, status, "error", title, errorPage{Status: status, Message: c.T(key, args...)})
}

// fail turns a handler's error into a page: "please sign in" becomes a
// redirect to the sign-in page; every other code its status (apperr.Status is
// the one mapping, shared with the API) and its safe message. Only internal
// errors are logged, with the route pattern rather than the path, which may
// hold a secret.
func (s *server) fail(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = apperr.Wrap(err, apperr.TooLarge, "error.too_large")
	}
	e := apperr.As(err)
	if e.Code == apperr.Unauthorized {
		to := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			to += "?next=" + url.QueryEscape(localPath(r.URL.RequestURI()))
		}
		redirect(w, r, to)
		return
	}
	status := apperr.Status(e.Code)
	if status >= 500 {
		s.log.Error("web: internal error", "method", r.Method, "route", r.Pattern, "err", err)
	}
	s.renderError(w, r, c, status, e.Key, e.Args...)
}

// formError is the message to show beside a form when err is a problem with
// what was typed (bad input, a conflict, a missing choice), and "" when err is
// something else, which goes to fail.
func formError(c *reqCtx, err error) (string, int) {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Invalid, apperr.Conflict:
		return i18n.Message(c.Lang, e), apperr.Status(e.Code)
	}
	return "", 0
}
