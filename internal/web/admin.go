package web

import (
	"net/http"
	"strconv"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/origin"
)

// usersPage is the data of the administrator's list of users. Link is set
// only on the answer to an invitation: it is shown once.
type usersPage struct {
	Users []account.UserRow
	Bases []account.Base
	Roles []access.Role
	Form  inviteForm
	Error string
	Link  string
	Whom  string // the invited person's name, beside the link

	InviteDays int // how long an invitation link works
}

type inviteForm struct {
	Email  string
	Name   string
	BaseID int64
	Role   access.Role
}

// users lists the organisation's users with their roles per base.
func (s *server) users(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := c.P.Actor.Require(access.ManageUsers); err != nil {
		return err
	}
	return s.renderUsers(w, r, c, http.StatusOK, usersPage{Form: inviteForm{BaseID: c.P.Actor.BaseID, Role: access.Viewer}})
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, up usersPage) error {
	us, err := s.accounts.Users(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	bs, err := s.accounts.Bases(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	up.Users, up.Bases, up.Roles = us, bs, access.Roles
	up.InviteDays = int(account.InvitationTTL.Hours() / 24)
	s.render(w, r, c, status, "users", "web.users.title", up)
	return nil
}

// inviteUser adds a user without a password and shows, once, the link
// through which they choose one. abri sends no email: the administrator
// passes the link on.
func (s *server) inviteUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := c.P.Actor.Require(access.ManageUsers); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := inviteForm{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: access.Role(r.PostForm.Get("role"))}
	f.BaseID, _ = strconv.ParseInt(r.PostForm.Get("base"), 10, 64)
	u, secret, err := s.accounts.Invite(r.Context(), c.P.Actor, account.NewUser{
		Email: f.Email, Name: f.Name, BaseID: f.BaseID, Role: f.Role,
	})
	if err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderUsers(w, r, c, status, usersPage{Form: f, Error: msg})
		}
		return err
	}
	return s.renderUsers(w, r, c, http.StatusOK, usersPage{
		Form: inviteForm{BaseID: f.BaseID, Role: access.Viewer},
		Link: origin.Of(s.baseURL, r) + "/invite/" + secret,
		Whom: u.Name,
	})
}

// userPage is the data of one user's page: their role in every base.
type userPage struct {
	User  account.User
	Rows  []roleRow
	Roles []access.Role
	Error string
}

type roleRow struct {
	BaseID   int64
	BaseName string
	Role     access.Role // "" when the user has no role there
}

func (s *server) user(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderUser(w, r, c, http.StatusOK, "")
}

func (s *server) renderUser(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, msg string) error {
	if err := c.P.Actor.Require(access.ManageUsers); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.accounts.User(r.Context(), c.P.Actor, id)
	if err != nil {
		return err
	}
	bs, err := s.accounts.Bases(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	ms, err := s.accounts.Memberships(r.Context(), s.accounts.DB, u.ID)
	if err != nil {
		return err
	}
	roles := map[int64]access.Role{}
	for _, m := range ms {
		roles[m.BaseID] = m.Role
	}
	up := userPage{User: u, Roles: access.Roles, Error: msg}
	for _, b := range bs {
		up.Rows = append(up.Rows, roleRow{BaseID: b.ID, BaseName: b.Name, Role: roles[b.ID]})
	}
	s.render(w, r, c, status, "user", "web.user.title", up)
	return nil
}

// setRole gives a user a role in one base, or takes it away.
func (s *server) setRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := c.P.Actor.Require(access.ManageUsers); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	base, err := formID(r, "base")
	if err != nil {
		return err
	}
	if err := s.accounts.SetRole(r.Context(), c.P.Actor, id, base, access.Role(r.PostForm.Get("role"))); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderUser(w, r, c, status, msg)
		}
		return err
	}
	s.setFlash(w, r, "web.flash.role_saved")
	redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	return nil
}

// setDisabled disables a user (their sessions end, their tokens stop
// working) or enables them again.
func (s *server) setDisabled(disabled bool) handlerFunc {
	flash := "web.flash.user_enabled"
	if disabled {
		flash = "web.flash.user_disabled"
	}
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		if err := c.P.Actor.Require(access.ManageUsers); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.accounts.SetDisabled(r.Context(), c.P.Actor, id, disabled); err != nil {
			if msg, status := formError(c, err); msg != "" {
				return s.renderUser(w, r, c, status, msg)
			}
			return err
		}
		s.setFlash(w, r, flash)
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
		return nil
	}
}
