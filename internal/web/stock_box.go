package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/place"
	"abri/internal/stock"
)

// The box page, /b/{code}: the address a box's QR label holds. It shows the
// box, lets the warehouse edit it and move it, and tells its history.

// boxPage is the data of the box page.
type boxPage struct {
	Box       boxView
	CanEdit   bool     // items, size, expiry, comment, tags
	CanMove   bool     // location and state
	Locations []option // where the box may go, each saying when it changes the box's state
	States    []option // the states the box may go to from its own
	Sizes     []string // the product's sizes; none for measured goods
	Units     []catalog.Unit
	Form      boxForm
	Error     string
	Stale     bool
	Now       map[string]string // on a stale save: saved values that differ from what was typed
	History   []historyLine
	// Paging the history, newest first: the address of older changes
	// ("" when these are the first), and whether this page is not the
	// latest.
	OlderURL string
	Older    bool
}

// boxHistoryPage is how many changes the box page shows at once.
const boxHistoryPage = 50

// boxForm is the edit form as typed.
type boxForm struct {
	Version  int64
	Items    string
	Size     string
	Quantity string
	Unit     string
	Expires  string
	Comment  string
	Tags     string
}

func formOf(c *reqCtx, b stock.Box) boxForm {
	f := boxForm{Version: b.Version, Items: strconv.FormatInt(b.Items, 10), Size: b.Size, Expires: b.ExpiresOn,
		Comment: b.Comment, Tags: strings.Join(b.Tags, ", ")}
	if b.Measure != "" {
		f.Quantity = c.quantity(b.MeasureMil, "")
		f.Unit = b.BaseUnit()
	}
	return f
}

// historyLine is one change of the box, as a sentence.
type historyLine struct {
	At      time.Time
	When    string
	Text    string
	Details []string
}

// box shows a box, or says what the code is when it is not one of the
// base's boxes: a blank label of this base, or an unknown code.
func (s *server) box(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	raw := r.PathValue("code")
	sc, err := s.stock.Resolve(r.Context(), c.P.Actor, raw)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.renderScan(w, r, c, http.StatusBadRequest, scanPage{Code: oneLine(raw), Error: errText(c, err)})
		}
		return err
	}
	if sc.Code != raw {
		redirect(w, r, "/b/"+sc.Code)
		return nil
	}
	if sc.Box == nil {
		status := http.StatusNotFound
		if sc.Blank {
			status = http.StatusOK
		}
		s.render(w, r, c, status, "box_unknown", "web.box.unknown_title", unknownCodePage{
			Code: sc.Code, CodeShown: stock.FormatCode(sc.Code), Blank: sc.Blank, CanMake: c.P.Actor.Can(access.EditStock),
		})
		return nil
	}
	return s.renderBox(w, r, c, http.StatusOK, sc.Code, nil)
}

// unknownCodePage is the data of the page for a code that is not a box here.
type unknownCodePage struct {
	Code      string
	CodeShown string
	Blank     bool // a blank label of this base
	CanMake   bool
}

// renderBox draws the box page. With typed (a refused save) the form shows
// what the person typed instead of the box's values.
func (s *server) renderBox(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, code string, typed *boxPage) error {
	ctx, actor := r.Context(), c.P.Actor
	// ?history= pages back through a long history, newest first.
	hq := stock.HistoryQuery{Limit: boxHistoryPage, NewestFirst: true}
	if r.Method == http.MethodGet {
		hq.Cursor = r.URL.Query().Get("history")
	}
	hp, err := s.stock.History(ctx, actor, code, hq)
	if err != nil {
		return err
	}
	b, events := hp.Box, hp.Entries
	p := boxPage{
		Box:     c.boxView(b),
		CanEdit: actor.Can(access.EditStock),
		CanMove: actor.Can(access.MoveStock),
		Form:    formOf(c, b),
	}
	if typed != nil {
		p.Form, p.Error, p.Stale = typed.Form, typed.Error, typed.Stale
		p.Form.Version = b.Version
		if p.Stale {
			p.Now = differences(formOf(c, b), typed.Form)
		}
	}
	for _, st := range stock.States {
		if st != b.State && stock.CanMove(b.State, st) {
			p.States = append(p.States, option{Value: string(st), Label: c.T("stock.state." + string(st))})
		}
	}
	if p.CanMove {
		ls, err := s.liveLocations(ctx, actor)
		if err != nil {
			return err
		}
		p.Locations = c.moveOptions(ls, b)
	}
	if p.CanEdit {
		if b.Measure != "" {
			us, err := catalog.Units(ctx, s.db, actor)
			if err != nil {
				return err
			}
			for _, u := range us {
				if u.Dimension == b.Measure {
					p.Units = append(p.Units, u)
				}
			}
		} else {
			rs, err := catalog.SizeRanges(ctx, s.db, actor)
			if err != nil {
				return err
			}
			for _, rg := range rs {
				if rg.ID == b.SizeRangeID {
					for _, sz := range rg.Sizes {
						p.Sizes = append(p.Sizes, sz.Label)
					}
				}
			}
		}
	}
	p.History = c.historyLines(b, events)
	p.Older = hq.Cursor != ""
	if hp.NextCursor != "" {
		p.OlderURL = "/b/" + b.Code + "?history=" + url.QueryEscape(hp.NextCursor) + "#history-h"
	}
	s.render(w, r, c, status, "box", "web.box.title", p)
	return nil
}

