package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/stock"
)

// The scan page: the camera (scan.js, with the browser's BarcodeDetector or
// the bundled jsQR decoder), a code typed by hand, which always works, and
// multi-scan mode, which collects codes for one bulk action.

// scanPage is the data of the scan page.
type scanPage struct {
	Multi      bool
	Code       string // one box: the code typed
	Error      string
	Codes      string // multi-scan: the codes collected, one per line
	Action     string // move, state, tag, untag
	LocationID int64
	State      string
	Tag        string
	Locations  []option // each saying when it changes the state of boxes put there
	States     []option
	CanMove    bool
	CanTag     bool
	Changes    []bulkRow // a move asked for that changes boxes' states: said before it is made
	ChangesSay string
}

// scan shows the scan page; with ?code= it opens that box.
func (s *server) scan(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	if raw := strings.TrimSpace(q.Get("code")); raw != "" {
		code, err := stock.ParseCode(raw)
		if err != nil {
			return s.renderScan(w, r, c, http.StatusBadRequest, scanPage{Code: oneLine(raw), Error: errText(c, err)})
		}
		redirect(w, r, "/b/"+code)
		return nil
	}
	p := scanPage{Multi: q.Get("mode") == "multi", Codes: strings.Join(splitCodes(q.Get("codes")), "\n"), Action: q.Get("action")}
	return s.renderScan(w, r, c, http.StatusOK, p)
}

func (s *server) renderScan(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p scanPage) error {
	actor := c.P.Actor
	p.CanMove, p.CanTag = actor.Can(access.MoveStock), actor.Can(access.EditStock)
	if p.Multi {
		ls, err := s.liveLocations(r.Context(), actor)
		if err != nil {
			return err
		}
		p.Locations, p.States = make([]option, len(ls)), c.stateOptions(stock.States)
		for i, l := range ls {
			p.Locations[i] = option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name}
			if l.DefaultState != "" && l.DefaultState != string(stock.InStock) {
				p.Locations[i].Label = c.T("web.scan.move_becomes", l.Name, c.T("stock.state."+l.DefaultState))
			}
		}
		if p.Action == "" {
			p.Action = "move"
		}
	}
	s.render(w, r, c, status, "scan", "web.scan.title", p)
	return nil
}

// codeCheck is the answer of /stock/check, which the multi-scan list asks
// about each code it collects.
type codeCheck struct {
	Code  string `json:"code,omitempty"`
	Shown string `json:"shown,omitempty"` // the code grouped as labels print it (stock.FormatCode)
	OK    bool   `json:"ok"`
	Text  string `json:"text"`
}

// checkCode tells the scan page, in JSON, what a code is: a box (with what
// it holds and where), a blank label, unknown, or mistyped.
func (s *server) checkCode(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	var out codeCheck
	sc, err := s.stock.Resolve(r.Context(), c.P.Actor, r.URL.Query().Get("code"))
	switch {
	case apperr.Is(err, apperr.Invalid):
		out.Text = errText(c, err)
	case err != nil:
		return err
	case sc.Box != nil:
		v := c.boxView(*sc.Box)
		out = codeCheck{Code: sc.Code, OK: true, Text: c.line(v.What, v.Amount, v.LocationName, v.StateName)}
	case sc.Blank:
		out = codeCheck{Code: sc.Code, Text: c.T("web.box.blank")}
	default:
		out = codeCheck{Code: sc.Code, Text: c.T("stock.error.box_unknown")}
	}
	if out.Code != "" {
		out.Shown = stock.FormatCode(out.Code)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(out)
}

// stateChanges lists the boxes among codes whose state a move to the
// location would change, with the change, so that the page says so before
// the move. Codes that are not boxes here are left to the move to report.
func (s *server) stateChanges(ctx context.Context, c *reqCtx, codes []string, locationID int64) ([]bulkRow, error) {
	loc, err := s.places.Location(ctx, c.P.Actor, locationID)
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Invalid) {
		return nil, nil // the move refuses it, as for a box
	}
	if err != nil {
		return nil, err
	}
	var out []bulkRow
	seen := map[string]bool{}
	for _, raw := range codes {
		b, err := s.stock.Box(ctx, c.P.Actor, raw)
		if err != nil || seen[b.Code] || b.LocationID == loc.ID {
			continue
		}
		seen[b.Code] = true
		if st := stock.StateAfterMove(b.State, loc.DefaultState); st != b.State {
			out = append(out, bulkRow{Code: b.Code, CodeShown: stock.FormatCode(b.Code),
				Text: c.T("web.scan.state_change", c.T("stock.state."+string(b.State)), c.T("stock.state."+string(st)))})
		}
	}
	return out, nil
}

