package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/distribution"
	"abri/internal/place"
)

// Rounds, /rounds: coordinators plan distribution rounds; the warehouse
// packs them by scanning boxes; the distribution team takes them out,
// counts on the tally screen, brings back leftovers and closes them. Every
// rule is the distribution package's; these handlers parse and render.

type roundsPage struct {
	Upcoming, Recent []roundRow
	CanPlan          bool
	Sites            []option
	Kinds            []option
	Form             roundForm
	Err              fieldError
}

// roundForm is the plan form as typed.
type roundForm struct {
	Site, Kind, Day, Start, End string
	Public                      bool
}

func (s *server) rounds(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	now := time.Now().In(c.zone())
	return s.renderRounds(w, r, c, http.StatusOK, roundsPage{Form: roundForm{Kind: distribution.KindGoods, Day: now.Format("2006-01-02"),
		Start: "18:00", End: "19:00"}})
}

func (s *server) renderRounds(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p roundsPage) error {
	ctx, a := r.Context(), c.P.Actor
	today := startOfDay(time.Now(), c.zone())
	up, err := s.distribution.Rounds(ctx, a, distribution.Filter{From: today, Limit: 100})
	if err != nil {
		return err
	}
	for _, rd := range up {
		p.Upcoming = append(p.Upcoming, roundRow{rd, whenText(c, rd)})
	}
	all, err := s.distribution.Rounds(ctx, a, distribution.Filter{From: today.AddDate(0, 0, -14), To: today, Limit: 200})
	if err != nil {
		return err
	}
	for i := len(all) - 1; i >= 0; i-- { // newest first
		if all[i].EndsAt.Before(today) {
			p.Recent = append(p.Recent, roundRow{all[i], whenText(c, all[i])})
		}
	}
	p.CanPlan = a.Can(access.PlanRounds)
	if p.CanPlan {
		if p.Sites, err = s.siteOptions(r, c); err != nil {
			return err
		}
		for _, k := range distribution.Kinds {
			p.Kinds = append(p.Kinds, option{Value: k, Label: c.T("distribution.kind." + k)})
		}
	}
	s.render(w, r, c, status, "rounds", "distribution.web.rounds_title", p)
	return nil
}

func (s *server) siteOptions(r *http.Request, c *reqCtx) ([]option, error) {
	ss, err := s.places.Sites(r.Context(), c.P.Actor, place.SiteFilter{})
	if err != nil {
		return nil, err
	}
	var os []option
	for _, st := range ss {
		os = append(os, option{Value: strconv.FormatInt(st.ID, 10), Label: st.Name})
	}
	return os, nil
}

// roundRow is a round in a list, with its time window as shown.
type roundRow struct {
	distribution.Round
	When string
}

// whenText shows a round's window in the base's zone: "7 Dec 18:00 CET–19:00".
func whenText(c *reqCtx, r distribution.Round) string {
	return c.when(r.StartsAt) + "–" + r.EndsAt.In(c.zone()).Format("15:04")
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// planInput reads the plan form: a day and two times of day in the base's
// zone (an end before the start is the next morning).
func planInput(r *http.Request, c *reqCtx) (distribution.PlanInput, roundForm, error) {
	pf := r.PostForm
	f := roundForm{Site: pf.Get("site"), Kind: pf.Get("kind"), Day: pf.Get("day"), Start: pf.Get("start"), End: pf.Get("end"), Public: pf.Get("public") == "1"}
	in := distribution.PlanInput{Kind: f.Kind, Public: f.Public}
	in.SiteID, _ = strconv.ParseInt(f.Site, 10, 64)
	loc := c.zone()
	if _, err := time.ParseInLocation("2006-01-02", f.Day, loc); err != nil {
		return in, f, apperr.New(apperr.Invalid, "distribution.error.start_required").At("day")
	}
	var err error
	at := func(hm, field string) (time.Time, error) {
		t, err := time.ParseInLocation("2006-01-02 15:04", f.Day+" "+hm, loc)
		if err != nil {
			return t, apperr.New(apperr.Invalid, "distribution.error.start_required").At(field)
		}
		return t, nil
	}
	if in.StartsAt, err = at(f.Start, "start"); err != nil {
		return in, f, err
	}
	if in.EndsAt, err = at(f.End, "end"); err != nil {
		return in, f, err
	}
	if !in.EndsAt.After(in.StartsAt) {
		in.EndsAt = in.EndsAt.AddDate(0, 0, 1)
	}
	return in, f, nil
}

// formField maps a domain error's field to the form control showing it.
func roundField(err error) string {
	switch f := apperr.FieldOf(err); f {
	case "starts_at":
		return "start"
	case "ends_at":
		return "end"
	case "":
		return "form"
	default:
		return f
	}
}

func (s *server) planRound(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in, f, err := planInput(r, c)
	if err == nil {
		var rd distribution.Round
		if rd, err = s.distribution.Plan(r.Context(), c.P.Actor, in); err == nil {
			s.setFlash(w, r, "web.flash.round_planned")
			redirect(w, r, fmt.Sprintf("/rounds/%d", rd.ID))
			return nil
		}
	}
	if msg, status := formError(c, err); msg != "" {
		return s.renderRounds(w, r, c, status, roundsPage{Form: f, Err: fieldError{ID: roundField(err), Msg: msg}})
	}
	return err
}

// roundPage is a round: its summary, and the forms its state allows.
type roundPage struct {
	Sum            distribution.Summary
	When           string
	CanPlan        bool
	CanRun         bool
	Products       []option // for the packing list
	Reasons        []option
	Err            fieldError
	Done           string // what the last scan did
	Code           string
	UnaccountedAll int64
	ScheduleURL    string // the organisation's public schedule
}

func (s *server) round(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderRound(w, r, c, http.StatusOK, roundPage{Done: doneMessage(c, r.URL.Query().Get("done"))})
}

func doneMessage(c *reqCtx, key string) string {
	switch key {
	case "packed", "already_packed", "unpacked", "returned", "already_returned":
		return c.T("distribution.web.done_" + key)
	case "public_on", "public_off":
		return c.T("schedule.round.done_" + key)
	}
	return ""
}

func (s *server) renderRound(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p roundPage) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, a := r.Context(), c.P.Actor
	if p.Sum, err = s.distribution.Summary(ctx, a, id); err != nil {
		return err
	}
	p.When = whenText(c, p.Sum.Round)
	p.ScheduleURL = "/schedule/" + c.P.OrgSlug
	p.CanPlan, p.CanRun = a.Can(access.PlanRounds), a.Can(access.RunRounds)
	for _, l := range p.Sum.Lines {
		p.UnaccountedAll += l.Unaccounted()
	}
	if p.CanPlan && p.Sum.Round.Editable() && p.Sum.Round.TakesStock() {
		ps, err := catalog.Products(ctx, s.db, a)
		if err != nil {
			return err
		}
		for _, pr := range ps {
			p.Products = append(p.Products, option{Value: strconv.FormatInt(pr.ID, 10),
				Label: catalog.CategoryName(c.Lang, pr.CategoryName) + " · " + c.productName(pr.Name, pr.Gender, pr.Standard())})
		}
	}
	for _, rs := range distribution.LossReasons {
		p.Reasons = append(p.Reasons, option{Value: rs, Label: c.T("distribution.loss." + rs)})
	}
	s.render(w, r, c, status, "round", "distribution.web.round_title", p)
	return nil
}

