package account_test

import (
	"encoding/json"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/ledger"
)

func TestCreateOrganisation(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		o, b, err := w.s.CreateOrganisation(ctx, "  Lille-Solidarite ", " Lille Solidarité ", " Lille hall ")
		if err != nil {
			t.Fatal(err)
		}
		if o.Slug != "lille-solidarite" || o.Name != "Lille Solidarité" || !o.CreatedAt.Equal(t0) || o.ID == 0 {
			t.Fatalf("organisation %+v", o)
		}
		if b.OrgID != o.ID || b.Name != "Lille hall" || b.ID == 0 {
			t.Fatalf("first base %+v", b)
		}
		got, err := w.s.OrganisationBySlug(ctx, "LILLE-solidarite")
		if err != nil || got != o {
			t.Fatalf("OrganisationBySlug = %+v, %v; want %+v", got, err, o)
		}
		sys := access.SystemActor(o.ID, b.ID)
		if got, err := w.s.Organisation(ctx, sys); err != nil || got != o {
			t.Fatalf("Organisation = %+v, %v", got, err)
		}
		bases, err := w.s.Bases(ctx, sys)
		if err != nil || len(bases) != 1 || bases[0] != b {
			t.Fatalf("Bases = %+v, %v", bases, err)
		}
		// The new chain starts with the organisation, then its base.
		w.wantKinds(o.ID, "organisation", o.ID, "organisation.created")
		w.wantKinds(o.ID, "base", b.ID, "base.created")
		es, _ := ledger.History(ctx, w.d, o.ID, "organisation", o.ID, 0)
		if len(es) != 1 || es[0].Seq != 1 {
			t.Fatalf("organisation event %+v; want the chain's first entry", es)
		}
		if _, err := w.s.OrganisationBySlug(ctx, "nowhere"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown slug: %v; want NotFound", err)
		}
	})
}

func TestCreateOrganisationRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		cases := []struct {
			slug, name, base string
			code             apperr.Code
			key              string
		}{
			{"", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"a", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"-dash-first", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"with space", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"under_score", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"café", "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{strings.Repeat("x", 42), "Name", "Base", apperr.Invalid, "error.slug_invalid"},
			{"fine-slug", "  ", "Base", apperr.Invalid, "error.name_required"},
			{"fine-slug", strings.Repeat("n", 101), "Base", apperr.Invalid, "error.name_long"},
			{"fine-slug", "Name", "", apperr.Invalid, "error.name_required"},
			{"fine-slug", "Name\xff", "Base", apperr.Invalid, "error.name_long"},
			{"calais-aid", "Another", "Base", apperr.Conflict, "error.slug_taken"},
			{"CALAIS-AID", "Another", "Base", apperr.Conflict, "error.slug_taken"},
		}
		for _, c := range cases {
			before := w.snapshot()
			_, _, err := w.s.CreateOrganisation(ctx, c.slug, c.name, c.base)
			wantErr(t, err, c.code, c.key)
			w.unchanged(before, "CreateOrganisation("+c.slug+")")
		}
	})
}

func TestCreateBase(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		b, err := w.s.CreateBase(ctx, w.adminA, " Boulogne van ")
		if err != nil || b.Name != "Boulogne van" || b.OrgID != w.orgA.ID {
			t.Fatalf("CreateBase = %+v, %v", b, err)
		}
		got, err := w.s.Base(ctx, w.adminA, b.ID)
		if err != nil || got != b {
			t.Fatalf("Base = %+v, %v", got, err)
		}
		w.wantKinds(w.orgA.ID, "base", b.ID, "base.created")
		before := w.snapshot()
		_, err = w.s.CreateBase(ctx, w.adminA, "Dunkirk kitchen")
		wantErr(t, err, apperr.Conflict, "error.base_taken")
		_, err = w.s.CreateBase(ctx, w.adminA, "")
		wantErr(t, err, apperr.Invalid, "error.name_required")
		w.unchanged(before, "refused CreateBase")
		// The same name in another organisation is fine.
		if _, err := w.s.CreateBase(ctx, w.adminB, "Dunkirk kitchen"); err != nil {
			t.Fatal(err)
		}
		bases, err := w.s.Bases(ctx, w.adminA)
		if err != nil || len(bases) != 4 {
			t.Fatalf("Bases = %d, %v; want 4", len(bases), err)
		}
		for _, b := range bases {
			if b.OrgID != w.orgA.ID {
				t.Fatalf("Bases lists another organisation's base %+v", b)
			}
		}
	})
}