// bulkPage is the data of the page that shows what a bulk action did.
type bulkPage struct {
	Done   []bulkRow
	Failed []bulkRow
	Retry  string // the scan page with the failed codes, to try again
}

type bulkRow struct {
	Code      string // canonical, when it could be read
	CodeShown string
	Text      string
}

// bulk applies one action to the codes collected on the scan page: a move, a
// change of state, a tag added or taken off. Each box is reported; the ones
// that cannot take the change stay as they were.
func (s *server) bulk(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, actor, pf := r.Context(), c.P.Actor, r.PostForm
	codes := splitCodes(pf.Get("codes"))
	p := scanPage{Multi: true, Codes: strings.Join(codes, "\n"), Action: pf.Get("action"), State: pf.Get("state"), Tag: pf.Get("tag")}
	refuse := func(err error) error {
		if msg, status := formError(c, err); msg != "" {
			p.Error = msg
			return s.renderScan(w, r, c, status, p)
		}
		return err
	}
	if len(codes) == 0 {
		return refuse(apperr.New(apperr.Invalid, "web.scan.error.no_codes"))
	}
	var res stock.BulkResult
	var err error
	switch p.Action {
	case "move":
		id, perr := formInt(pf.Get("location"), c.T("web.box.field.location"))
		p.LocationID = id
		if perr != nil || id <= 0 {
			return refuse(apperr.New(apperr.Invalid, "web.scan.error.no_location"))
		}
		if pf.Get("confirm") != strconv.FormatInt(id, 10) {
			changes, err := s.stateChanges(ctx, c, codes, id)
			if err != nil {
				return refuse(err)
			}
			if len(changes) > 0 {
				p.Changes, p.ChangesSay = changes, c.plural("web.scan.changes_lede", int64(len(changes)))
				return s.renderScan(w, r, c, http.StatusOK, p)
			}
		}
		res, err = s.stock.MoveBoxes(ctx, actor, codes, id)
	case "state":
		res, err = s.stock.SetState(ctx, actor, codes, stock.State(p.State))
	case "tag", "untag":
		res, err = s.stock.TagBoxes(ctx, actor, codes, p.Tag, p.Action == "untag")
	default:
		return refuse(apperr.New(apperr.Invalid, "web.scan.error.no_action"))
	}
	if err != nil {
		return refuse(err)
	}
	bp := bulkPage{}
	var retry []string
	for _, o := range res.Outcomes {
		switch {
		case o.Code == "":
			bp.Failed = append(bp.Failed, bulkRow{CodeShown: o.Input, Text: errText(c, o.Err)})
			retry = append(retry, o.Input)
		case o.OK():
			v := c.boxView(o.Box)
			bp.Done = append(bp.Done, bulkRow{Code: o.Code, CodeShown: stock.FormatCode(o.Code),
				Text: c.line(v.What, v.Amount, v.LocationName, v.StateName)})
		default:
			bp.Failed = append(bp.Failed, bulkRow{Code: o.Code, CodeShown: stock.FormatCode(o.Code), Text: errText(c, o.Err)})
			retry = append(retry, o.Code)
		}
	}
	if len(retry) > 0 {
		bp.Retry = "/scan?" + url.Values{"mode": {"multi"}, "action": {p.Action}, "codes": {strings.Join(retry, "\n")}}.Encode()
	}
	status := http.StatusOK
	if len(bp.Done) == 0 {
		status = http.StatusBadRequest // nothing changed
	}
	s.render(w, r, c, status, "bulk", "web.bulk.title", bp)
	return nil
}
