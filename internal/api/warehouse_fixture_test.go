package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/place"
	"abri/internal/stock"
)

// wh is the warehouse fixture: the coordinator of fixture (whose language
// is French), tokens of a warehouse volunteer, a distribution volunteer and
// a viewer of the same base, the seeded catalogue, two live locations and an
// archived one; a second base of the same organisation with a location of
// its own; and a second organisation with a location and a box.
type wh struct {
	fixture
	d     *db.DB
	doc   object
	stock *stock.Service
	sys   access.Actor

	warehouse, distribution, viewer string

	shelf, van, archived place.Location
	otherBaseLoc         place.Location // the same organisation's other base
	otherOrgLoc          place.Location
	otherBox             stock.Box // the other organisation's
	otherActor           access.Actor

	jackets catalog.Product // counted, sizes XS … XXL
	sizes   []string
	rice    catalog.Product // weighed
}

func setupWarehouse(t testing.TB, d *db.DB) *wh {
	t.Helper()
	ctx := context.Background()
	w := &wh{fixture: setup(t, d), d: d, doc: loadDocument(t), stock: stock.New(d)}
	w.sys = access.SystemActor(w.org.ID, w.base.ID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
	w.warehouse = w.token(t, "kim@example.org", access.Warehouse)
	w.distribution = w.token(t, "ana@example.org", access.Distribution)
	w.viewer = w.token(t, "lou@example.org", access.Viewer)

	pl := place.New(d)
	var err error
	w.shelf, err = pl.CreateLocation(ctx, w.sys, place.LocationInput{Name: "Shelf A1", Kind: place.LocationShelf})
	must(err)
	w.van, err = pl.CreateLocation(ctx, w.sys, place.LocationInput{Name: "Blue van", Kind: place.LocationVan})
	must(err)
	w.archived, err = pl.CreateLocation(ctx, w.sys, place.LocationInput{Name: "Old garage", Kind: place.LocationRoom})
	must(err)
	must(pl.ArchiveLocation(ctx, w.sys, w.archived.ID, true))

	base2, err := w.acc.CreateBase(ctx, w.sys, "Dunkirk depot")
	must(err)
	w.otherBaseLoc, err = pl.CreateLocation(ctx, access.SystemActor(w.org.ID, base2.ID), place.LocationInput{Name: "Depot shelf", Kind: place.LocationShelf})
	must(err)

	// The standard catalogue weighs nothing: the base adds rice, by mass.
	cs, err := catalog.Categories(ctx, d, w.sys)
	must(err)
	food := int64(0)
	for _, c := range cs {
		if c.Name == "Food & Kitchen" {
			food = c.ID
		}
	}
	rs, err := catalog.SizeRanges(ctx, d, w.sys)
	must(err)
	mass := int64(0)
	for _, r := range rs {
		if r.Measure == "mass" {
			mass = r.ID
		}
	}
	w.rice, err = catalog.New(d).AddProduct(ctx, w.sys, catalog.NewProduct{Name: "Rice", CategoryID: food, SizeRangeID: mass})
	must(err)
	ps, err := catalog.Products(ctx, d, w.sys)
	must(err)
	for _, p := range ps {
		if p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale {
			w.jackets = p
		}
		if p.ID == w.rice.ID {
			w.rice = p
		}
	}
	if w.jackets.ID == 0 || w.rice.ID == 0 {
		t.Fatal("the seeded catalogue lacks men's winter jackets or a weighed product")
	}
	for _, r := range rs {
		if r.ID == w.jackets.SizeRangeID {
			for _, s := range r.Sizes {
				w.sizes = append(w.sizes, s.Label)
			}
		}
	}

	org2, b2, err := w.acc.CreateOrganisation(ctx, "dunkirk-aid", "Dunkirk Aid", "Store")
	must(err)
	w.otherActor = access.SystemActor(org2.ID, b2.ID)
	w.otherOrgLoc, err = pl.CreateLocation(ctx, w.otherActor, place.LocationInput{Name: "Their shelf", Kind: place.LocationShelf})
	must(err)
	w.otherBox, err = w.stock.CreateBox(ctx, w.otherActor, stock.NewBox{ProductID: w.jackets.ID, Size: "M", Items: 3, LocationID: w.otherOrgLoc.ID})
	must(err)
	return w
}

// token adds a user with a role in the fixture's base and returns an API
// token of theirs.
func (w *wh) token(t testing.TB, email string, role access.Role) string {
	t.Helper()
	ctx := context.Background()
	u, err := w.acc.AddUser(ctx, w.sys, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], BaseID: w.base.ID, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := w.acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: w.org.ID, BaseID: w.base.ID, Role: role}, "phone")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request; body is a JSON string or a value to marshal.