func TestAddUser(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u, err := w.s.AddUser(ctx, w.adminA, account.NewUser{Email: "  Maya@Calais.Example ", Name: " Maya ",
			Password: pw, Lang: "fr", BaseID: w.a2.ID, Role: access.Warehouse})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "maya@calais.example" || u.Name != "Maya" || u.Lang != "fr" || !u.HasPassword ||
			u.OrgID != w.orgA.ID || u.Disabled || !u.CreatedAt.Equal(t0) {
			t.Fatalf("AddUser = %+v", u)
		}
		got, err := w.s.User(ctx, w.adminA, u.ID)
		if err != nil || got != u {
			t.Fatalf("User = %+v, %v; want %+v", got, err, u)
		}
		ms, err := w.s.Memberships(ctx, w.d, u.ID)
		if err != nil || len(ms) != 1 || ms[0].BaseID != w.a2.ID || ms[0].Role != access.Warehouse || ms[0].BaseName != "Dunkirk kitchen" {
			t.Fatalf("memberships %+v, %v", ms, err)
		}
		// The ledger holds ids and the role, never the email or name.
		es, _ := ledger.History(ctx, w.d, w.orgA.ID, "user", u.ID, 0)
		if len(es) != 1 || es[0].Kind != "user.created" || es[0].ActorID != w.adminA.UserID {
			t.Fatalf("ledger %+v", es)
		}
		var p map[string]any
		json.Unmarshal(es[0].Payload, &p)
		if p["role"] != "warehouse" || p["base_id"] != float64(w.a2.ID) {
			t.Fatalf("payload %s", es[0].Payload)
		}
		if s := strings.ToLower(string(es[0].Payload)); strings.Contains(s, "maya") || strings.Contains(s, "@") {
			t.Fatalf("ledger payload %s holds personal data", es[0].Payload)
		}
		// The password is stored as an argon2id hash, never as given.
		var hash string
		w.d.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash)
		if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, pw) {
			t.Fatalf("stored password %q", hash)
		}
		// Without a password (set later through an invitation or the CLI).
		nopw, err := w.s.AddUser(ctx, w.adminA, account.NewUser{Email: "nopw@calais.example", Name: "No PW", BaseID: w.a1.ID, Role: access.Viewer})
		if err != nil || nopw.HasPassword {
			t.Fatalf("AddUser without password = %+v, %v", nopw, err)
		}
	})
}

func TestAddUserRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ok := account.NewUser{Email: "new@calais.example", Name: "New", Password: pw, BaseID: w.a1.ID, Role: access.Viewer}
		cases := []struct {
			name string
			by   access.Actor
			nu   func(nu *account.NewUser)
			code apperr.Code
			key  string
		}{
			{"bad email", w.adminA, func(nu *account.NewUser) { nu.Email = "not-an-email" }, apperr.Invalid, "error.email_invalid"},
			{"email with name", w.adminA, func(nu *account.NewUser) { nu.Email = "New <new@calais.example>" }, apperr.Invalid, "error.email_invalid"},
			{"empty email", w.adminA, func(nu *account.NewUser) { nu.Email = " " }, apperr.Invalid, "error.email_invalid"},
			{"short password", w.adminA, func(nu *account.NewUser) { nu.Password = "short" }, apperr.Invalid, "error.password_short"},
			{"long password", w.adminA, func(nu *account.NewUser) { nu.Password = strings.Repeat("p", 201) }, apperr.Invalid, "error.password_long"},
			{"taken email", w.adminA, func(nu *account.NewUser) { nu.Email = "ADMIN@calais.example" }, apperr.Conflict, "error.email_taken"},
			{"email taken in another organisation", w.adminA, func(nu *account.NewUser) { nu.Email = "admin@dover.example" }, apperr.Conflict, "error.email_taken"},
			{"unknown role", w.adminA, func(nu *account.NewUser) { nu.Role = "superuser" }, apperr.Invalid, "error.role_unknown"},
			{"no role", w.adminA, func(nu *account.NewUser) { nu.Role = "" }, apperr.Invalid, "error.role_unknown"},
			{"no name", w.adminA, func(nu *account.NewUser) { nu.Name = "" }, apperr.Invalid, "error.name_required"},
			{"unknown language", w.adminA, func(nu *account.NewUser) { nu.Lang = "de" }, apperr.Invalid, "error.lang_unknown"},
			{"other organisation's base", w.adminA, func(nu *account.NewUser) { nu.BaseID = w.b1.ID }, apperr.NotFound, "error.not_found"},
			{"missing base", w.adminA, func(nu *account.NewUser) { nu.BaseID = 99999 }, apperr.NotFound, "error.not_found"},
			{"by a coordinator", w.user(w.adminA, "coord@calais.example", access.Coordinator), nil, apperr.Forbidden, "error.forbidden"},
			{"by nobody", access.Actor{OrgID: w.orgA.ID}, nil, apperr.Unauthorized, "error.unauthorized"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				nu := ok
				if c.nu != nil {
					c.nu(&nu)
				}
				before := w.snapshot()
				users := w.count("SELECT COUNT(*) FROM users")
				_, err := w.s.AddUser(ctx, c.by, nu)
				wantErr(t, err, c.code, c.key)
				if n := w.count("SELECT COUNT(*) FROM users"); n != users {
					t.Fatalf("user count %d → %d", users, n)
				}
				w.unchanged(before, c.name)
			})
		}
		if _, err := w.s.AddUser(ctx, w.adminA, ok); err != nil {
			t.Fatalf("the unchanged NewUser is refused: %v", err)
		}
	})
}

func TestNormaliseEmail(t *testing.T) {
	good := map[string]string{
		"a@b.example":              "a@b.example",
		"  Maya.L@Calais.Example ": "maya.l@calais.example",
		"first+tag@x.org":          "first+tag@x.org",
	}
	for in, want := range good {
		if got, err := account.NormaliseEmail(in); err != nil || got != want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "plain", "@x.org", "a@", "a b@x.org", "Maya <m@x.org>", "a@b.example, c@d.example",
		strings.Repeat("a", 250) + "@x.org"} {
		if got, err := account.NormaliseEmail(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want Invalid", bad, got, err)
		}
	}
}

func TestUsersAndUser(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a2.ID, access.Distribution); err != nil {
			t.Fatal(err)
		}
		w.user(w.adminB, "other@dover.example", access.Viewer)
		rows, err := w.s.Users(ctx, w.adminA)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("Users lists %d; want the 2 of Calais Aid", len(rows))
		}
		for _, r := range rows {
			if r.OrgID != w.orgA.ID {
				t.Fatalf("Users lists %s of another organisation", r.Email)
			}
			if r.ID == wh.UserID {
				if len(r.Memberships) != 2 || r.Memberships[0].BaseName != "Calais warehouse" ||
					r.Memberships[0].Role != access.Warehouse || r.Memberships[1].Role != access.Distribution {
					t.Fatalf("memberships of wh: %+v", r.Memberships)
				}
			}
		}
		// Anyone reads their own account; another's needs ManageUsers.
		if u, err := w.s.User(ctx, wh, wh.UserID); err != nil || u.Email != "wh@calais.example" {
			t.Fatalf("own User = %+v, %v", u, err)
		}
		_, err = w.s.User(ctx, wh, w.adminA.UserID)
		wantErr(t, err, apperr.Forbidden, "error.forbidden")
		if u, err := w.s.UserByEmail(ctx, " WH@calais.example"); err != nil || u.ID != wh.UserID {
			t.Fatalf("UserByEmail = %+v, %v", u, err)
		}
		_, err = w.s.UserByEmail(ctx, "nobody@calais.example")
		wantErr(t, err, apperr.NotFound, "error.not_found")
	})
}

