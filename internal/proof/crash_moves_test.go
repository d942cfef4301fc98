package proof_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"

	"abri/internal/db"
)

// moveWriter moves boxes between shelves through the API as a phone does
// after a scan: GET /api/v1/boxes/{code} for the version, then PATCH with it
// and the new shelf. A box is moved by one worker at a time (workers take
// boxes from a pool), so each box's moves are in the order the server saw
// them. After the kills each box must stand where its last acknowledged
// move put it, or where a later move that got no answer was sending it: a
// move cut off by a kill may or may not have been saved, and either is fine.
type moveWriter struct {
	token   string
	shelves []int64
	pool    chan string // codes of boxes no worker is moving

	mu       sync.Mutex
	attempts map[string][]moveAttempt // by box code, in the order sent
}

type moveAttempt struct {
	key string
	to  int64
}

// moveBoxes is how many boxes the writer moves about: two per worker, so a
// worker never waits for a box.
const moveBoxes = 2 * crashWorkers

func (*moveWriter) name() string { return "box moves" }

// seed loads the standard catalogue, which the boxes' product comes from,
// into the database before the server first starts.
var tokenSecret = regexp.MustCompile(`abri_[A-Za-z0-9_-]+`)

// crashPassword is the crash test administrator's; minting a token asks for
// it again.
const crashPassword = "a long crash-test password"

// prepare makes an API token, three shelves and the boxes, as the
// organisation's administrator.
func (w *moveWriter) prepare(ctx context.Context, c *client) error {
	status, body, err := c.do(ctx, "POST", "/settings/tokens", url.Values{"name": {"crash test"}, "password": {crashPassword}})
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("POST /settings/tokens: %d %v", status, err)
	}
	if w.token = tokenSecret.FindString(body); w.token == "" {
		return errors.New("the tokens page shows no new token")
	}
	for _, name := range []string{"S1", "S2", "S3"} {
		status, _, err := c.do(ctx, "POST", "/stock/locations", url.Values{"name": {name}, "kind": {"shelf"}})
		if err != nil || status != http.StatusSeeOther {
			return fmt.Errorf("POST /stock/locations: %d %v", status, err)
		}
	}
	var locs struct {
		Locations []struct {
			ID           int64  `json:"id"`
			Kind         string `json:"kind"`
			DefaultState string `json:"default_state"`
		} `json:"locations"`
	}
	if status, err := w.api(ctx, c, "GET", "/api/v1/locations", nil, &locs); err != nil || status != http.StatusOK {
		return fmt.Errorf("GET /api/v1/locations: %d %v", status, err)
	}
	for _, l := range locs.Locations {
		if l.Kind == "shelf" && l.DefaultState == "in_stock" {
			w.shelves = append(w.shelves, l.ID)
		}
	}
	if len(w.shelves) < 2 {
		return fmt.Errorf("%d shelves to move boxes between", len(w.shelves))
	}
	var cat struct {
		Products []struct {
			ID      int64    `json:"id"`
			Measure string   `json:"measure"`
			Sizes   []string `json:"sizes"`
		} `json:"products"`
	}
	if status, err := w.api(ctx, c, "GET", "/api/v1/products", nil, &cat); err != nil || status != http.StatusOK {
		return fmt.Errorf("GET /api/v1/products: %d %v", status, err)
	}
	var product int64
	var size string
	for _, p := range cat.Products {
		if p.Measure == "" && len(p.Sizes) > 0 {
			product, size = p.ID, p.Sizes[0]
			break
		}
	}
	if product == 0 {
		return errors.New("the catalogue has no counted product to box")
	}
	w.pool = make(chan string, moveBoxes)
	w.attempts = map[string][]moveAttempt{}
	for i := 0; i < moveBoxes; i++ {
		var box struct {
			Code string `json:"code"`
		}
		body, _ := json.Marshal(map[string]any{"product_id": product, "size": size, "items": 10, "location_id": w.shelves[i%len(w.shelves)]})
		if status, err := w.api(ctx, c, "POST", "/api/v1/boxes", body, &box); err != nil || status != http.StatusCreated {
			return fmt.Errorf("POST /api/v1/boxes: %d %v", status, err)
		}
		w.pool <- box.Code
	}
	return nil
}

func (w *moveWriter) write(ctx context.Context, c *client, key string) (bool, error) {
	var code string
	select {
	case code = <-w.pool:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { w.pool <- code }()
	var box struct {
		Version  int64 `json:"version"`
		Location struct {
			ID int64 `json:"id"`
		} `json:"location"`
	}
	status, err := w.api(ctx, c, "GET", "/api/v1/boxes/"+code, nil, &box)
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		return false, statusError(status)
	}
	to := w.shelves[0]
	for i, s := range w.shelves {
		if s == box.Location.ID {
			to = w.shelves[(i+1)%len(w.shelves)]
		}
	}
	// The attempt is noted before it is sent: once sent, it may be saved
	// whatever the client hears.
	w.mu.Lock()
	w.attempts[code] = append(w.attempts[code], moveAttempt{key: key, to: to})
	w.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"version": box.Version, "location_id": to})
	status, err = w.api(ctx, c, "PATCH", "/api/v1/boxes/"+code, body, nil)
	switch {
	case err != nil:
		return false, err
	case status != http.StatusOK:
		return false, statusError(status)
	}
	return true, nil
}

// missing lists, for each box whose location is not one its moves allow,
// the key of its last acknowledged move.
func (w *moveWriter) missing(ctx context.Context, d *db.DB, acked []string) ([]string, error) {
	ok := make(map[string]bool, len(acked))
	for _, k := range acked {
		ok[k] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for code, as := range w.attempts {
		last := -1
		for i, a := range as {
			if ok[a.key] {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		var at int64
		if err := d.QueryRow(ctx, "SELECT location_id FROM boxes WHERE code = ?", code).Scan(&at); err != nil {
			return nil, fmt.Errorf("box %s: %w", code, err)
		}
		allowed := false
		for _, a := range as[last:] {
			allowed = allowed || a.to == at
		}
		if !allowed {
			out = append(out, fmt.Sprintf("%s (box %s at location %d, last acknowledged move to %d)", as[last].key, code, at, as[last].to))
		}
	}
	return out, nil
}

// api sends one API request with the writer's token and decodes a success
// answer into into.
func (w *moveWriter) api(ctx context.Context, c *client, method, path string, body []byte, into any) (int, error) {
	status, raw, err := c.send(ctx, method, path, "application/json", body, w.token)
	if err != nil || into == nil || status/100 != 2 {
		return status, err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return status, fmt.Errorf("read the answer: %w", err)
	}
	return status, nil
}