// differences lists, by field, the saved values that differ from what the
// person typed, so a refused save shows what someone else changed.
func differences(saved, typed boxForm) map[string]string {
	d := map[string]string{}
	add := func(field, a, b string) {
		if strings.TrimSpace(a) != strings.TrimSpace(b) {
			d[field] = a
		}
	}
	add("items", saved.Items, typed.Items)
	add("size", saved.Size, typed.Size)
	add("quantity", saved.Quantity+" "+saved.Unit, typed.Quantity+" "+typed.Unit)
	add("expires", saved.Expires, typed.Expires)
	add("comment", saved.Comment, typed.Comment)
	add("tags", saved.Tags, typed.Tags)
	return d
}

// historyLines turns the ledger's changes of a box, newest first, into
// sentences: "Ada moved it from A1 to Van 1".
func (c *reqCtx) historyLines(b stock.Box, events []stock.HistoryEntry) []historyLine {
	out := make([]historyLine, 0, len(events))
	value := func(ch stock.FieldChange, v string) string { return c.iso(fieldValue(c, b, ch, v)) }
	for _, e := range events {
		who := c.iso(e.ActorName)
		if who == "" {
			who = c.T("web.box.history.someone")
		}
		h := historyLine{At: e.At, When: c.when(e.At)}
		byField := map[string]stock.FieldChange{}
		for _, ch := range e.Changes {
			byField[ch.Field] = ch
		}
		rest := e.Changes
		switch e.Kind {
		case "box.created":
			h.Text = c.T("web.box.history.created", who)
		case "box.moved":
			loc := byField["location"]
			h.Text = c.T("web.box.history.moved", who, value(loc, loc.From), value(loc, loc.To))
			rest = without(rest, "location")
		case "box.state_changed":
			st := byField["state"]
			h.Text = c.T("web.box.history.state", who, value(st, st.From), value(st, st.To))
			rest = without(rest, "state")
		default:
			h.Text = c.T("web.box.history.updated", who)
		}
		for _, ch := range rest {
			name := c.T("web.box.field." + ch.Field)
			switch {
			case ch.Field == "comment" && e.Kind == "box.created":
				h.Details = append(h.Details, c.T("web.box.history.with_comment"))
			case ch.Field == "comment":
				h.Details = append(h.Details, c.T("web.box.history.comment_changed"))
			case e.Kind == "box.created":
				h.Details = append(h.Details, c.T("web.box.history.set", name, value(ch, ch.To)))
			default:
				h.Details = append(h.Details, c.T("web.box.history.change", name, value(ch, ch.From), value(ch, ch.To)))
			}
		}
		out = append(out, h)
	}
	return out
}

// fieldValue shows one value of a box's history.
func fieldValue(c *reqCtx, b stock.Box, ch stock.FieldChange, v string) string {
	switch {
	case v == "":
		return c.T("web.box.history.none")
	case ch.Field == "state":
		return c.T("stock.state." + v)
	case ch.Field == "measure":
		return v + " " + b.BaseUnit()
	case ch.Field == "donation":
		return "#" + v
	}
	return v
}

func without(chs []stock.FieldChange, field string) []stock.FieldChange {
	var out []stock.FieldChange
	for _, ch := range chs {
		if ch.Field != field {
			out = append(out, ch)
		}
	}
	return out
}

