package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
)

// A round through the API: a site, a round planned with a packing list,
// the tally screen's batch of commands applied once (sent twice, the second
// answers already applied), read back; a batch aimed at another round is
// refused at its target and changes nothing; another organisation's round
// is 404 and a viewer's batch 403.
func TestRoundsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		f := setup(t, d)
		ps, err := catalog.Products(ctx, d, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		product := ps[0].ID
		w := call(f.h, "POST", "/api/v1/sites", f.token, strings.NewReader(`{"name":"Canal","kind":"living","note":""}`))
		if w.Code != 201 {
			t.Fatalf("create site: %d %s", w.Code, w.Body)
		}
		var living struct{ ID int64 }
		json.Unmarshal(w.Body.Bytes(), &living)
		// A living site's round cannot be public: 400 at the field, no round.
		w = call(f.h, "POST", "/api/v1/rounds", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"kind":"goods","public":true,"starts_at":"2026-12-07T17:00:00Z","ends_at":"2026-12-07T18:00:00Z"}`, living.ID)))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"public"`) {
			t.Errorf("a public round at a living site: %d %s, want 400 at public", w.Code, w.Body)
		}
		w = call(f.h, "POST", "/api/v1/sites", f.token, strings.NewReader(`{"name":"Quai","kind":"distribution","note":""}`))
		if w.Code != 201 {
			t.Fatalf("create site: %d %s", w.Code, w.Body)
		}
		var site struct{ ID int64 }
		json.Unmarshal(w.Body.Bytes(), &site)
		w = call(f.h, "POST", "/api/v1/rounds", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"kind":"goods","public":true,"starts_at":"2026-12-07T17:00:00Z","ends_at":"2026-12-07T18:00:00Z","lines":[{"product_id":%d,"planned":10}]}`, site.ID, product)))
		if w.Code != 201 {
			t.Fatalf("plan round: %d %s", w.Code, w.Body)
		}
		var rd struct {
			ID    int64
			State string
		}
		json.Unmarshal(w.Body.Bytes(), &rd)
		// Bad input: refused at the field, nothing made.
		w = call(f.h, "POST", "/api/v1/rounds", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"kind":"goods","public":true,"starts_at":"2026-12-07T17:00:00Z","ends_at":"2026-12-07T16:00:00Z","lines":[]}`, site.ID)))
		wantError(t, w, 400, "invalid")
		if _, err := distribution.New(d).SendOut(ctx, f.actor, rd.ID); err != nil {
			t.Fatal(err)
		}
		batch := fmt.Sprintf(`{"commands":[
			{"id":"6f1c7a52-3d1e-4b7a-9c2f-0a1b2c3d4e01","type":"round.handout","target":"round:%[1]d","payload":{"product_id":%[2]d,"quantity":2},"made_at":"2026-12-07T17:12:05Z"},
			{"id":"6f1c7a52-3d1e-4b7a-9c2f-0a1b2c3d4e02","type":"round.people","target":"round:%[1]d","payload":{"quantity":3},"made_at":"2026-12-07T17:12:06Z"},
			{"id":"6f1c7a52-3d1e-4b7a-9c2f-0a1b2c3d4e03","type":"round.people","target":"round:%[1]d","payload":{"quantity":-3},"made_at":"2026-12-07T17:12:07Z"}]}`, rd.ID, product)
		path := fmt.Sprintf("/api/v1/rounds/%d/commands", rd.ID)
		for i, want := range [][]string{{"applied", "applied", "needs_review"}, {"already_applied", "already_applied", "needs_review"}} {
			w = call(f.h, "POST", path, f.token, strings.NewReader(batch))
			if w.Code != 200 {
				t.Fatalf("batch %d: %d %s", i, w.Code, w.Body)
			}
			var out struct {
				Outcomes []struct{ Status, Reason string }
			}
			json.Unmarshal(w.Body.Bytes(), &out)
			for j, o := range out.Outcomes {
				if o.Status != want[j] {
					t.Errorf("batch %d command %d: %s (%s), want %s", i, j, o.Status, o.Reason, want[j])
				}
			}
			if out.Outcomes[2].Reason == "" {
				t.Error("a command for review has no reason")
			}
		}
		other := strings.ReplaceAll(batch, fmt.Sprintf("round:%d", rd.ID), "round:999")
		wantError(t, call(f.h, "POST", path, f.token, strings.NewReader(other)), 400, "invalid")
		w = call(f.h, "GET", fmt.Sprintf("/api/v1/rounds/%d", rd.ID), f.token, nil)
		var got struct {
			Lines []struct {
				HandedOut int64 `json:"handed_out"`
			}
			People []struct{ Count int64 }
		}
		json.Unmarshal(w.Body.Bytes(), &got)
		if w.Code != 200 || len(got.Lines) != 1 || got.Lines[0].HandedOut != 2 || len(got.People) != 1 || got.People[0].Count != 3 {
			t.Fatalf("round after the batches: %d %s", w.Code, w.Body)
		}
		// Needs.
		w = call(f.h, "POST", "/api/v1/needs", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"product_id":%d,"category_id":0,"quantity":5,"urgency":3,"source":"distribution"}`, site.ID, product)))
		if w.Code != 201 {
			t.Fatalf("create need: %d %s", w.Code, w.Body)
		}
		wantError(t, call(f.h, "POST", "/api/v1/needs", f.token, strings.NewReader(fmt.Sprintf(
			`{"site_id":%d,"product_id":%d,"category_id":0,"quantity":0,"urgency":3,"source":"distribution"}`, site.ID, product))), 400, "invalid")
		if w = call(f.h, "GET", "/api/v1/needs?open=true", f.token, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"state":"open"`) {
			t.Fatalf("needs: %d %s", w.Code, w.Body)
		}

		// Another organisation, and a role that may not count.
		o2, b2, err := f.acc.CreateOrganisation(ctx, "dover-aid", "Dover Aid", "Store")
		if err != nil {
			t.Fatal(err)
		}
		tokenFor := func(org, base int64, role access.Role, email string) string {
			u, err := f.acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{Email: email, Name: "Someone", BaseID: base, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := f.acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}, "phone")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		foreign := tokenFor(o2.ID, b2.ID, access.Admin, "ada@example.org")
		wantError(t, call(f.h, "GET", fmt.Sprintf("/api/v1/rounds/%d", rd.ID), foreign, nil), 404, "not_found")
		wantError(t, call(f.h, "POST", path, foreign, strings.NewReader(batch)), 404, "not_found")
		viewer := tokenFor(f.org.ID, f.base.ID, access.Viewer, "val@example.org")
		wantError(t, call(f.h, "POST", path, viewer, strings.NewReader(batch)), 403, "forbidden")

		// On and off the public schedule: only the field sent changes;
		// bad input, another organisation and a role that may not plan
		// change nothing.
		round := fmt.Sprintf("/api/v1/rounds/%d", rd.ID)
		public := func() bool {
			t.Helper()
			r, err := distribution.New(d).Round(ctx, f.actor, rd.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r.Public
		}
		w = call(f.h, "PATCH", round, f.token, strings.NewReader(`{"public":false}`))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"public":false`) || !strings.Contains(w.Body.String(), `"handed_out":2`) || public() {
			t.Fatalf("take off the public schedule: %d %s", w.Code, w.Body)
		}
		if w = call(f.h, "PATCH", round, f.token, strings.NewReader(`{}`)); w.Code != 200 || public() {
			t.Fatalf("an empty change: %d %s", w.Code, w.Body)
		}
		wantError(t, call(f.h, "PATCH", round, f.token, strings.NewReader(`{"public":"yes"}`)), 400, "invalid")
		wantError(t, call(f.h, "PATCH", round, f.token, strings.NewReader(`{"public":true,"pin":{"lat":50.9}}`)), 400, "invalid")
		wantError(t, call(f.h, "PATCH", round, foreign, strings.NewReader(`{"public":true}`)), 404, "not_found")
		wantError(t, call(f.h, "PATCH", round, viewer, strings.NewReader(`{"public":true}`)), 403, "forbidden")
		wantError(t, call(f.h, "PATCH", "/api/v1/rounds/0", f.token, strings.NewReader(`{"public":true}`)), 404, "not_found")
		if public() {
			t.Error("a refused change put the round on the public schedule")
		}
		if w = call(f.h, "PATCH", round, f.token, strings.NewReader(`{"public":true}`)); w.Code != 200 || !public() {
			t.Fatalf("put on the public schedule: %d %s", w.Code, w.Body)
		}
	})
}
