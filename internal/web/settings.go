package web

import (
	"net/http"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/i18n"
)

const minPasswordLen = account.MinPasswordLen

// settingsPage is the data of the settings page.
type settingsPage struct {
	Lang          string // the saved setting; "" means from the browser
	Languages     []string
	MinLen        int
	PasswordError string // about the new password, above the form
	CurrentError  string // about the current password, at its field
	// The base's time zone, for those who may set it (access.ManageBase).
	ManageBase bool
	TimeZone   string
	Zones      []string   // suggestions
	ZoneErr    fieldError // at the time zone's field
}

// zoneSuggestions are the zones offered while typing; any IANA name is taken.
var zoneSuggestions = []string{"Europe/Paris", "Europe/Brussels", "Europe/London", "Europe/Amsterdam",
	"Europe/Berlin", "Europe/Rome", "Europe/Madrid", "Europe/Athens", "Europe/Belgrade", "Europe/Istanbul",
	"Africa/Tripoli", "Africa/Tunis", "Asia/Beirut", "UTC"}

func (s *server) settings(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	s.renderSettings(w, r, c, http.StatusOK, settingsPage{})
	return nil
}

func (s *server) renderSettings(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, sp settingsPage) {
	sp.Lang, sp.Languages, sp.MinLen = c.P.User.Lang, i18n.Languages, minPasswordLen
	sp.ManageBase = c.P.Actor.Can(access.ManageBase)
	if sp.TimeZone == "" {
		sp.TimeZone = c.P.BaseTimeZone
	}
	sp.Zones = zoneSuggestions
	s.render(w, r, c, status, "settings", "web.settings.title", sp)
}

// passwordFieldError is the message and status for the field where the
// current password was asked again, when err is about that field (wrong, or
// too many guesses); "" otherwise.
func passwordFieldError(c *reqCtx, err error, field string) (string, int) {
	if apperr.FieldOf(err) != field {
		return "", 0
	}
	e := apperr.As(err)
	return i18n.Message(c.Lang, e), apperr.Status(e.Code)
}

// saveLanguage stores the person's language; "" follows the browser.
func (s *server) saveLanguage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	l := r.PostForm.Get("lang")
	if err := s.accounts.SetLanguage(r.Context(), c.P.Actor, l); err != nil {
		return err
	}
	if l != "" { // the sign-in page after signing out stays in this language
		http.SetCookie(w, s.cookie(r, langCookie, l, oneYear))
	}
	s.setFlash(w, r, "web.flash.language_saved")
	redirect(w, r, "/settings")
	return nil
}

// saveTimeZone sets the time zone of the person's base; a name that is not
// a zone is refused at its field, nothing changed.
func (s *server) saveTimeZone(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	zone := r.PostForm.Get("time_zone")
	if err := s.accounts.SetTimeZone(r.Context(), c.P.Actor, zone); err != nil {
		if msg, status := formError(c, err); msg != "" {
			s.renderSettings(w, r, c, status, settingsPage{TimeZone: zone, ZoneErr: fieldError{ID: "time-zone", Msg: msg}})
			return nil
		}
		return err
	}
	s.setFlash(w, r, "web.flash.time_zone_saved")
	redirect(w, r, "/settings")
	return nil
}

// changePassword changes the person's own password; every other session of
// theirs ends, this one stays, and their API tokens are revoked.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("new_again") {
		s.renderSettings(w, r, c, http.StatusBadRequest, settingsPage{PasswordError: c.T("web.error.password_mismatch")})
		return nil
	}
	if err := s.accounts.ChangePassword(r.Context(), c.P.Actor, c.token, r.PostForm.Get("current"), next); err != nil {
		if msg, status := passwordFieldError(c, err, "current"); msg != "" {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "60")
			}
			s.renderSettings(w, r, c, status, settingsPage{CurrentError: msg})
			return nil
		}
		if msg, status := formError(c, err); msg != "" {
			s.renderSettings(w, r, c, status, settingsPage{PasswordError: msg})
			return nil
		}
		return err
	}
	s.setFlash(w, r, "web.flash.password_changed")
	redirect(w, r, "/settings")
	return nil
}

// tokensPage is the data of the API tokens page. Secret is set only on the
// answer to the post that made it: it is shown once and never again.
type tokensPage struct {
	Tokens        []account.Token
	Secret        string
	Name          string
	Error         string // about the name, at its field
	PasswordError string // about the password asked again, at its field
}

func (s *server) tokens(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderTokens(w, r, c, http.StatusOK, tokensPage{})
}

func (s *server) renderTokens(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, tp tokensPage) error {
	ts, err := s.accounts.Tokens(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	tp.Tokens = ts
	s.render(w, r, c, status, "tokens", "web.tokens.title", tp)
	return nil
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	secret, _, err := s.accounts.CreateToken(r.Context(), c.P.Actor, name, r.PostForm.Get("password"))
	if err != nil {
		if msg, status := passwordFieldError(c, err, "password"); msg != "" {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "60")
			}
			return s.renderTokens(w, r, c, status, tokensPage{Name: name, PasswordError: msg})
		}
		if msg, status := formError(c, err); msg != "" {
			return s.renderTokens(w, r, c, status, tokensPage{Name: name, Error: msg})
		}
		return err
	}
	return s.renderTokens(w, r, c, http.StatusOK, tokensPage{Secret: secret})
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeToken(r.Context(), c.P.Actor, id); err != nil {
		return err
	}
	s.setFlash(w, r, "web.flash.token_revoked")
	redirect(w, r, "/settings/tokens")
	return nil
}