func TestSetRole(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		sess := w.login("wh@calais.example", pw)
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a1.ID, access.Coordinator); err != nil {
			t.Fatal(err)
		}
		if p := w.principal(sess.Token); p.Actor.Role != access.Coordinator {
			t.Fatalf("role after SetRole: %s; want coordinator at once", p.Actor.Role)
		}
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a2.ID, access.Observer); err != nil {
			t.Fatal(err)
		}
		if p := w.principal(sess.Token); len(p.Memberships) != 2 {
			t.Fatalf("memberships %+v", p.Memberships)
		}
		w.wantKinds(w.orgA.ID, "user", wh.UserID, "user.created", "user.role_set", "user.role_set")

		before := w.snapshot()
		err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a1.ID, "chief")
		wantErr(t, err, apperr.Invalid, "error.role_unknown")
		// An administrator cannot drop their own admin role in the base they
		// stand in, neither to another role nor to none.
		err = w.s.SetRole(ctx, w.adminA, w.adminA.UserID, w.a1.ID, access.Coordinator)
		wantErr(t, err, apperr.Invalid, "error.own_admin_role")
		err = w.s.SetRole(ctx, w.adminA, w.adminA.UserID, w.a1.ID, "")
		wantErr(t, err, apperr.Invalid, "error.own_admin_role")
		err = w.s.SetRole(ctx, w.adminA, wh.UserID, 99999, access.Viewer)
		wantErr(t, err, apperr.NotFound, "error.not_found")
		w.unchanged(before, "refused SetRole")
		// Setting admin again on oneself is harmless.
		if err := w.s.SetRole(ctx, w.adminA, w.adminA.UserID, w.a1.ID, access.Admin); err != nil {
			t.Fatal(err)
		}
	})
}

// A user whose role in the session's base is taken away is signed out there.
func TestRoleRemovedSignsOut(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a2.ID, access.Warehouse); err != nil {
			t.Fatal(err)
		}
		sess := w.login("wh@calais.example", pw)
		if p := w.principal(sess.Token); p.Actor.BaseID != w.a1.ID {
			t.Fatalf("login landed in base %d; want the first by name, %d", p.Actor.BaseID, w.a1.ID)
		}
		secret, _, err := w.s.CreateToken(ctx, wh, "scanner", pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a1.ID, ""); err != nil {
			t.Fatal(err)
		}
		w.signedOut(sess.Token)
		_, err = w.s.TokenPrincipal(ctx, secret)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		// Logging in again lands in the base where the role is left.
		again := w.login("wh@calais.example", pw)
		if p := w.principal(again.Token); p.Actor.BaseID != w.a2.ID || len(p.Memberships) != 1 {
			t.Fatalf("after removal: base %d, memberships %+v", p.Actor.BaseID, p.Memberships)
		}
		// Without any role, no login at all, with the usual answer.
		if err := w.s.SetRole(ctx, w.adminA, wh.UserID, w.a2.ID, ""); err != nil {
			t.Fatal(err)
		}
		w.signedOut(again.Token)
		_, err = w.s.Login(ctx, "wh@calais.example", pw, "")
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
	})
}

