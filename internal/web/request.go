package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/i18n"
)

const (
	sessionCookie = "abri_session"
	langCookie    = "lang"
	flashCookie   = "abri_flash"
	flashPrefix   = "web.flash."
	oneYear       = 365 * 24 * time.Hour
)

// reqCtx is what a page handler knows about the person asking: their
// language and, when signed in, who they are and their session.
type reqCtx struct {
	Lang  string
	P     *account.Principal // nil when signed out
	token string             // the session cookie's value
}

// T translates a key into the request's language.
func (c *reqCtx) T(key string, args ...any) string { return i18n.T(c.Lang, key, args...) }

// handlerFunc is a page handler. A returned error becomes the matching error
// page (or, for "please sign in", a redirect to the sign-in page).
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *reqCtx) error

// page wraps a handler: body limit, no caching, who is asking, error pages.
func (s *server) page(limit int64, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.ContentLength > limit {
			s.renderError(w, r, s.anonymousContext(r), http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		if limit > maxFormBody {
			// The server caps every body; a route that takes a file
			// raises that cap to its own.
			if b, ok := r.Body.(interface{ SetLimit(int64) }); ok {
				b.SetLimit(limit)
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		c, err := s.requestContext(w, r)
		if err != nil {
			s.fail(w, r, s.anonymousContext(r), err)
			return
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	})
}

// signedIn lets only signed-in people through; the others are sent to sign
// in, and come back here afterwards.
func (s *server) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		if c.P == nil {
			return apperr.New(apperr.Unauthorized, "error.unauthorized")
		}
		return h(w, r, c)
	}
}

// requestContext resolves the session cookie and the language. A session
// that has ended is forgotten quietly; the person is simply signed out.
func (s *server) requestContext(w http.ResponseWriter, r *http.Request) (*reqCtx, error) {
	c := &reqCtx{}
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		p, err := s.accounts.SessionPrincipal(r.Context(), ck.Value)
		switch {
		case err == nil:
			c.P, c.token = &p, ck.Value
		case apperr.Is(err, apperr.Unauthorized):
			http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
		default:
			return nil, err
		}
	}
	c.Lang = language(r, c.P)
	return c, nil
}

// anonymousContext is the context for pages drawn before (or without) a
// session lookup: error pages for refused requests.
func (s *server) anonymousContext(r *http.Request) *reqCtx {
	return &reqCtx{Lang: language(r, nil)}
}

// language picks the language of a page: the user's own setting, then the
// lang cookie, then the browser's Accept-Language, then English.
func language(r *http.Request, p *account.Principal) string {
	if p != nil && p.User.Lang != "" && i18n.Supported(p.User.Lang) {
		return p.User.Lang
	}
	if ck, err := r.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
		return ck.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// cookie makes one of abri's cookies: never readable by scripts, not sent on
// cross-site posts, Secure whenever abri is reached over TLS.
func (s *server) cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	ck := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   s.secure || r.TLS != nil,
	}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	return ck
}

func (s *server) setSession(w http.ResponseWriter, r *http.Request, sess account.Session) {
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.Token, s.accounts.SessionMax))
}

func (s *server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
}

// setFlash leaves a one-time message for the next page. The cookie holds only
// a catalogue key, so nothing personal and nothing forged can be shown.
func (s *server) setFlash(w http.ResponseWriter, r *http.Request, key string) {
	http.SetCookie(w, s.cookie(r, flashCookie, key, time.Minute))
}

// takeFlash reads the one-time message and removes it.
func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, s.cookie(r, flashCookie, "", -1))
	if strings.HasPrefix(ck.Value, flashPrefix) && i18n.Has(ck.Value) {
		return ck.Value
	}
	return ""
}

// redirect answers a form post (or a page for signed-out people) with
// "see other", so reloading never repeats the post.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, and "/" otherwise,
// so that a link cannot send someone elsewhere after signing in.
func localPath(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// clientAddr is the address a request came from, without the port. Behind
// a reverse proxy this is the proxy; the server may put the real one in
// RemoteAddr.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// parseForm reads a posted form, turning an over-long body into 413 and an
// unreadable one into 400.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apperr.Wrap(err, apperr.TooLarge, "error.too_large")
		}
		return apperr.Wrap(err, apperr.Invalid, "error.bad_request")
	}
	return nil
}

// pathID reads a numeric id from the path; anything else is "not found".
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.ErrNotFound()
	}
	return id, nil
}

// formID reads a numeric id from a form field; a bad one is bad input.
func formID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PostForm.Get(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.Invalid, "error.bad_request")
	}
	return id, nil
}
