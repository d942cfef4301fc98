package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/distribution"
	"abri/internal/i18n"
	"abri/internal/needs"
	"abri/internal/place"
)

// Sites, rounds, their offline commands, and needs. The rules are the
// place, distribution, command and needs packages'; these handlers only
// read and write JSON.

type siteBody struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Note       string     `json:"note"`
	PublicNote string     `json:"public_note"`
	Pin        *place.Pin `json:"pin"`
	Archived   bool       `json:"archived"`
}

type siteCreate struct {
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Note       string     `json:"note"`
	PublicNote string     `json:"public_note"`
	Pin        *place.Pin `json:"pin"`
}

func siteOf(s place.Site) siteBody {
	return siteBody{ID: s.ID, Name: s.Name, Kind: s.Kind, Note: s.Note, PublicNote: s.PublicNote, Pin: s.Pin, Archived: s.Archived}
}

// listSites answers GET /api/v1/sites: the base's sites in use, by name.
func (a *api) listSites(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	ss, err := a.places.Sites(r.Context(), p.Actor, place.SiteFilter{})
	if err != nil {
		return err
	}
	out := struct {
		Sites []siteBody `json:"sites"`
	}{Sites: []siteBody{}}
	for _, s := range ss {
		out.Sites = append(out.Sites, siteOf(s))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createSite answers POST /api/v1/sites.
func (a *api) createSite(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in siteCreate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := a.places.CreateSite(r.Context(), p.Actor, place.SiteInput{Name: in.Name, Kind: in.Kind, Note: in.Note, PublicNote: in.PublicNote, Pin: in.Pin})
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusCreated, siteOf(s))
	return nil
}

type roundBody struct {
	ID       int64     `json:"id"`
	Site     idName    `json:"site"`
	Kind     string    `json:"kind"`
	Public   bool      `json:"public"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	State    string    `json:"state"`
}

func roundOf(rd distribution.Round) roundBody {
	return roundBody{ID: rd.ID, Site: idName{ID: rd.SiteID, Name: rd.SiteName}, Kind: rd.Kind, Public: rd.Public,
		StartsAt: rd.StartsAt.UTC(), EndsAt: rd.EndsAt.UTC(), State: rd.State}
}

type lineBody struct {
	ProductID   int64  `json:"product_id"`
	Name        string `json:"name"`
	Planned     int64  `json:"planned"`
	Packed      int64  `json:"packed"`
	Boxes       int64  `json:"boxes"`
	HandedOut   int64  `json:"handed_out"`
	Returned    int64  `json:"returned"`
	Lost        int64  `json:"lost"`
	Unaccounted int64  `json:"unaccounted"`
}

type peopleBody struct {
	Age    *string `json:"age"`
	Gender *string `json:"gender"`
	Count  int64   `json:"count"`
}

type mealBody struct {
	Variant string `json:"variant"`
	Count   int64  `json:"count"`
}

type roundDetail struct {
	roundBody
	Lines  []lineBody   `json:"lines"`
	People []peopleBody `json:"people"`
	Meals  []mealBody   `json:"meals"`
}

type lineCreate struct {
	ProductID int64 `json:"product_id"`
	Planned   int64 `json:"planned"`
}

type roundCreate struct {
	SiteID   int64        `json:"site_id"`
	Kind     string       `json:"kind"`
	Public   bool         `json:"public"`
	StartsAt time.Time    `json:"starts_at"`
	EndsAt   time.Time    `json:"ends_at"`
	Lines    []lineCreate `json:"lines"`
}

// listRounds answers GET /api/v1/rounds: the base's rounds, soonest first,
// narrowed by state, site and a period.
func (a *api) listRounds(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "state", "site_id", "from", "to", "limit")
	if err != nil {
		return err
	}
	var f distribution.Filter
	if f.State, err = q.str("state"); err != nil {
		return err
	}
	if s, _ := q.str("site_id"); s != "" {
		if f.SiteID, err = strconv.ParseInt(s, 10, 64); err != nil || f.SiteID <= 0 {
			return apperr.New(apperr.Invalid, keyQueryInteger, "site_id").At("site_id")
		}
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s, _ := q.str(name); s != "" {
			if *dst, err = time.Parse(time.RFC3339, s); err != nil {
				return apperr.New(apperr.Invalid, "distribution.error.param_time", name).At(name)
			}
		}
	}
	if f.Limit, err = q.limit(200, 1000); err != nil {
		return err
	}
	rs, err := a.rounds.Rounds(r.Context(), p.Actor, f)
	if err != nil {
		return err
	}
	out := struct {
		Rounds []roundBody `json:"rounds"`
	}{Rounds: []roundBody{}}
	for _, rd := range rs {
		out.Rounds = append(out.Rounds, roundOf(rd))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createRound answers POST /api/v1/rounds.
func (a *api) createRound(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in roundCreate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	plan := distribution.PlanInput{SiteID: in.SiteID, Kind: in.Kind, Public: in.Public, StartsAt: in.StartsAt, EndsAt: in.EndsAt}
	for _, l := range in.Lines {
		plan.Lines = append(plan.Lines, distribution.LineInput{ProductID: l.ProductID, Planned: l.Planned})
	}
	rd, err := a.rounds.Plan(r.Context(), p.Actor, plan)
	if err != nil {
		return err
	}
	return a.writeRound(w, r, p, rd.ID, http.StatusCreated)
}

// getRound answers GET /api/v1/rounds/{id}: the round and what became of it.
func (a *api) getRound(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	id, err := roundID(r)
	if err != nil {
		return err
	}
	return a.writeRound(w, r, p, id, http.StatusOK)
}

// roundUpdate is what PATCH /api/v1/rounds/{id} may change: whether the
// round is on the public schedule. A field left out stays as it is.
type roundUpdate struct {
	Public *bool `json:"public"`
}

// updateRound answers PATCH /api/v1/rounds/{id}.
func (a *api) updateRound(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	id, err := roundID(r)
	if err != nil {
		return err
	}
	var in roundUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Public != nil {
		if _, err := a.rounds.SetPublic(r.Context(), p.Actor, id, *in.Public); err != nil {
			return err
		}
	}
	return a.writeRound(w, r, p, id, http.StatusOK)
}

func roundID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.ErrNotFound()
	}
	return id, nil
}

func (a *api) writeRound(w http.ResponseWriter, r *http.Request, p account.Principal, id int64, status int) error {
	sum, err := a.rounds.Summary(r.Context(), p.Actor, id)
	if err != nil {
		return err
	}
	out := roundDetail{roundBody: roundOf(sum.Round), Lines: []lineBody{}, People: []peopleBody{}, Meals: []mealBody{}}
	lang := langOf(r, p)
	for _, l := range sum.Lines {
		out.Lines = append(out.Lines, lineBody{ProductID: l.ProductID, Name: l.Name(lang), Planned: l.Planned, Packed: l.Packed, Boxes: l.Boxes,
			HandedOut: l.HandedOut, Returned: l.Returned(), Lost: l.Lost, Unaccounted: l.Unaccounted()})
	}
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for _, pc := range sum.People {
		out.People = append(out.People, peopleBody{Age: orNull(pc.Age), Gender: orNull(pc.Gender), Count: pc.Count})
	}
	for _, m := range sum.Meals {
		out.Meals = append(out.Meals, mealBody{Variant: m.Variant, Count: m.Count})
	}
	a.writeJSON(w, r, status, out)
	return nil
}

// roundCommands answers POST /api/v1/rounds/{id}/commands: a batch of the
// tally screen's commands for this round, applied once each through the
// command package; the answer says, per command, applied, already applied,
// conflict or needs review, with the reason in the caller's language.
func (a *api) roundCommands(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := p.Actor.Require(access.SendCommands); err != nil {
		return err
	}
	if err := p.Actor.Require(access.RunRounds); err != nil {
		return err
	}
	id, err := roundID(r)
	if err != nil {
		return err
	}
	if _, err := a.rounds.Round(r.Context(), p.Actor, id); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apperr.Wrap(err, apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
		}
		return apperr.Wrap(err, apperr.Invalid, keyJSONInvalid)
	}
	cmds, err := command.ParseBatch(body)
	if err != nil {
		return err
	}
	if err := command.RequireTarget(cmds, distribution.RoundTarget(id)); err != nil {
		return err
	}
	outs, err := command.Apply(r.Context(), a.cfg.DB, p.Actor, cmds)
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	command.Localize(outs, func(e *apperr.Error) string { return i18n.Message(lang, e) })
	a.writeJSON(w, r, http.StatusOK, struct {
		Outcomes []command.Outcome `json:"outcomes"`
	}{outs})
	return nil
}

type needBody struct {
	ID        int64     `json:"id"`
	Site      idName    `json:"site"`
	Product   *idName   `json:"product"`
	Category  idName    `json:"category"`
	Quantity  int64     `json:"quantity"`
	Met       int64     `json:"met"`
	Urgency   int64     `json:"urgency"`
	Source    string    `json:"source"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

type needCreate struct {
	SiteID     int64  `json:"site_id"`
	ProductID  int64  `json:"product_id"`
	CategoryID int64  `json:"category_id"`
	Quantity   int64  `json:"quantity"`
	Urgency    int64  `json:"urgency"`
	Source     string `json:"source"`
}

func needOf(n needs.Need, lang string) needBody {
	b := needBody{ID: n.ID, Site: idName{ID: n.SiteID, Name: n.SiteName}, Category: idName{ID: n.CategoryID, Name: n.CategoryName},
		Quantity: n.Quantity, Met: n.Met, Urgency: n.Urgency, Source: n.Source, State: n.State, CreatedAt: n.CreatedAt.UTC()}
	if n.ProductID != 0 {
		b.Product = &idName{ID: n.ProductID, Name: n.Name(lang)}
	}
	return b
}

// listNeeds answers GET /api/v1/needs: the base's needs, most urgent and
// oldest first; open=true for the open and partly met ones only.
func (a *api) listNeeds(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "open", "site_id")
	if err != nil {
		return err
	}
	var f needs.Filter
	switch s, _ := q.str("open"); s {
	case "", "false":
	case "true":
		f.OpenOnly = true
	default:
		return apperr.New(apperr.Invalid, "distribution.error.param_open").At("open")
	}
	if s, _ := q.str("site_id"); s != "" {
		if f.SiteID, err = strconv.ParseInt(s, 10, 64); err != nil || f.SiteID <= 0 {
			return apperr.New(apperr.Invalid, keyQueryInteger, "site_id").At("site_id")
		}
	}
	ns, err := a.needs.List(r.Context(), p.Actor, f)
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	out := struct {
		Needs []needBody `json:"needs"`
	}{Needs: []needBody{}}
	for _, n := range ns {
		out.Needs = append(out.Needs, needOf(n, lang))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createNeed answers POST /api/v1/needs.
func (a *api) createNeed(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in needCreate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	n, err := a.needs.Create(r.Context(), p.Actor, needs.Input{SiteID: in.SiteID, ProductID: in.ProductID, CategoryID: in.CategoryID,
		Quantity: in.Quantity, Urgency: in.Urgency, Source: in.Source})
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusCreated, needOf(n, langOf(r, p)))
	return nil
}