// roundAction runs one change of a round from a form and comes back to the
// round's page; a refusal is shown at its field there.
func (s *server) roundAction(do func(r *http.Request, c *reqCtx, id int64) (done string, err error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		done, err := do(r, c, id)
		if err != nil {
			if msg, status := formError(c, err); msg != "" {
				return s.renderRound(w, r, c, status, roundPage{Err: fieldError{ID: roundField(err), Msg: msg}, Code: r.PostForm.Get("code")})
			}
			return err
		}
		to := fmt.Sprintf("/rounds/%d", id)
		if back := r.PostForm.Get("back"); back == "tally" {
			to += "/tally"
		} else if done != "" {
			to += "?done=" + done
		}
		if strings.HasSuffix(to, "/tally") && done != "" {
			to += "?done=" + done
		}
		redirect(w, r, to)
		return nil
	}
}

// postedInt reads a whole number from a posted field (Arabic digits too); a
// number that is not one reads as -1, which the domain refuses at its field.
func postedInt(r *http.Request, name string) int64 {
	n, err := formInt(r.PostForm.Get(name), name)
	if err != nil {
		return -1
	}
	return n
}

func (s *server) roundLine(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.SetLine(r.Context(), c.P.Actor, id, distribution.LineInput{ProductID: postedInt(r, "product"), Planned: postedInt(r, "planned")})
	return "", err
}

func (s *server) roundPack(r *http.Request, c *reqCtx, id int64) (string, error) {
	p, err := s.distribution.PackBox(r.Context(), c.P.Actor, id, r.PostForm.Get("code"))
	if err != nil || !p.Changed {
		return "already_packed", err
	}
	return "packed", nil
}

func (s *server) roundUnpack(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.UnpackBox(r.Context(), c.P.Actor, id, r.PostForm.Get("code"))
	return "unpacked", err
}

func (s *server) roundReturn(r *http.Request, c *reqCtx, id int64) (string, error) {
	p, err := s.distribution.ReturnBox(r.Context(), c.P.Actor, id, r.PostForm.Get("code"))
	if err != nil || !p.Changed {
		return "already_returned", err
	}
	return "returned", nil
}

func (s *server) roundReturnCount(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.ReturnCount(r.Context(), c.P.Actor, id, postedInt(r, "product"), postedInt(r, "quantity"))
	return "", err
}

func (s *server) roundLost(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.MarkLost(r.Context(), c.P.Actor, id, postedInt(r, "product"), postedInt(r, "quantity"), r.PostForm.Get("reason"))
	return "", err
}

func (s *server) roundOut(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.SendOut(r.Context(), c.P.Actor, id)
	return "", err
}

func (s *server) roundBack(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.ComeBack(r.Context(), c.P.Actor, id)
	return "", err
}

func (s *server) roundClose(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.Close(r.Context(), c.P.Actor, id)
	return "", err
}

// roundPublic puts the round on the public schedule (public=1) or takes it
// off (anything else).
func (s *server) roundPublic(r *http.Request, c *reqCtx, id int64) (string, error) {
	on := r.PostForm.Get("public") == "1"
	if _, err := s.distribution.SetPublic(r.Context(), c.P.Actor, id, on); err != nil {
		return "", err
	}
	if on {
		return "public_on", nil
	}
	return "public_off", nil
}

func (s *server) roundCancel(r *http.Request, c *reqCtx, id int64) (string, error) {
	_, err := s.distribution.Cancel(r.Context(), c.P.Actor, id)
	return "", err
}
