package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/people"
	"abri/internal/shop"
)

// The card desk of the free shop: issue a card and print it, find a card by
// its code to replace it, read or change its personal fields (each read is
// logged) or erase it on request; coordinators and admins set the base's
// card settings, admins read the access log. The people package answers 404
// to every role but the shop, coordinators and admins.

type cardDeskPage struct {
	Settings         people.Settings
	CanManage        bool
	CanSeeLog        bool
	Form             map[string]string
	Err, FindErr     fieldError
	SettingsErr      fieldError
	AgeBands         []option
	Genders          []option
	MaxHousehold     int
	MinDays, MaxDays int
}

func (c *reqCtx) cardChoices() (ages, genders []option) {
	for _, a := range people.AgeBands {
		ages = append(ages, option{Value: a, Label: c.T("people.age." + a)})
	}
	for _, g := range people.Genders {
		genders = append(genders, option{Value: g, Label: c.T("people.gender." + g)})
	}
	return ages, genders
}

func (s *server) renderCardDesk(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p cardDeskPage) error {
	st, err := people.SettingsOf(r.Context(), s.db, c.P.Actor)
	if err != nil {
		return err
	}
	if p.Form == nil {
		p.Form = map[string]string{"household_size": "1"}
	}
	if p.SettingsErr.ID == "" {
		p.Settings = st
	}
	p.CanManage, p.CanSeeLog = c.P.Actor.Can(access.ManageCards), c.P.Actor.Can(access.ViewCardAccessLog)
	p.AgeBands, p.Genders = c.cardChoices()
	p.MaxHousehold, p.MinDays, p.MaxDays = people.MaxHousehold, people.MinRetentionDays, people.MaxRetentionDays
	s.render(w, r, c, status, "cards", "people.web.title", p)
	return nil
}

func (s *server) cardDesk(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := people.MayUse(c.P.Actor); err != nil {
		return err
	}
	return s.renderCardDesk(w, r, c, http.StatusOK, cardDeskPage{})
}

// cardForm reads the issue form: counts left empty are 0, one that is not
// a number is -1 so that the domain names its field.
func cardForm(r *http.Request) (people.NewCard, map[string]string) {
	pf := r.PostForm
	form := map[string]string{}
	for k := range pf {
		form[k] = pf.Get(k)
	}
	num := func(name string) int {
		v := strings.TrimSpace(pf.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		return n
	}
	in := people.NewCard{HouseholdSize: num("household_size"), AgeBands: map[string]int{}, Genders: map[string]int{},
		Languages: strings.FieldsFunc(pf.Get("languages"), func(r rune) bool { return r == ',' || r == ' ' }),
		Fields:    people.Fields{Name: pf.Get("name"), Phone: pf.Get("phone")}}
	if in.HouseholdSize == 0 && strings.TrimSpace(pf.Get("household_size")) != "" {
		in.HouseholdSize = -1
	}
	for _, a := range people.AgeBands {
		if n := num("age_" + a); n != 0 {
			in.AgeBands[a] = n
		}
	}
	for _, g := range people.Genders {
		if n := num("gender_" + g); n != 0 {
			in.Genders[g] = n
		}
	}
	return in, form
}

// cardField is the control of the issue form a domain error names.
func cardField(err error) string {
	switch f := apperr.FieldOf(err); f {
	case "age_bands":
		return "card-age_" + people.AgeBands[0]
	case "genders":
		return "card-gender_" + people.Genders[0]
	case "":
		return "card-household_size"
	default:
		return "card-" + f
	}
}

func (s *server) issueCard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := people.MayUse(c.P.Actor); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in, form := cardForm(r)
	card, code, err := people.IssueCard(r.Context(), s.db, c.P.Actor, in)
	if err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderCardDesk(w, r, c, status, cardDeskPage{Form: form, Err: fieldError{ID: cardField(err), Msg: msg}})
		}
		return err
	}
	return s.renderDeskCard(w, r, c, http.StatusCreated, cardDeskCard{Card: card, Code: people.FormatCode(code), Issued: true})
}

