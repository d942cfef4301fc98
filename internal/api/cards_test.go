package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abri/internal/checkcode"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/people"
)

func TestCardsIssueAndErase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := call(f.h, "POST", "/api/v1/cards", f.token, strings.NewReader(`{"household_size":3,"age_bands":{"adult":1,"child":2},"languages":["ar"]}`))
		if w.Code != http.StatusCreated {
			t.Fatalf("issue: %d %s", w.Code, w.Body)
		}
		checkHeaders(t, w)
		var c struct {
			ID            int64
			Code          string
			HouseholdSize int `json:"household_size"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || c.ID == 0 || len(c.Code) != people.CodeLen+2 || c.HouseholdSize != 3 {
			t.Fatalf("issued %+v (%v): %s", c, err, w.Body)
		}
		// Names are refused while the base keeps none.
		w = call(f.h, "POST", "/api/v1/cards", f.token, strings.NewReader(`{"household_size":1,"name":"Sam"}`))
		wantError(t, w, http.StatusBadRequest, "invalid")
		w = call(f.h, "POST", "/api/v1/cards", f.token, strings.NewReader(`{"household_size":0.5}`))
		wantError(t, w, http.StatusBadRequest, "invalid")
		if err := people.ChangeSettings(ctx, d, f.actor, people.Settings{PersonalFields: true, RetentionDays: 90}); err != nil {
			t.Fatal(err)
		}
		w = call(f.h, "POST", "/api/v1/cards", f.token, strings.NewReader(`{"household_size":1,"name":"Zebulon Quartzfeather","phone":"+33 7 19 28 37 46"}`))
		if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"has_fields":true`) || strings.Contains(w.Body.String(), "Quartz") {
			t.Fatalf("issue with fields: %d %s", w.Code, w.Body)
		}
		// A mistyped code says so; erasing answers the coverage list, then
		// the card is not found, like a code never issued.
		mistyped := c.Code[:len(c.Code)-1] + map[bool]string{true: "3", false: "2"}[strings.HasSuffix(c.Code, "2")]
		wantError(t, call(f.h, "DELETE", "/api/v1/cards/"+mistyped, f.token, nil), http.StatusBadRequest, "invalid")
		w = call(f.h, "DELETE", "/api/v1/cards/"+c.Code, f.token, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("erase: %d %s", w.Code, w.Body)
		}
		var cov struct {
			Erased     bool
			Deleted    []struct{ What, Label string }
			Anonymised []struct{ What string }
			Aggregate  []struct{ What string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &cov); err != nil || !cov.Erased || len(cov.Deleted) < 3 || len(cov.Aggregate) == 0 {
			t.Fatalf("coverage %+v: %s", cov, w.Body)
		}
		if cov.Deleted[0].Label == "" || strings.HasPrefix(cov.Deleted[0].Label, "people.") {
			t.Errorf("coverage label %q", cov.Deleted[0].Label)
		}
		gone := wantError(t, call(f.h, "DELETE", "/api/v1/cards/"+c.Code, f.token, nil), http.StatusNotFound, "not_found")
		never := checkcode.New(people.CodeLen - 1)
		if unknown := wantError(t, call(f.h, "DELETE", "/api/v1/cards/"+never, f.token, nil), http.StatusNotFound, "not_found"); unknown != gone {
			t.Errorf("an erased card answers %q, an unknown one %q", gone, unknown)
		}
		if strings.Contains(f.logs.String(), "Quartz") || strings.Contains(f.logs.String(), c.Code) {
			t.Errorf("logs hold a card's code or name: %s", f.logs)
		}
	})
}