func TestSetDisabled(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		s1 := w.login("wh@calais.example", pw)
		s2 := w.login("wh@calais.example", pw)
		secret, _, err := w.s.CreateToken(ctx, wh, "scanner", pw)
		if err != nil {
			t.Fatal(err)
		}
		adminSess := w.login("admin@calais.example", pw)
		if err := w.s.SetDisabled(ctx, w.adminA, wh.UserID, true); err != nil {
			t.Fatal(err)
		}
		w.signedOut(s1.Token)
		w.signedOut(s2.Token)
		if _, err := w.s.TokenPrincipal(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("token of a disabled user: %v", err)
		}
		if n := w.count("SELECT COUNT(*) FROM sessions WHERE user_id = ?", wh.UserID); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if n := w.count("SELECT COUNT(*) FROM api_tokens WHERE user_id = ? AND revoked_at = 0", wh.UserID); n != 0 {
			t.Fatalf("%d tokens left unrevoked", n)
		}
		_, err = w.s.Login(ctx, "wh@calais.example", pw, "")
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		if u, _ := w.s.User(ctx, w.adminA, wh.UserID); !u.Disabled {
			t.Fatal("user not shown as disabled")
		}
		w.principal(adminSess.Token) // the administrator's own session is untouched

		// Re-enabled: can log in; the old token stays revoked.
		if err := w.s.SetDisabled(ctx, w.adminA, wh.UserID, false); err != nil {
			t.Fatal(err)
		}
		w.login("wh@calais.example", pw)
		if _, err := w.s.TokenPrincipal(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("a token revoked by disabling works again: %v", err)
		}
		w.wantKinds(w.orgA.ID, "user", wh.UserID, "user.created", "user.disabled", "user.enabled")

		before := w.snapshot()
		err = w.s.SetDisabled(ctx, w.adminA, w.adminA.UserID, true)
		wantErr(t, err, apperr.Invalid, "error.disable_self")
		w.unchanged(before, "disabling oneself")
		w.principal(adminSess.Token)
	})
}

func TestSetLanguage(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		v := w.user(w.adminA, "v@calais.example", access.Viewer)
		for _, l := range []string{"ar", "fr", "en", ""} {
			if err := w.s.SetLanguage(ctx, v, l); err != nil {
				t.Fatal(err)
			}
			if u, _ := w.s.User(ctx, v, v.UserID); u.Lang != l {
				t.Fatalf("language %q stored as %q", l, u.Lang)
			}
		}
		before := w.snapshot()
		wantErr(t, w.s.SetLanguage(ctx, v, "xx"), apperr.Invalid, "error.lang_unknown")
		w.unchanged(before, "unknown language")
		ks := w.kinds(w.orgA.ID, "user", v.UserID)
		if len(ks) != 5 || ks[4] != "user.language_set" {
			t.Fatalf("ledger %v", ks)
		}
	})
}

// Every administrator action is refused to every other role, and changes nothing.
func TestAdminActionsNeedAdmin(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		target := w.user(w.adminA, "target@calais.example", access.Viewer)
		for _, role := range access.Roles[1:] {
			t.Run(string(role), func(t *testing.T) {
				me := w.user(w.adminA, string(role)+"@calais.example", role)
				before := w.snapshot()
				nu := account.NewUser{Email: "x-" + string(role) + "@calais.example", Name: "X", Password: pw, BaseID: w.a1.ID, Role: access.Viewer}
				actions := map[string]func() error{
					"CreateBase": func() error { _, err := w.s.CreateBase(ctx, me, "Secret base"); return err },
					"AddUser":    func() error { _, err := w.s.AddUser(ctx, me, nu); return err },
					"Invite":     func() error { _, _, err := w.s.Invite(ctx, me, nu); return err },
					"SetRole":    func() error { return w.s.SetRole(ctx, me, target.UserID, w.a1.ID, access.Admin) },
					"SetRole self": func() error {
						return w.s.SetRole(ctx, me, me.UserID, w.a1.ID, access.Admin)
					},
					"SetDisabled":  func() error { return w.s.SetDisabled(ctx, me, target.UserID, true) },
					"SetEnabled":   func() error { return w.s.SetDisabled(ctx, me, target.UserID, false) },
					"SetPassword":  func() error { return w.s.SetPassword(ctx, me, target.UserID, "a new password!") },
					"Users":        func() error { _, err := w.s.Users(ctx, me); return err },
					"User (other)": func() error { _, err := w.s.User(ctx, me, target.UserID); return err },
				}
				for name, act := range actions {
					err := act()
					if !apperr.Is(err, apperr.Forbidden) || apperr.As(err).Key != "error.forbidden" {
						t.Errorf("%s by %s: %v; want Forbidden", name, role, err)
					}
				}
				w.unchanged(before, "refused admin actions")
			})
		}
	})
}

