package api

import (
	"net/http"
	"time"

	"abri/internal/account"
	"abri/internal/i18n"
	"abri/internal/people"
)

// cardRequest is the body of POST /api/v1/cards. Name and phone are
// refused unless the base turned personal fields on.
type cardRequest struct {
	HouseholdSize int            `json:"household_size"`
	AgeBands      map[string]int `json:"age_bands"`
	Genders       map[string]int `json:"genders"`
	Languages     []string       `json:"languages"`
	Name          string         `json:"name"`
	Phone         string         `json:"phone"`
}

// issuedCard is the answer of POST /api/v1/cards: the only time the code is
// ever shown.
type issuedCard struct {
	ID            int64          `json:"id"`
	Code          string         `json:"code"`
	HouseholdSize int            `json:"household_size"`
	AgeBands      map[string]int `json:"age_bands"`
	Genders       map[string]int `json:"genders"`
	Languages     []string       `json:"languages"`
	HasFields     bool           `json:"has_fields"`
	CreatedAt     time.Time      `json:"created_at"`
}

// createCard answers POST /api/v1/cards with the new card and its code.
func (a *api) createCard(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := people.MayUse(p.Actor); err != nil {
		return err
	}
	var in cardRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, code, err := people.IssueCard(r.Context(), a.cfg.DB, p.Actor, people.NewCard{HouseholdSize: in.HouseholdSize,
		AgeBands: in.AgeBands, Genders: in.Genders, Languages: in.Languages, Fields: people.Fields{Name: in.Name, Phone: in.Phone}})
	if err != nil {
		return err
	}
	out := issuedCard{ID: c.ID, Code: people.FormatCode(code), HouseholdSize: c.HouseholdSize, AgeBands: c.AgeBands,
		Genders: c.Genders, Languages: append([]string{}, c.Languages...), HasFields: c.HasFields, CreatedAt: c.CreatedAt.UTC()}
	a.writeJSON(w, r, http.StatusCreated, out)
	return nil
}

type coverageLine struct {
	What  string `json:"what"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// erasure is the answer of DELETE /api/v1/cards/{code}: what erasing the
// card covered.
type erasure struct {
	Erased     bool           `json:"erased"`
	Deleted    []coverageLine `json:"deleted"`
	Anonymised []coverageLine `json:"anonymised"`
	Aggregate  []coverageLine `json:"aggregate"`
}

// eraseCard answers DELETE /api/v1/cards/{code}: the card, its code's HMAC
// and its personal fields are deleted at once, and the answer lists what
// was deleted, what was made anonymous and what stays as a count.
func (a *api) eraseCard(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	if err := people.MayUse(p.Actor); err != nil {
		return err
	}
	cov, err := people.Erase(r.Context(), a.cfg.DB, p.Actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	lines := func(ls []people.CoverageLine) []coverageLine {
		out := []coverageLine{}
		for _, l := range ls {
			out = append(out, coverageLine{What: l.What, Label: i18n.T(lang, "people.coverage."+l.What), Count: l.Count})
		}
		return out
	}
	a.writeJSON(w, r, http.StatusOK, erasure{Erased: true, Deleted: lines(cov.Deleted), Anonymised: lines(cov.Anonymised), Aggregate: lines(cov.Aggregate)})
	return nil
}