func (w *wh) do(method, path, token string, body any) *httptest.ResponseRecorder {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		bs, _ := json.Marshal(b)
		r = bytes.NewReader(bs)
	}
	return call(w.h, method, path, token, r)
}

// answer checks a JSON answer's status and headers, checks its body against
// the schema openapi.json documents for that operation and status, and
// decodes it into T.
func answer[T any](t *testing.T, w *wh, rec *httptest.ResponseRecorder, op string, status int) T {
	t.Helper()
	var out T
	if rec.Code != status {
		t.Fatalf("%s: status %d, want %d; body %s", op, rec.Code, status, rec.Body)
	}
	checkHeaders(t, rec)
	documented(t, w.doc, op, status, rec.Body.Bytes())
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: decode: %v; body %s", op, err, rec.Body)
	}
	return out
}

// documented checks a JSON body against the schema of op's answer with
// this status in openapi.json.
func documented(t *testing.T, doc object, op string, status int, body []byte) {
	t.Helper()
	o, ok := operations(t, doc)[op]
	if !ok {
		t.Fatalf("%s is not documented", op)
	}
	r, ok := o["responses"].(object)[itoa(status)]
	if !ok {
		t.Errorf("%s: answered %d, which is not documented", op, status)
		return
	}
	content, _ := resolve(t, doc, r)["content"].(object)
	media, _ := content["application/json"].(object)
	if media == nil {
		t.Errorf("%s %d: no JSON schema documented", op, status)
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: not JSON: %v", op, err)
	}
	schemaMatches(t, doc, op, media["schema"], v)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The answers' shapes, as a client would declare them. Decoding refuses a
// field not declared here.
type idName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type boxJSON struct {
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

type listJSON struct {
	Boxes      []boxJSON `json:"boxes"`
	NextCursor *string   `json:"next_cursor"`
}

type errJSON struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Field   *string  `json:"field"`
	Current *boxJSON `json:"current"`
}

type moveJSON struct {
	Moved   int `json:"moved"`
	Failed  int `json:"failed"`
	Results []struct {
		Code  string   `json:"code"`
		OK    bool     `json:"ok"`
		Box   *boxJSON `json:"box"`
		Error *errJSON `json:"error"`
	} `json:"results"`
}

// makeBox makes a box through the API with the warehouse token.
func (w *wh) makeBox(t *testing.T, body map[string]any) boxJSON {
	t.Helper()
	if _, ok := body["product_id"]; !ok {
		body["product_id"] = w.jackets.ID
		body["size"] = "M"
	}
	if _, ok := body["location_id"]; !ok {
		body["location_id"] = w.shelf.ID
	}
	return answer[boxJSON](t, w, w.do("POST", "/api/v1/boxes", w.warehouse, body), "POST /api/v1/boxes", 201)
}

// getBox reads a box through the API with the coordinator's token.
func (w *wh) getBox(t *testing.T, code string) boxJSON {
	t.Helper()
	return answer[boxJSON](t, w, w.do("GET", "/api/v1/boxes/"+code, w.fixture.token, nil), "GET /api/v1/boxes/{code}", 200)
}

// refused checks an error answer and that its message says what it should.
func refused(t *testing.T, rec *httptest.ResponseRecorder, status int, code, inMessage string) {
	t.Helper()
	msg := wantError(t, rec, status, code)
	if !strings.Contains(msg, inMessage) {
		t.Errorf("message %q does not say %q", msg, inMessage)
	}
}