// editBox saves the edit form. The version the person saw comes with it: if
// someone saved the box since, nothing is saved and the page shows the box as
// it is now beside what the person typed.
func (s *server) editBox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, actor, code := r.Context(), c.P.Actor, r.PathValue("code")
	b, err := s.stock.Box(ctx, actor, code)
	if err != nil {
		return err
	}
	pf := r.PostForm
	typed := boxForm{Items: pf.Get("items"), Size: pf.Get("size"), Quantity: pf.Get("quantity"), Unit: pf.Get("unit"),
		Expires: pf.Get("expires"), Comment: pf.Get("comment"), Tags: pf.Get("tags")}
	ch, err := boxChange(c, b, pf, typed)
	if err == nil {
		_, err = s.stock.UpdateBox(ctx, actor, b.Code, ch)
	}
	if err != nil {
		return s.refusedBox(w, r, c, b.Code, typed, err)
	}
	s.setFlash(w, r, "web.flash.box_saved")
	redirect(w, r, "/b/"+b.Code)
	return nil
}

// boxChange reads the edit form into a change of the box.
func boxChange(c *reqCtx, b stock.Box, pf url.Values, typed boxForm) (stock.Change, error) {
	version, err := strconv.ParseInt(pf.Get("version"), 10, 64)
	if err != nil {
		return stock.Change{}, apperr.New(apperr.Invalid, "error.bad_request")
	}
	items, err := formInt(typed.Items, c.T("web.box.field.items"))
	if err != nil {
		return stock.Change{}, err
	}
	ch := stock.Change{Version: version, Items: &items, ExpiresOn: &typed.Expires, Comment: &typed.Comment}
	tags := splitTags(typed.Tags)
	ch.Tags = &tags
	if b.Measure != "" {
		q, err := formDecimal(typed.Quantity, c.T("web.box.field.measure"))
		if err != nil {
			return stock.Change{}, err
		}
		ch.Quantity, ch.Unit = &q, typed.Unit
	} else {
		ch.Size = &typed.Size
	}
	return ch, nil
}

// refusedBox answers a save the domain refused: a stale version is 409 with
// the box as it is now; bad input is 400 with the message; both keep what
// the person typed.
func (s *server) refusedBox(w http.ResponseWriter, r *http.Request, c *reqCtx, code string, typed boxForm, err error) error {
	if _, stale := staleBox(err); stale {
		return s.renderBox(w, r, c, http.StatusConflict, code, &boxPage{Form: typed, Stale: true, Error: c.T("stock.error.stale")})
	}
	if msg, status := formError(c, err); msg != "" {
		return s.renderBox(w, r, c, status, code, &boxPage{Form: typed, Error: msg})
	}
	return err
}

// moveOptions are the places a box may be moved to. A place whose default
// state would change the box's says so in its name ("Scrap corner — the box
// becomes Scrap"), before the move.
func (c *reqCtx) moveOptions(ls []place.Location, b stock.Box) []option {
	out := make([]option, len(ls))
	for i, l := range ls {
		out[i] = option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name}
		if l.ID == b.LocationID {
			out[i].Label = c.T("web.box.move_here", l.Name)
		} else if st := stock.StateAfterMove(b.State, l.DefaultState); st != b.State {
			out[i].Label = c.T("web.box.move_becomes", l.Name, c.T("stock.state."+string(st)))
		}
	}
	return out
}

// moveBox puts the box in another location (a quick action).
func (s *server) moveBox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.quickChange(w, r, c, "web.flash.box_moved", func(ch *stock.Change) error {
		id, err := strconv.ParseInt(r.PostForm.Get("location"), 10, 64)
		if err != nil {
			return apperr.New(apperr.Invalid, "web.box.error.location_choose").At("location")
		}
		ch.LocationID = &id
		return nil
	})
}

// setBoxState changes the box's state (a quick action).
func (s *server) setBoxState(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.quickChange(w, r, c, "web.flash.box_state", func(ch *stock.Change) error {
		if r.PostForm.Get("state") == "" {
			return apperr.New(apperr.Invalid, "web.box.error.state_choose").At("state")
		}
		st, err := stock.ParseState(r.PostForm.Get("state"))
		if err != nil {
			return err
		}
		ch.State = &st
		return nil
	})
}

func (s *server) quickChange(w http.ResponseWriter, r *http.Request, c *reqCtx, flash string, read func(*stock.Change) error) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, actor := r.Context(), c.P.Actor
	b, err := s.stock.Box(ctx, actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil {
		return apperr.New(apperr.Invalid, "error.bad_request")
	}
	ch := stock.Change{Version: version}
	var nb stock.Box
	if err = read(&ch); err == nil {
		nb, err = s.stock.UpdateBox(ctx, actor, b.Code, ch)
	}
	if err != nil {
		return s.refusedBox(w, r, c, b.Code, formOf(c, b), err)
	}
	if stock.Unchanged(version, nb) {
		flash = "web.flash.box_unchanged"
	}
	s.setFlash(w, r, flash)
	redirect(w, r, "/b/"+b.Code)
	return nil
}