func (s *server) findCard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := people.MayUse(c.P.Actor); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	code := r.PostForm.Get("code")
	card, err := people.FindCard(r.Context(), s.db, c.P.Actor, code)
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.NotFound {
			status := apperr.Status(e.Code)
			return s.renderCardDesk(w, r, c, status, cardDeskPage{Form: map[string]string{"household_size": "1", "code": code},
				FindErr: fieldError{ID: "find-code", Msg: c.T(e.Key, e.Args...)}})
		}
		return err
	}
	redirect(w, r, "/cards/"+strconv.FormatInt(card.ID, 10))
	return nil
}

type cardDeskCard struct {
	Card      people.Card
	Code      string // shown once, after issuing or replacing
	Issued    bool   // a new card (else a new code for a lost one)
	Fields    *people.Fields
	FieldsOn  bool
	FieldsErr fieldError
	EraseErr  fieldError
	Coverage  *people.Coverage
	AgeBands  []option
	Genders   []option
	Zone      *time.Location
	CanExport bool
}

func (s *server) renderDeskCard(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p cardDeskCard) error {
	st, err := people.SettingsOf(r.Context(), s.db, c.P.Actor)
	if err != nil {
		return err
	}
	p.FieldsOn, p.Zone = st.PersonalFields, c.zone()
	p.AgeBands, p.Genders = c.cardChoices()
	p.CanExport = c.P.Actor.Can(access.ExportCard)
	s.render(w, r, c, status, "card", "people.web.card_title", p)
	return nil
}

// cardOf reads the card of the actor's base that /cards/{id}/… names.
func (s *server) cardOf(r *http.Request, c *reqCtx) (people.Card, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return people.Card{}, err
	}
	return people.Get(r.Context(), s.db, c.P.Actor, id)
}

func (s *server) card(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	card, err := s.cardOf(r, c)
	if err != nil {
		return err
	}
	return s.renderDeskCard(w, r, c, http.StatusOK, cardDeskCard{Card: card})
}

// cardAction reads the card a POST on /cards/{id}/… is about.
func (s *server) cardAction(h func(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		card, err := s.cardOf(r, c)
		if err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		return h(w, r, c, card)
	}
}

