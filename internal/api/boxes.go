package api

import (
	"net/http"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/stock"
)

// boxBody is a box as the API shows it; the Box schema of openapi.json.
// Absent values are null: the quantity and unit of counted goods, an expiry
// date never set, the donation of a box made from none.
type boxBody struct {
	Code       string    `json:"code"`
	Product    idName    `json:"product"`
	Category   idName    `json:"category"`
	Gender     string    `json:"gender"`
	Size       string    `json:"size"`
	Quantity   *float64  `json:"quantity"`
	Unit       *string   `json:"unit"`
	Items      int64     `json:"items"`
	Location   idName    `json:"location"`
	State      string    `json:"state"`
	ExpiresOn  *string   `json:"expires_on"`
	Comment    string    `json:"comment"`
	Tags       []string  `json:"tags"`
	DonationID *int64    `json:"donation_id"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func boxOf(b stock.Box) boxBody {
	out := boxBody{
		Code: b.Code, Product: idName{b.ProductID, b.ProductName}, Category: idName{b.CategoryID, b.CategoryName},
		Gender: b.Gender, Size: b.Size, Items: b.Items, Location: idName{b.LocationID, b.LocationName},
		State: string(b.State), Comment: b.Comment, Tags: b.Tags, Version: b.Version,
		CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if u := b.BaseUnit(); u != "" {
		q := b.Quantity()
		out.Quantity, out.Unit = &q, &u
	}
	if b.ExpiresOn != "" {
		e := b.ExpiresOn
		out.ExpiresOn = &e
	}
	if b.DonationID != 0 {
		d := b.DonationID
		out.DonationID = &d
	}
	return out
}

// boxCreate is the body of POST /api/v1/boxes.
type boxCreate struct {
	Code       string   `json:"code"` // a pre-printed blank label's code; "" makes a new one
	ProductID  int64    `json:"product_id"`
	Size       string   `json:"size"`
	Quantity   float64  `json:"quantity"`
	Unit       string   `json:"unit"`
	Items      int64    `json:"items"`
	LocationID int64    `json:"location_id"`
	ExpiresOn  string   `json:"expires_on"`
	Comment    string   `json:"comment"`
	Tags       []string `json:"tags"`
	DonationID int64    `json:"donation_id"`
}

// createBox answers POST /api/v1/boxes: 201 and the new box with its code.
func (a *api) createBox(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	// The role is checked before the body is read: a viewer learns nothing
	// from a well-formed request.
	if err := p.Actor.Require(access.EditStock); err != nil {
		return err
	}
	var in boxCreate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	b, err := a.stock.CreateBox(r.Context(), p.Actor, stock.NewBox{
		Code: in.Code, ProductID: in.ProductID, Size: in.Size, Quantity: in.Quantity, Unit: in.Unit, Items: in.Items,
		LocationID: in.LocationID, ExpiresOn: in.ExpiresOn, Comment: in.Comment, Tags: in.Tags, DonationID: in.DonationID,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/boxes/"+b.Code)
	a.writeJSON(w, r, http.StatusCreated, boxOf(b))
	return nil
}

// getBox answers GET /api/v1/boxes/{code}. A code that is not one, or
// that was mistyped, is a 400 that says which; a code of no box here
// (another organisation's included) is a 404.
func (a *api) getBox(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if _, err := readParams(r); err != nil {
		return err
	}
	b, err := a.stock.Box(r.Context(), p.Actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, boxOf(b))
	return nil
}

// boxUpdate is the body of PATCH /api/v1/boxes/{code}. A field left out (or
// null) stays as it is; an empty expires_on or comment clears it. Version is
// the box's version the client saw, and is required.
type boxUpdate struct {
	Version    *int64    `json:"version"`
	LocationID *int64    `json:"location_id"`
	State      *string   `json:"state"`
	Items      *int64    `json:"items"`
	Size       *string   `json:"size"`
	Quantity   *float64  `json:"quantity"`
	Unit       string    `json:"unit"`
	ExpiresOn  *string   `json:"expires_on"`
	Comment    *string   `json:"comment"`
	Tags       *[]string `json:"tags"`
}

const keyVersionRequired = "api.version_required"

// updateBox answers PATCH /api/v1/boxes/{code} with the box as it is after
// the change. If the box changed since the client's version, nothing is
// saved and the 409 carries the box as it is now in error.current.
func (a *api) updateBox(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	// Moving needs the least of the two roles; the domain checks the rest.
	if err := p.Actor.Require(access.MoveStock); err != nil {
		return err
	}
	var in boxUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Version == nil {
		return apperr.New(apperr.Invalid, keyVersionRequired)
	}
	ch := stock.Change{
		Version: *in.Version, LocationID: in.LocationID, Items: in.Items, Size: in.Size, Quantity: in.Quantity,
		Unit: in.Unit, ExpiresOn: in.ExpiresOn, Comment: in.Comment, Tags: in.Tags,
	}
	if in.State != nil {
		s, err := stock.ParseState(*in.State)
		if err != nil {
			return apperr.As(err).At("state")
		}
		ch.State = &s
	}
	b, err := a.stock.UpdateBox(r.Context(), p.Actor, r.PathValue("code"), ch)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, boxOf(b))
	return nil
}

// historyBody is the answer of GET /api/v1/boxes/{code}/history.
type historyBody struct {
	Box        boxBody     `json:"box"`
	Events     []eventBody `json:"events"`
	NextCursor *string     `json:"next_cursor"`
}

// eventBody is one change of a box, read from the ledger: when, what kind,
// who (a user's display name), and each field's old and new value as text
// ("" when there was none; a comment's text is never recorded).
type eventBody struct {
	At      time.Time    `json:"at"`
	Kind    string       `json:"kind"`
	Actor   string       `json:"actor"`
	Changes []changeBody `json:"changes"`
}

type changeBody struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// boxHistory answers GET /api/v1/boxes/{code}/history: a page of the
// box's changes, oldest first; next_cursor asks for the next page and is
// null on the last.
func (a *api) boxHistory(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "cursor", "limit")
	if err != nil {
		return err
	}
	var hq stock.HistoryQuery
	if hq.Limit, err = q.limit(stock.DefaultHistory, stock.MaxLimit); err != nil {
		return apperr.As(err).At("limit")
	}
	if hq.Cursor, err = q.str("cursor"); err != nil {
		return err
	}
	page, err := a.stock.History(r.Context(), p.Actor, r.PathValue("code"), hq)
	if err != nil {
		return err
	}
	out := historyBody{Box: boxOf(page.Box), Events: make([]eventBody, 0, len(page.Entries))}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	for _, h := range page.Entries {
		e := eventBody{At: h.At.UTC(), Kind: h.Kind, Actor: h.ActorName, Changes: make([]changeBody, 0, len(h.Changes))}
		for _, c := range h.Changes {
			e.Changes = append(e.Changes, changeBody{Field: c.Field, From: c.From, To: c.To})
		}
		out.Events = append(out.Events, e)
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// moveBody is the body of POST /api/v1/boxes/move.
type moveBody struct {
	Codes      []string `json:"codes"`
	LocationID int64    `json:"location_id"`
}

// moveResult says what became of one code of a bulk move.
type moveResult struct {
	Code  string       `json:"code"`
	OK    bool         `json:"ok"`
	Box   *boxBody     `json:"box"`
	Error *errorDetail `json:"error"`
}

type moveAnswer struct {
	Moved   int          `json:"moved"`
	Failed  int          `json:"failed"`
	Results []moveResult `json:"results"`
}

// moveBoxes answers POST /api/v1/boxes/move: it moves boxes to one location
// of the base (scanning mode) and says, for each code in the order given,
// whether it moved. A box that cannot move (mistyped, unknown, in transit)
// is reported and the others move. A location that is not one of this
// base's is a 400 and nothing moves.
func (a *api) moveBoxes(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := p.Actor.Require(access.MoveStock); err != nil {
		return err
	}
	var in moveBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := a.stock.MoveBoxes(r.Context(), p.Actor, in.Codes, in.LocationID)
	if err != nil {
		return err
	}
	out := moveAnswer{Results: make([]moveResult, 0, len(res.Outcomes))}
	for _, o := range res.Outcomes {
		mr := moveResult{Code: o.Code}
		if o.Code == "" {
			mr.Code = clip(o.Input)
		}
		if o.OK() {
			bb := boxOf(o.Box)
			mr.OK, mr.Box = true, &bb
			out.Moved++
		} else {
			d := detailOf(o.Err)
			mr.Error = &d
			out.Failed++
		}
		out.Results = append(out.Results, mr)
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
