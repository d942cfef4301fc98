package api

import (
	"net/http"
	"time"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/people"
	"abri/internal/shop"
)

// The free shop: its rules, what a card may take now, and checkouts. The
// shop package answers 404 to roles that do not use the shop.

type ruleBody struct {
	ID         int64   `json:"id"`
	Product    *idName `json:"product"`
	Category   *idName `json:"category"`
	Quantity   int64   `json:"quantity"`
	Per        string  `json:"per"`
	PeriodDays int64   `json:"period_days"`
	Active     bool    `json:"active"`
	Text       string  `json:"text"`
}

func ruleOf(r shop.Rule, lang string) ruleBody {
	b := ruleBody{ID: r.ID, Quantity: r.Quantity, Per: r.Per, PeriodDays: r.PeriodDays, Active: r.Active, Text: r.Text(lang)}
	if r.ProductID != 0 {
		b.Product = &idName{ID: r.ProductID, Name: r.Name(lang)}
	}
	if r.CategoryID != 0 {
		b.Category = &idName{ID: r.CategoryID, Name: catalog.CategoryName(lang, r.CategoryName)}
	}
	return b
}

type shareBody struct {
	RuleID int64      `json:"rule_id"`
	Rule   string     `json:"rule"`
	Limit  int64      `json:"limit"`
	Left   int64      `json:"left"`
	NextAt *time.Time `json:"next_at"`
}

type entitlementBody struct {
	CardID int64 `json:"card_id"`
	// CardRef names the card in a shop.checkout command queued offline
	// (target "shop", payload {card, lines, override}) without its id: a
	// sealed reference, different in every answer.
	CardRef       string      `json:"card_ref"`
	HouseholdSize int64       `json:"household_size"`
	Shares        []shareBody `json:"shares"`
}

func entitlementOf(e shop.Entitlement, lang string) entitlementBody {
	b := entitlementBody{CardID: e.CardID, HouseholdSize: e.Household, Shares: []shareBody{}}
	for _, s := range e.Shares {
		sb := shareBody{RuleID: s.Rule.ID, Rule: s.Rule.Text(lang), Limit: s.Limit, Left: s.Left}
		if !s.NextAt.IsZero() {
			t := s.NextAt.UTC()
			sb.NextAt = &t
		}
		b.Shares = append(b.Shares, sb)
	}
	return b
}

// listRules answers GET /api/v1/entitlement-rules.
func (a *api) listRules(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	rs, err := shop.Rules(r.Context(), a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	lang := langOf(r, p)
	out := struct {
		Rules []ruleBody `json:"rules"`
	}{Rules: []ruleBody{}}
	for _, ru := range rs {
		out.Rules = append(out.Rules, ruleOf(ru, lang))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createRule answers POST /api/v1/entitlement-rules with the rule made.
func (a *api) createRule(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in shop.RuleInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ru, err := shop.CreateRule(r.Context(), a.cfg.DB, p.Actor, in)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusCreated, ruleOf(ru, langOf(r, p)))
	return nil
}

// cardShares answers GET /api/v1/cards/{code}: what the card may take now
// and when each used-up share opens again; never what it took.
func (a *api) cardShares(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	e, err := shop.ForCode(r.Context(), a.cfg.DB, p.Actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	out := entitlementOf(e, langOf(r, p))
	if out.CardRef, err = people.CardRef(p.Actor, e.CardID); err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// checkoutRequest is the body of POST /api/v1/checkouts.
type checkoutRequest struct {
	Code     string      `json:"code"`
	Lines    []shop.Line `json:"lines"`
	Override string      `json:"override"`
	// CommandID and MadeAt, when a client sends them, make the checkout
	// the command it would queue (POST /api/v1/commands, type
	// shop.checkout): sent again either way, it is answered again and
	// nothing more is taken.
	CommandID string    `json:"command_id"`
	MadeAt    time.Time `json:"made_at"`
	// CardRef, with CommandID, is the card_ref GET /cards/{code} gave: the
	// command is then the one that names the card by it (target "shop").
	CardRef string `json:"card_ref"`
}

type takenBody struct {
	ProductID int64  `json:"product_id"`
	Box       string `json:"box"`
	Quantity  int64  `json:"quantity"`
}

type receiptBody struct {
	ID         int64           `json:"id"`
	Lines      []takenBody     `json:"lines"`
	Overridden []int64         `json:"overridden"`
	Card       entitlementBody `json:"card"`
}

// createCheckout answers POST /api/v1/checkouts: 201 with what was taken
// from which box and what the card may take after; 409 naming the rule and
// the day it allows again.
func (a *api) createCheckout(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	var in checkoutRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.CommandID != "" && in.MadeAt.IsZero() {
		return apperr.New(apperr.Invalid, "command.made_at_missing").At("made_at")
	}
	rec, err := shop.Checkout(r.Context(), a.cfg.DB, p.Actor, in.Code, shop.Request{Lines: in.Lines, Override: in.Override},
		shop.Sent{CommandID: in.CommandID, MadeAt: in.MadeAt, CardRef: in.CardRef})
	if err != nil {
		return err
	}
	out := receiptBody{ID: rec.ID, Lines: []takenBody{}, Overridden: append([]int64{}, rec.Overridden...), Card: entitlementOf(rec.Entitlement, langOf(r, p))}
	if out.Card.CardRef, err = people.CardRef(p.Actor, rec.Entitlement.CardID); err != nil {
		return err
	}
	for _, l := range rec.Lines {
		out.Lines = append(out.Lines, takenBody{ProductID: l.ProductID, Box: l.Box, Quantity: l.Quantity})
	}
	a.writeJSON(w, r, http.StatusCreated, out)
	return nil
}
