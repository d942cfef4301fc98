package api

import (
	"net/http"

	"abri/internal/account"
)

// meBody is who the token acts as. Its fields are documented as the Me
// schema in openapi.json; a test checks the two agree.
type meBody struct {
	User         meUser `json:"user"`
	Organisation idName `json:"organisation"`
	Base         idName `json:"base"`
	Role         string `json:"role"`
}

type meUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Lang  string `json:"lang"` // "" means: from the client's Accept-Language
}

type idName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func meOf(p account.Principal) meBody {
	return meBody{
		User:         meUser{ID: p.User.ID, Email: p.User.Email, Name: p.User.Name, Lang: p.User.Lang},
		Organisation: idName{ID: p.Actor.OrgID, Name: p.OrgName},
		Base:         idName{ID: p.Actor.BaseID, Name: p.BaseName},
		Role:         string(p.Actor.Role),
	}
}

// me answers GET /api/v1/me: the token's user, organisation, base and role.
func (a *api) me(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	a.writeJSON(w, r, http.StatusOK, meOf(p))
	return nil
}

// meUpdate is the body of PATCH /api/v1/me; a field left out is unchanged.
type meUpdate struct {
	Lang *string `json:"lang"`
}

// updateMe answers PATCH /api/v1/me: it changes the user's own settings
// (for now, the language) and answers as GET does.
func (a *api) updateMe(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in meUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Lang != nil {
		if err := a.cfg.Accounts.SetLanguage(r.Context(), p.Actor, *in.Lang); err != nil {
			return err
		}
		p.User.Lang = *in.Lang
	}
	a.writeJSON(w, r, http.StatusOK, meOf(p))
	return nil
}