// printCard answers the card's PDF for the code posted with it (the code
// is never stored, so only the page that just showed it can print it).
func (s *server) printCard(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error {
	found, err := people.FindCard(r.Context(), s.db, c.P.Actor, r.PostForm.Get("code"))
	if err != nil {
		return err
	}
	if found.ID != card.ID {
		return apperr.ErrNotFound()
	}
	var buf bytes.Buffer
	if err := people.CardPDF(&buf, r.PostForm.Get("code"), card, c.Lang); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="abri-card.pdf"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *server) replaceCard(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error {
	code, err := people.ReplaceCard(r.Context(), s.db, c.P.Actor, card.ID)
	if err != nil {
		return err
	}
	return s.renderDeskCard(w, r, c, http.StatusOK, cardDeskCard{Card: card, Code: people.FormatCode(code)})
}

// eraseCard erases the card once the person's request is confirmed (the
// box is never ticked in advance).
func (s *server) eraseCard(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error {
	if r.PostForm.Get("confirm") != "yes" {
		return s.renderDeskCard(w, r, c, http.StatusBadRequest, cardDeskCard{Card: card,
			EraseErr: fieldError{ID: "erase-confirm", Msg: c.T("people.error.erase_confirm")}})
	}
	cov, err := people.EraseID(r.Context(), s.db, c.P.Actor, card.ID)
	if err != nil {
		return err
	}
	return s.renderDeskCard(w, r, c, http.StatusOK, cardDeskCard{Coverage: &cov})
}

// showCardFields reveals the personal fields; the read is logged first.
func (s *server) showCardFields(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error {
	f, err := people.ReadCardFields(r.Context(), s.db, c.P.Actor, card.ID)
	if err != nil {
		return err
	}
	return s.renderDeskCard(w, r, c, http.StatusOK, cardDeskCard{Card: card, Fields: &f})
}

func (s *server) saveCardFields(w http.ResponseWriter, r *http.Request, c *reqCtx, card people.Card) error {
	f := people.Fields{Name: r.PostForm.Get("name"), Phone: r.PostForm.Get("phone")}
	if err := people.SetCardFields(r.Context(), s.db, c.P.Actor, card.ID, f); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderDeskCard(w, r, c, status, cardDeskCard{Card: card, Fields: &f, FieldsErr: fieldError{ID: "fields-" + apperr.FieldOf(err), Msg: msg}})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.card_fields_saved")
	redirect(w, r, "/cards/"+strconv.FormatInt(card.ID, 10))
	return nil
}

func (s *server) saveCardSettings(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := people.MayUse(c.P.Actor); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("retention_days")))
	if err != nil {
		days = -1
	}
	st := people.Settings{PersonalFields: r.PostForm.Get("personal_fields") == "on", RetentionDays: days}
	if err := people.ChangeSettings(r.Context(), s.db, c.P.Actor, st); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderCardDesk(w, r, c, status, cardDeskPage{Settings: st, SettingsErr: fieldError{ID: "settings-" + apperr.FieldOf(err), Msg: msg}})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.card_settings_saved")
	redirect(w, r, "/cards")
	return nil
}

type cardLogPage struct {
	Entries []people.AccessEntry
	Zone    *time.Location
}

func (s *server) cardLog(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	es, err := people.AccessLog(r.Context(), s.db, c.P.Actor, 500)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "card_log", "people.web.log_title", cardLogPage{Entries: es, Zone: c.zone()})
	return nil
}

// cardExport is what abri holds on one card, as its holder receives it.
type cardExport struct {
	Card       int64                  `json:"card"`
	Household  int                    `json:"household_size"`
	AgeBands   map[string]int         `json:"age_bands,omitempty"`
	Genders    map[string]int         `json:"genders,omitempty"`
	Languages  []string               `json:"languages,omitempty"`
	IssuedAt   time.Time              `json:"issued_at"`
	LastUsedAt *time.Time             `json:"last_used_at,omitempty"`
	Name       string                 `json:"name,omitempty"`
	Phone      string                 `json:"phone,omitempty"`
	Checkouts  []shop.HistoryCheckout `json:"checkouts"`
	Zone       *time.Location         `json:"-"`
}

// exportCard answers POST /cards/{id}/export: an administrator gives the
// holder of a card, who shows it (its code is posted), what abri holds on
// it, as JSON (format=json) or a page to print. The export is logged once.
func (s *server) exportCard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	var out cardExport
	err = s.db.InTx(r.Context(), func(tx *db.Tx) error {
		e, err := people.ExportTx(r.Context(), tx, c.P.Actor, id, r.PostForm.Get("code"))
		if err != nil {
			return err
		}
		k := e.Card
		out = cardExport{Card: k.ID, Household: k.HouseholdSize, AgeBands: k.AgeBands, Genders: k.Genders, Languages: k.Languages,
			IssuedAt: k.CreatedAt, Name: e.Fields.Name, Phone: e.Fields.Phone, Zone: c.zone()}
		if !k.LastUsedAt.IsZero() {
			out.LastUsedAt = &k.LastUsedAt
		}
		out.Checkouts, err = shop.History(r.Context(), tx, c.P.Actor, k.ID, c.Lang)
		return err
	})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if r.PostForm.Get("format") == "json" {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", `attachment; filename="abri-card.json"`)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	s.render(w, r, c, http.StatusOK, "card_export", "people.web.export_title", out)
	return nil
}