// Another organisation's users, bases and tokens are "not found", never
// "forbidden", and nothing of theirs changes.
func TestOtherOrganisationIsNotFound(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		victim := w.user(w.adminA, "victim@calais.example", access.Warehouse)
		sess := w.login("victim@calais.example", pw)
		_, tok, err := w.s.CreateToken(ctx, victim, "phone", pw)
		if err != nil {
			t.Fatal(err)
		}
		invitee, secret, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "inv@calais.example", Name: "Inv", BaseID: w.a1.ID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		before := w.snapshot()
		ledgerA := w.kinds(w.orgA.ID, "user", victim.UserID)
		nu := account.NewUser{Email: "spy@dover.example", Name: "Spy", Password: pw, BaseID: w.a1.ID, Role: access.Admin}
		actions := map[string]func() error{
			"User":                  func() error { _, err := w.s.User(ctx, w.adminB, victim.UserID); return err },
			"SetRole in own base":   func() error { return w.s.SetRole(ctx, w.adminB, victim.UserID, w.b1.ID, access.Viewer) },
			"SetRole in their base": func() error { return w.s.SetRole(ctx, w.adminB, victim.UserID, w.a1.ID, "") },
			"SetRole own user there": func() error {
				return w.s.SetRole(ctx, w.adminB, w.adminB.UserID, w.a1.ID, access.Admin)
			},
			"SetDisabled":        func() error { return w.s.SetDisabled(ctx, w.adminB, victim.UserID, true) },
			"SetPassword":        func() error { return w.s.SetPassword(ctx, w.adminB, victim.UserID, "taken over!!") },
			"SetPassword invite": func() error { return w.s.SetPassword(ctx, w.adminB, invitee.ID, "taken over!!") },
			"AddUser there":      func() error { _, err := w.s.AddUser(ctx, w.adminB, nu); return err },
			"Invite there":       func() error { _, _, err := w.s.Invite(ctx, w.adminB, nu); return err },
			"Base":               func() error { _, err := w.s.Base(ctx, w.adminB, w.a1.ID); return err },
			"RevokeToken":        func() error { return w.s.RevokeToken(ctx, w.adminB, tok.ID) },
			"SwitchBase":         func() error { return w.s.SwitchBase(ctx, w.adminB, sess.Token, w.a1.ID) },
		}
		for name, act := range actions {
			err := act()
			if !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s on Calais Aid by Dover's admin: %v; want NotFound", name, err)
			}
		}
		w.unchanged(before, "cross-organisation actions")
		if got := w.kinds(w.orgA.ID, "user", victim.UserID); len(got) != len(ledgerA) {
			t.Errorf("the victim's history grew: %v", got)
		}
		if got := w.kinds(w.orgB.ID, "user", victim.UserID); len(got) != 0 {
			t.Errorf("Dover's ledger records events about Calais's user: %v", got)
		}
		p := w.principal(sess.Token)
		if p.Actor.BaseID != w.a1.ID || p.Actor.Role != access.Warehouse {
			t.Errorf("victim's session changed: %+v", p.Actor)
		}
		if _, err := w.s.Invitation(ctx, secret); err != nil {
			t.Errorf("victim's invitation: %v", err)
		}
		// Dover's admin sees only Dover.
		us, err := w.s.Users(ctx, w.adminB)
		if err != nil || len(us) != 1 || us[0].ID != w.adminB.UserID {
			t.Errorf("Users for Dover: %+v, %v", us, err)
		}
		bs, err := w.s.Bases(ctx, w.adminB)
		if err != nil || len(bs) != 1 || bs[0].ID != w.b1.ID {
			t.Errorf("Bases for Dover: %+v, %v", bs, err)
		}
	})
}
