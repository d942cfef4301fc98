package web

import (
	"net/http"
	"strconv"

	"abri/internal/access"
	"abri/internal/distribution"
)

// The tally screen, /rounds/{id}/tally: big buttons, one tap adds one, a
// long press or the "how many" field adds many, undo takes the last back.
// With JavaScript each tap is a command in the device's queue (abri.queue),
// so the screen works with no network; without it each button posts a form.
//
// The element ids are kept stable for the offline browser tests:
// #tally (data-target "round:<id>"), #tally-quantity, #tally-undo,
// #queue-status, and one button per count:
// #t-handout-<product id>, #t-people-<age|any>-<gender|any>, #t-meals-<variant>,
// each with a .count showing its total.

type tallyButton struct {
	ID      string // element id
	Round   int64
	Label   string
	Kind    string
	Product int64
	Age     string
	Gender  string
	Variant string
	Count   int64
}

type tallyPage struct {
	Round       distribution.Round
	Target      string
	Handout     []tallyButton
	People      []tallyButton
	Meals       []tallyButton
	LastID      int64  // the last count not taken back, for undo
	LastCommand string // the command that brought it, if one did
	Err         fieldError
	Done        bool
	CanRun      bool
	Served      int64
}

func (s *server) tallyScreen(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderTally(w, r, c, http.StatusOK, tallyPage{Done: r.URL.Query().Get("done") != ""})
}

func (s *server) renderTally(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p tallyPage) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sum, err := s.distribution.Summary(r.Context(), c.P.Actor, id)
	if err != nil {
		return err
	}
	p.Round, p.Target, p.CanRun = sum.Round, distribution.RoundTarget(id), c.P.Actor.Can(access.RunRounds)
	for _, l := range sum.Lines {
		name := l.Name(c.Lang)
		p.Handout = append(p.Handout, tallyButton{ID: "t-handout-" + strconv.FormatInt(l.ProductID, 10), Label: name,
			Kind: distribution.TallyHandout, Product: l.ProductID, Count: l.HandedOut})
	}
	people := map[[2]string]int64{}
	for _, pc := range sum.People {
		people[[2]string{pc.Age, pc.Gender}] += pc.Count
	}
	p.Served = sum.PeopleServed()
	for _, age := range append([]string{""}, distribution.AgeBands...) {
		for _, g := range append([]string{""}, distribution.Genders...) {
			if age == "" && g != "" || g == "unknown" {
				continue // "anyone", then each age band by gender
			}
			label := c.T("distribution.web.anyone")
			if age != "" {
				label = c.T("distribution.age." + age)
				if g != "" {
					label += " · " + c.T("distribution.gender."+g)
				}
			}
			p.People = append(p.People, tallyButton{ID: "t-people-" + orAny(age) + "-" + orAny(g), Label: label,
				Kind: distribution.TallyPeople, Age: age, Gender: g, Count: people[[2]string{age, g}]})
		}
	}
	if sum.Round.CountsMeals() {
		meals := map[string]int64{}
		for _, m := range sum.Meals {
			meals[m.Variant] = m.Count
		}
		for _, v := range distribution.MealVariants {
			p.Meals = append(p.Meals, tallyButton{ID: "t-meals-" + v, Label: c.T("distribution.meal." + v),
				Kind: distribution.TallyMeals, Variant: v, Count: meals[v]})
		}
	}
	last, err := s.distribution.Tallies(r.Context(), c.P.Actor, id, 20)
	if err != nil {
		return err
	}
	for _, t := range last {
		if !t.Undone {
			p.LastID, p.LastCommand = t.ID, t.CommandID
			break
		}
	}
	for _, list := range [][]tallyButton{p.Handout, p.People, p.Meals} {
		for i := range list {
			list[i].Round = id
		}
	}
	s.renderField(w, r, c, status, "tally", "distribution.web.tally_title", p)
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

// tally records one count posted by the screen without JavaScript.
func (s *server) tally(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	q := postedInt(r, "quantity")
	if pf.Get("quantity") == "" {
		q = 1
	}
	in := distribution.TallyInput{Kind: pf.Get("kind"), Age: pf.Get("age"), Gender: pf.Get("gender"), Variant: pf.Get("variant"), Quantity: q}
	if pf.Get("product") != "" {
		in.ProductID = postedInt(r, "product")
	}
	if _, err := s.distribution.Record(r.Context(), c.P.Actor, id, in); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderTally(w, r, c, status, tallyPage{Err: fieldError{ID: "tally-" + roundField(err), Msg: msg}})
		}
		return err
	}
	redirect(w, r, "/rounds/"+strconv.FormatInt(id, 10)+"/tally?done=1")
	return nil
}

// undoTally takes a count back (the screen without JavaScript).
func (s *server) undoTally(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.distribution.Undo(r.Context(), c.P.Actor, id, postedInt(r, "tally")); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderTally(w, r, c, status, tallyPage{Err: fieldError{ID: "tally-undo", Msg: msg}})
		}
		return err
	}
	redirect(w, r, "/rounds/"+strconv.FormatInt(id, 10)+"/tally?done=1")
	return nil
}
