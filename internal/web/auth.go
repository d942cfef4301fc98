package web

import (
	"net/http"

	"abri/internal/apperr"
	"abri/internal/i18n"
)

// loginPage is the data of the sign-in form.
type loginPage struct {
	Email string
	Next  string
	Error string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	next := localPath(r.URL.Query().Get("next"))
	if c.P != nil {
		redirect(w, r, next)
		return nil
	}
	s.render(w, r, c, http.StatusOK, "login", "web.login.title", loginPage{Next: next})
	return nil
}

// login signs a person in. A wrong password, an unknown email and a disabled
// account get the same message; too many failures get 429 and the throttle
// message, on the same form.
func (s *server) login(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email := r.PostForm.Get("email")
	next := localPath(r.PostForm.Get("next"))
	sess, err := s.accounts.Login(r.Context(), email, r.PostForm.Get("password"), clientAddr(r))
	if err != nil {
		e := apperr.As(err)
		switch e.Code {
		case apperr.Unauthorized, apperr.TooMany, apperr.Invalid:
			if e.Code == apperr.TooMany {
				w.Header().Set("Retry-After", "60")
			}
			if len(email) > 254 {
				email = ""
			}
			s.render(w, r, c, apperr.Status(e.Code), "login", "web.login.title",
				loginPage{Email: email, Next: next, Error: i18n.Message(c.Lang, e)})
			return nil
		}
		return err
	}
	if c.token != "" { // a fresh session replaces the one this browser had
		if err := s.accounts.Logout(r.Context(), c.token); err != nil {
			return err
		}
	}
	s.setSession(w, r, sess)
	redirect(w, r, next)
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if c.token != "" {
		if err := s.accounts.Logout(r.Context(), c.token); err != nil {
			return err
		}
	}
	s.clearSession(w, r)
	s.setFlash(w, r, "web.flash.signed_out")
	redirect(w, r, "/login")
	return nil
}

func (s *server) logoutEverywhere(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.accounts.LogoutEverywhere(r.Context(), c.P.Actor); err != nil {
		return err
	}
	s.clearSession(w, r)
	s.setFlash(w, r, "web.flash.signed_out_everywhere")
	redirect(w, r, "/login")
	return nil
}

// chooseLanguage sets the language: in the lang cookie for everyone, and,
// from the menu (a POST) of a signed-in person, in their own settings too.
// GET /lang?l=fr&next=/login serves plain links for signed-out people.
func (s *server) chooseLanguage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	l := r.Form.Get("l")
	if !i18n.Supported(l) {
		return apperr.New(apperr.Invalid, "error.lang_unknown")
	}
	if r.Method == http.MethodPost && c.P != nil {
		if err := s.accounts.SetLanguage(r.Context(), c.P.Actor, l); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookie(r, langCookie, l, oneYear))
	redirect(w, r, localPath(r.Form.Get("next")))
	return nil
}

// switchBase moves the session to another base where the person has a role.
func (s *server) switchBase(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id, err := formID(r, "base")
	if err != nil {
		return err
	}
	if err := s.accounts.SwitchBase(r.Context(), c.P.Actor, c.token, id); err != nil {
		return err
	}
	s.setFlash(w, r, "web.flash.base_switched")
	redirect(w, r, "/")
	return nil
}

// invitePage is the data of the page behind an invitation link.
type invitePage struct {
	Name   string
	Email  string
	MinLen int
	Error  string
}

func (s *server) invitation(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	u, err := s.accounts.Invitation(r.Context(), r.PathValue("secret"))
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "invite", "web.invite.title",
		invitePage{Name: u.Name, Email: u.Email, MinLen: minPasswordLen})
	return nil
}

// acceptInvitation sets the invited person's password and signs them in.
func (s *server) acceptInvitation(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	secret := r.PathValue("secret")
	u, err := s.accounts.Invitation(r.Context(), secret)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	pw := r.PostForm.Get("password")
	again := func(msg string, status int) error {
		s.render(w, r, c, status, "invite", "web.invite.title",
			invitePage{Name: u.Name, Email: u.Email, MinLen: minPasswordLen, Error: msg})
		return nil
	}
	if pw != r.PostForm.Get("password_again") {
		return again(c.T("web.error.password_mismatch"), http.StatusBadRequest)
	}
	if _, err := s.accounts.AcceptInvitation(r.Context(), secret, pw); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return again(msg, status)
		}
		return err
	}
	sess, err := s.accounts.Login(r.Context(), u.Email, pw, clientAddr(r))
	if err != nil { // the password is set; signing in by hand will do
		redirect(w, r, "/login")
		return nil
	}
	if c.token != "" { // someone else was signed in on this browser
		if err := s.accounts.Logout(r.Context(), c.token); err != nil {
			return err
		}
	}
	s.setSession(w, r, sess)
	s.setFlash(w, r, "web.flash.welcome")
	redirect(w, r, "/")
	return nil
}
