package proof_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/stock"
)

var inviteLink = regexp.MustCompile(`/invite/([A-Za-z0-9_-]+)`)

// TestLogsHoldNoPersonalData plants a recognisable name, telephone number
// and email in every personal field the server and the domain packages
// take — user names and emails, sign-ins, invitations, token names, site
// notes, box comments and donation notes; through the screens, the API and
// the domain services; on the happy paths and the error paths — while
// capturing every log line written (the server's logger and slog's
// default). None may carry any of them, and
// neither may the ledger, which outlives every erasure.
func TestLogsHoldNoPersonalData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := startSite(t, d, "http://127.0.0.1")
		// Anything that logs through slog's default (domain code, net/http,
		// the standard log package) lands in the same buffer.
		old := slog.Default()
		slog.SetDefault(slog.New(slog.NewJSONHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		defer slog.SetDefault(old)
		ctx := context.Background()
		everything := plantedName + " " + plantedPhone + " " + plantedEmail
		expect := func(what string, status, want int) {
			t.Helper()
			if status != want {
				t.Errorf("%s: %d, want %d", what, status, want)
			}
		}

		// Paths, queries, headers and bodies that carry it where no route is.
		raw(t, "GET", st.url+"/"+strings.ReplaceAll(plantedName, " ", "-")+"?phone="+strings.ReplaceAll(plantedPhone, " ", "")+"&email="+plantedEmail, "",
			"Referer", "http://127.0.0.1/?who="+plantedEmail, "User-Agent", everything)
		raw(t, "GET", st.url+"/api/v1/"+plantedEmail, "")
		raw(t, "GET", st.url+"/api/v1/me", "", "Authorization", "Bearer "+plantedEmail)
		res, _ := raw(t, "POST", st.url+"/login", form("email", plantedEmail, "password", "x").Encode(), "Sec-Fetch-Site", "cross-site")
		expect("a cross-site sign-in", res.StatusCode, http.StatusForbidden)
		raw(t, "POST", st.url+"/login", "email="+plantedEmail+"&password="+strings.Repeat("z", 2<<20))

		// The administrator invites the planted person, badly and then well.
		admin := st.signedIn(t, st.admin.Email, adminPassword)
		base := fmt.Sprint(st.base.ID)
		status, _, _ := admin.do(ctx, "POST", "/admin/users", form("email", everything, "name", plantedName, "base", base, "role", "viewer"))
		expect("an invitation with a bad email", status, http.StatusBadRequest)
		status, body, _ := admin.do(ctx, "POST", "/admin/users", form("email", plantedEmail, "name", plantedName+" "+plantedPhone, "base", base, "role", "viewer"))
		expect("an invitation", status, http.StatusOK)
		m := inviteLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no invitation link shown")
		}
		status, _, _ = admin.do(ctx, "POST", "/admin/users", form("email", plantedEmail, "name", plantedName, "base", base, "role", "viewer"))
		expect("the same invitation again", status, http.StatusConflict)
		status, _, _ = admin.do(ctx, "POST", "/admin/users", form("email", "other."+plantedEmail, "name", plantedName, "base", base, "role", plantedPhone))
		expect("an invitation with a bad role", status, http.StatusBadRequest)
		status, _, _ = admin.do(ctx, "GET", "/admin/users", nil)
		expect("the list of users", status, http.StatusOK)

		// The planted person follows the link, stumbles, then signs in.
		secret := m[1]
		invitee := newClient(st.url)
		status, _, _ = invitee.do(ctx, "GET", "/invite/"+secret, nil)
		expect("the invitation page", status, http.StatusOK)
		status, _, _ = invitee.do(ctx, "POST", "/invite/"+secret, form("password", everything, "password_again", plantedName))
		expect("mismatched passwords", status, http.StatusBadRequest)
		status, _, _ = invitee.do(ctx, "POST", "/invite/"+secret, form("password", everything, "password_again", everything))
		expect("accept the invitation", status, http.StatusSeeOther)
		status, _, _ = invitee.do(ctx, "GET", "/invite/"+secret, nil)
		expect("a used invitation", status, http.StatusNotFound)
		status, _, _ = invitee.do(ctx, "GET", "/settings", nil)
		expect("the planted person's settings", status, http.StatusOK)
		status, _, _ = invitee.do(ctx, "POST", "/settings/password", form("current", plantedPhone, "new", everything, "new_again", everything))
		expect("a password change with the wrong current password", status, http.StatusBadRequest)
		status, body, _ = invitee.do(ctx, "POST", "/settings/tokens", form("name", plantedName+" phone "+plantedPhone, "password", everything))
		expect("an API token", status, http.StatusOK)
		token := regexp.MustCompile(`abri_[A-Za-z0-9_-]+`).FindString(body)
		if token == "" {
			t.Fatal("no API token shown")
		}
		for _, b := range []string{`{"lang":"` + plantedEmail + `"}`, `{"name":"` + plantedName + `"`, `{"lang":"en","phone":"` + plantedPhone + `"}`, `{"lang":"fr"}`} {
			req, _ := http.NewRequest("PATCH", st.url+"/api/v1/me", strings.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}
		if _, me := raw(t, "GET", st.url+"/api/v1/me", "", "Authorization", "Bearer "+token); !strings.Contains(me, plantedEmail) {
			t.Errorf("the planted person's token does not act as them: %s", me)
		}

		// The administrator manages the planted person.
		u, err := st.acc.UserByEmail(ctx, plantedEmail)
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(u.ID)
		for _, step := range []struct {
			path string
			form []string
			want int
		}{
			{"/admin/users/" + id + "/role", []string{"base", base, "role", "observer"}, http.StatusSeeOther},
			{"/admin/users/" + id + "/role", []string{"base", base, "role", plantedName}, http.StatusBadRequest},
			{"/admin/users/" + id + "/disable", nil, http.StatusSeeOther},
			{"/admin/users/" + id + "/enable", nil, http.StatusSeeOther},
		} {
			status, _, _ := admin.do(ctx, "POST", step.path, form(step.form...))
			expect("POST "+step.path, status, step.want)
		}
		status, _, _ = admin.do(ctx, "GET", "/admin/users/"+id, nil)
		expect("the planted person's page", status, http.StatusOK)

		// Site notes, through place.Service.
		places := place.New(d)
		actor := access.Actor{UserID: st.admin.ID, OrgID: st.org.ID, BaseID: st.base.ID, Role: access.Admin}
		s, err := places.CreateSite(ctx, actor, place.SiteInput{Name: "Dunes Est", Kind: place.SiteLiving, Note: "Ask for " + everything})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := places.UpdateSite(ctx, actor, s.ID, place.SiteInput{Name: "Dunes Est", Kind: place.SiteLiving, Note: "Now " + everything}); err != nil {
			t.Fatal(err)
		}
		if _, err := places.CreateSite(ctx, actor, place.SiteInput{Name: "Talus", Kind: place.SiteLiving, Note: strings.Repeat(everything, 100)}); err == nil {
			t.Error("an over-long note was taken")
		}
		// Box comments and donation notes, which say not to hold names but
		// may: through stock.Service, then the box's edit form, well and
		// badly.
		if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		ps, err := catalog.Products(ctx, d, actor)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := catalog.SizeRanges(ctx, d, actor)
		if err != nil {
			t.Fatal(err)
		}
		firstSize := map[int64]string{}
		for _, r := range rs {
			if len(r.Sizes) > 0 {
				firstSize[r.ID] = r.Sizes[0].Label
			}
		}
		var counted catalog.Product
		for _, p := range ps {
			if firstSize[p.SizeRangeID] != "" {
				counted = p
				break
			}
		}
		if counted.ID == 0 {
			t.Fatal("the catalogue has no product counted by size")
		}
		size := firstSize[counted.SizeRangeID]
		shelf, err := places.CreateLocation(ctx, actor, place.LocationInput{Name: "Shelf A1", Kind: place.LocationShelf})
		if err != nil {
			t.Fatal(err)
		}
		boxes := stock.New(d)
		don, err := boxes.RecordDonation(ctx, actor, stock.Donation{Source: "individual", ReceivedOn: "2026-11-20", ItemCount: 4, Note: "From " + everything})
		if err != nil {
			t.Fatal(err)
		}
		b, err := boxes.CreateBox(ctx, actor, stock.NewBox{ProductID: counted.ID, Size: size, Items: 4, LocationID: shelf.ID, DonationID: don.ID, Comment: "For " + everything})
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ = admin.do(ctx, "POST", "/b/"+b.Code, form("version", fmt.Sprint(b.Version), "items", "5", "size", size, "comment", "Keep for "+everything))
		expect("a box's comment saved", status, http.StatusSeeOther)
		status, _, _ = admin.do(ctx, "POST", "/b/"+b.Code, form("version", fmt.Sprint(b.Version), "items", "5", "size", size, "comment", "Stale "+everything))
		expect("a stale edit of a box's comment", status, http.StatusConflict)
		status, _, _ = admin.do(ctx, "POST", "/b/"+b.Code, form("version", fmt.Sprint(b.Version+1), "items", plantedPhone, "size", size, "comment", strings.Repeat(everything, 20)))
		expect("a box edit with bad items and an over-long comment", status, http.StatusBadRequest)
		status, _, _ = admin.do(ctx, "GET", "/b/"+b.Code, nil)
		expect("the box's page", status, http.StatusOK)

		// Failed sign-ins with the planted email, up to the throttle (after
		// the planted person signed in, which the throttle would refuse).
		for i := 0; i < 7; i++ {
			res, _ := raw(t, "POST", st.url+"/login", form("email", plantedEmail, "password", plantedPhone, "next", "/"+plantedName).Encode())
			if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusTooManyRequests {
				t.Errorf("failed sign-in %d: %d", i, res.StatusCode)
			}
		}
		admin.do(ctx, "POST", "/logout-everywhere", nil)
		invitee.do(ctx, "POST", "/logout", nil)

		logs := st.logs.String()
		if !strings.Contains(logs, `"route":"/admin/users"`) || !strings.Contains(logs, `"route":"/login"`) {
			t.Fatalf("the log does not hold the request lines; is it captured?\n%s", tail(logs, 2000))
		}
		checkNoPlantedData(t, "the server's log", logs)

		// The ledger is kept after erasure: it must not hold them either.
		rows, err := d.Query(ctx, "SELECT kind, entity, payload FROM ledger")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		entries := 0
		for rows.Next() {
			var kind, entity string
			var payload []byte
			if err := rows.Scan(&kind, &entity, &payload); err != nil {
				t.Fatal(err)
			}
			entries++
			checkNoPlantedData(t, "ledger entry "+kind, kind+" "+entity+" "+string(payload))
		}
		// And the metrics, which anyone at the proxy's monitoring host reads.
		_, metrics := raw(t, "GET", st.url+"/metrics", "")
		checkNoPlantedData(t, "/metrics", metrics)
		t.Logf("%d log lines and %d ledger entries searched; none holds the planted name, phone or email", strings.Count(logs, "\n"), entries)
	})
}
