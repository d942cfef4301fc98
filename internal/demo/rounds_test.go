package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"abri/internal/account"
	"abri/internal/api"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/demo"
	"abri/internal/distribution"
	"abri/internal/needs"
)

// The demo's distributions: a few weeks of closed rounds sized from the
// field figures (about 2,500 meals a day), needs with a shortfall, and one
// round out now with its packing list, to which the API document's example
// batch of tally commands applies as it is written.
func TestDemoRounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		accounts := account.New(d)
		users, err := demo.Seed(ctx, d, accounts)
		if err != nil {
			t.Fatal(err)
		}
		coord, err := accounts.TokenPrincipal(ctx, users[1].Token)
		if err != nil {
			t.Fatal(err)
		}
		s := distribution.New(d)
		open, err := s.Rounds(ctx, coord.Actor, distribution.Filter{State: distribution.Out})
		if err != nil || len(open) != 1 || open[0].ID != 1 {
			t.Fatalf("rounds out now: %+v, %v; want round 1 alone", open, err)
		}
		sum, err := s.Summary(ctx, coord.Actor, 1)
		if err != nil || len(sum.Lines) != 2 || sum.Lines[0].Packed == 0 {
			t.Fatalf("the open round: %+v, %v", sum, err)
		}
		now := d.Clock.Now()
		// The coming days' meals are on the public schedule; the round out
		// now is not public, so it is not.
		sc, err := distribution.PublicSchedule(ctx, d, demo.ScheduleSlug(), now)
		if err != nil || len(sc.Rounds) < 6 {
			t.Fatalf("the demo's public schedule: %+v, %v", sc, err)
		}
		for _, pr := range sc.Rounds {
			if pr.Kind != distribution.KindMeals || !pr.StartsAt.After(now) {
				t.Errorf("the public schedule shows %+v", pr)
			}
		}
		weeks, err := s.Weekly(ctx, coord.Actor, now.AddDate(0, 0, -22), now, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var meals int64
		for _, w := range weeks {
			meals += w.Meals
		}
		if perDay := meals / 21; perDay < 2200 || perDay > 2800 {
			t.Errorf("%d meals a day, want about 2,500", perDay)
		}
		board, err := needs.New(d).Board(ctx, coord.Actor)
		if err != nil || len(board) == 0 {
			t.Fatalf("needs board: %v, %v", board, err)
		}

		// The document's example, sent as the distribution team.
		var doc struct {
			Paths map[string]map[string]json.RawMessage
		}
		var op struct {
			RequestBody struct {
				Content map[string]struct{ Example json.RawMessage }
			}
		}
		if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(doc.Paths["/api/v1/rounds/{id}/commands"]["post"], &op); err != nil {
			t.Fatal(err)
		}
		example := op.RequestBody.Content["application/json"].Example
		h, err := api.New(api.Config{DB: d, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/api/v1/rounds/1/commands", bytes.NewReader(example))
		r.Header.Set("Authorization", "Bearer "+users[3].Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var out struct {
			Outcomes []struct{ Status, Reason string }
		}
		json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != 200 || len(out.Outcomes) != 3 {
			t.Fatalf("the example batch: %d %s", w.Code, w.Body)
		}
		for i, o := range out.Outcomes {
			if o.Status != "applied" {
				t.Errorf("example command %d: %s (%s)", i+1, o.Status, o.Reason)
			}
		}
	})
}
