package proof_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// The fault tests put abri on a bad day on purpose: a full disk, a database
// server that stops and starts again. They need root (to mount a small
// tmpfs, to run PostgreSQL as its own user). Locally they skip without it;
// under CI=true they must run.

// needRoot skips the test unless it runs as root; under CI=true it fails.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "not root: "+why+" needs root")
	}
}

// skipOrFail skips with the reason, or fails under CI=true, where every
// fault test must run.
func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("under CI=true this test must run: %s", reason)
	}
	t.Skip(reason)
}

// warehouseAPI is what a fault test needs to make boxes through the API: a
// token, a counted product with one of its sizes, and a shelf.
type warehouseAPI struct {
	base    string
	hc      *http.Client
	token   string
	product int64
	size    string
	shelf   int64
}

// prepareWarehouse signs c's user in already; it makes an API token and a
// shelf through the screens and picks a product from the catalogue.
func prepareWarehouse(ctx context.Context, t *testing.T, c *client, password string) *warehouseAPI {
	t.Helper()
	w := &warehouseAPI{base: c.base, hc: c.hc}
	status, body, err := c.do(ctx, "POST", "/settings/tokens", url.Values{"name": {"fault test"}, "password": {password}})
	if err != nil || status != http.StatusOK {
		t.Fatalf("POST /settings/tokens: %d %v", status, err)
	}
	if w.token = tokenSecret.FindString(body); w.token == "" {
		t.Fatal("the tokens page shows no new token")
	}
	if status, _, err := c.do(ctx, "POST", "/stock/locations", url.Values{"name": {"Shelf F"}, "kind": {"shelf"}}); err != nil || status != http.StatusSeeOther {
		t.Fatalf("POST /stock/locations: %d %v", status, err)
	}
	var locs struct {
		Locations []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"locations"`
	}
	if status, err := w.call(ctx, "GET", "/api/v1/locations", nil, &locs); err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/v1/locations: %d %v", status, err)
	}
	for _, l := range locs.Locations {
		if l.Name == "Shelf F" {
			w.shelf = l.ID
		}
	}
	var cat struct {
		Products []struct {
			ID      int64    `json:"id"`
			Measure string   `json:"measure"`
			Sizes   []string `json:"sizes"`
		} `json:"products"`
	}
	if status, err := w.call(ctx, "GET", "/api/v1/products", nil, &cat); err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/v1/products: %d %v", status, err)
	}
	for _, p := range cat.Products {
		if p.Measure == "" && len(p.Sizes) > 0 {
			w.product, w.size = p.ID, p.Sizes[0]
			break
		}
	}
	if w.shelf == 0 || w.product == 0 {
		t.Fatalf("no shelf (%d) or no counted product (%d)", w.shelf, w.product)
	}
	return w
}

// call sends a JSON request with the token and decodes a 2xx answer into
// out; for other answers the error body's message is returned in err.
func (w *warehouseAPI) call(ctx context.Context, method, path string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	status, raw, err := (&client{base: w.base, hc: w.hc}).send(ctx, method, path, "application/json", body, w.token)
	if err != nil {
		return status, err
	}
	if status >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return status, apiError{status, e.Error.Code, e.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return status, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return status, nil
}

// apiError is an API answer that was not success.
type apiError struct {
	status        int
	code, message string
}

func (e apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// makeBox makes one box through the API and returns its code; an answer
// that is not 201 comes back as an apiError.
func (w *warehouseAPI) makeBox(ctx context.Context) (string, error) {
	var box struct {
		Code string `json:"code"`
	}
	status, err := w.call(ctx, "POST", "/api/v1/boxes", map[string]any{"product_id": w.product, "size": w.size, "items": 4, "location_id": w.shelf}, &box)
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated || box.Code == "" {
		return "", fmt.Errorf("POST /api/v1/boxes: %d without a code", status)
	}
	return box.Code, nil
}

// listCodes reads every box code of the base through the API.
func (w *warehouseAPI) listCodes(ctx context.Context) (map[string]bool, error) {
	have := map[string]bool{}
	cursor := ""
	for {
		var page struct {
			Boxes []struct {
				Code string `json:"code"`
			} `json:"boxes"`
			NextCursor *string `json:"next_cursor"`
		}
		path := "/api/v1/boxes?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := w.call(ctx, "GET", path, nil, &page); err != nil {
			return nil, err
		}
		for _, b := range page.Boxes {
			have[b.Code] = true
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return have, nil
		}
		cursor = *page.NextCursor
	}
}

// missingCodes lists the acknowledged codes that are not among have.
func missingCodes(acked []string, have map[string]bool) []string {
	var out []string
	for _, c := range acked {
		if !have[c] {
			out = append(out, c)
		}
	}
	return out
}

// asAPIError returns err's apiError, if it is one.
func asAPIError(err error) (apiError, bool) {
	var ae apiError
	ok := errors.As(err, &ae)
	return ae, ok
}

// containsAll tells whether s holds every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
