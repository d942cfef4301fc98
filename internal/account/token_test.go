package account_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/ledger"
)

func TestTokens(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		wh := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		secret, tok, err := w.s.CreateToken(ctx, wh, " label printer ", pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, account.TokenPrefix) || len(secret) < 30 {
			t.Fatalf("secret %q", secret)
		}
		if tok.Name != "label printer" || tok.BaseID != w.a1.ID || tok.Revoked || !tok.CreatedAt.Equal(t0) ||
			!strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret)/2 {
			t.Fatalf("token %+v for secret %q", tok, secret)
		}
		// Only the hash is stored: no column of the table holds the secret.
		sum := sha256.Sum256([]byte(secret))
		var stored []byte
		if err := w.d.QueryRow(ctx, "SELECT token_hash FROM api_tokens WHERE id = ?", tok.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stored, sum[:]) {
			t.Fatal("token_hash is not the secret's SHA-256")
		}
		rows, err := w.d.Query(ctx, "SELECT * FROM api_tokens")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if s := fmt.Sprintf("%s", v); strings.Contains(s, secret[len(tok.Prefix):]) {
					t.Fatalf("column %s holds the secret", cols[i])
				}
			}
		}
		rows.Close()

		// The token acts as its user in its base.
		p, err := w.s.TokenPrincipal(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Actor != wh || p.OrgName != "Calais Aid" || p.BaseName != "Calais warehouse" {
			t.Fatalf("token principal %+v; want %+v", p, wh)
		}
		list, err := w.s.Tokens(ctx, wh)
		if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].BaseName != "Calais warehouse" ||
			!list[0].LastUsedAt.Equal(t0) || list[0].Revoked {
			t.Fatalf("Tokens = %+v, %v", list, err)
		}
		// Other users do not see it.
		if list, err := w.s.Tokens(ctx, w.adminA); err != nil || len(list) != 0 {
			t.Fatalf("admin's Tokens = %+v, %v", list, err)
		}

		// Nobody else may revoke it, not even an administrator.
		before := w.snapshot()
		wantErr(t, w.s.RevokeToken(ctx, w.adminA, tok.ID), apperr.NotFound, "error.not_found")
		wantErr(t, w.s.RevokeToken(ctx, w.adminB, tok.ID), apperr.NotFound, "error.not_found")
		wantErr(t, w.s.RevokeToken(ctx, wh, 99999), apperr.NotFound, "error.not_found")
		w.unchanged(before, "refused RevokeToken")
		if _, err := w.s.TokenPrincipal(ctx, secret); err != nil {
			t.Fatalf("token stopped working after refused revokes: %v", err)
		}

		w.clk.Advance(time.Hour)
		if err := w.s.RevokeToken(ctx, wh, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.TokenPrincipal(ctx, secret)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		wantErr(t, w.s.RevokeToken(ctx, wh, tok.ID), apperr.NotFound, "error.not_found")
		if list, _ := w.s.Tokens(ctx, wh); len(list) != 1 || !list[0].Revoked {
			t.Fatalf("revoked token listed as %+v", list)
		}
		w.wantKinds(w.orgA.ID, "api_token", tok.ID, "token.created", "token.revoked")
	})
}

func TestTokenPrincipalRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		secret, _, err := w.s.CreateToken(ctx, w.adminA, "cli", pw)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", secret[len(account.TokenPrefix):], secret + "x", "abri_", "abri_nothing",
			account.TokenPrefix + strings.Repeat("a", 100), strings.ToUpper(secret)} {
			_, err := w.s.TokenPrincipal(ctx, bad)
			wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		}
		// A session token is not an API token and the other way round.
		sess := w.login("admin@calais.example", pw)
		if _, err := w.s.TokenPrincipal(ctx, sess.Token); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("session token accepted as API token: %v", err)
		}
		w.signedOut(secret)
	})
}

func TestCreateTokenRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		before := w.snapshot()
		_, _, err := w.s.CreateToken(ctx, w.adminA, "  ", pw)
		wantErr(t, err, apperr.Invalid, "error.name_required")
		_, _, err = w.s.CreateToken(ctx, access.SystemActor(w.orgA.ID, w.a1.ID), "cli", pw)
		wantErr(t, err, apperr.Invalid, "error.token_needs_user")
		_, _, err = w.s.CreateToken(ctx, access.Actor{OrgID: w.orgA.ID}, "cli", pw)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		w.unchanged(before, "refused CreateToken")
		// Every role may have its own tokens.
		for _, r := range access.Roles {
			a := w.user(w.adminA, "tok-"+string(r)+"@calais.example", r)
			if _, _, err := w.s.CreateToken(ctx, a, "mine", pw); err != nil {
				t.Errorf("%s cannot create a token: %v", r, err)
			}
		}
	})
}

func TestInvitation(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u, secret, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "New@Calais.example", Name: "Newcomer",
			Password: "ignored password", BaseID: w.a2.ID, Role: access.Distribution})
		if err != nil {
			t.Fatal(err)
		}
		if u.HasPassword || u.Email != "new@calais.example" || len(secret) < 30 {
			t.Fatalf("invited %+v, secret %q", u, secret)
		}
		// Not usable before accepting, whatever was passed as a password.
		_, err = w.s.Login(ctx, "new@calais.example", "ignored password", "")
		wantErr(t, err, apperr.Unauthorized, "error.login_failed")
		got, err := w.s.Invitation(ctx, secret)
		if err != nil || got.ID != u.ID {
			t.Fatalf("Invitation = %+v, %v", got, err)
		}
		// Only the hash is stored.
		sum := sha256.Sum256([]byte(secret))
		if n := w.count("SELECT COUNT(*) FROM invitations WHERE token_hash = ?", sum[:]); n != 1 {
			t.Fatal("the invitation is not stored by its hash")
		}

		before := w.snapshot()
		_, err = w.s.AcceptInvitation(ctx, secret, "short")
		wantErr(t, err, apperr.Invalid, "error.password_short")
		_, err = w.s.AcceptInvitation(ctx, secret+"x", "a good long password")
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
		w.unchanged(before, "refused AcceptInvitation")

		w.clk.Advance(6 * 24 * time.Hour)
		acc, err := w.s.AcceptInvitation(ctx, secret, "a good long password")
		if err != nil || !acc.HasPassword || acc.ID != u.ID {
			t.Fatalf("AcceptInvitation = %+v, %v", acc, err)
		}
		sess := w.login("new@calais.example", "a good long password")
		if p := w.principal(sess.Token); p.Actor.BaseID != w.a2.ID || p.Actor.Role != access.Distribution {
			t.Fatalf("invited user acts as %+v", p.Actor)
		}
		// A link works once.
		before = w.snapshot()
		_, err = w.s.AcceptInvitation(ctx, secret, "someone else's password")
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
		_, err = w.s.Invitation(ctx, secret)
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
		w.unchanged(before, "second use of an invitation")
		w.login("new@calais.example", "a good long password")
		w.wantKinds(w.orgA.ID, "user", u.ID, "user.created", "user.invited", "user.password_changed")
	})
}

func TestInvitationExpires(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		_, secret, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "late@calais.example", Name: "Late", BaseID: w.a1.ID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(8 * 24 * time.Hour)
		before := w.snapshot()
		_, err = w.s.Invitation(ctx, secret)
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
		_, err = w.s.AcceptInvitation(ctx, secret, "a good long password")
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
		w.unchanged(before, "expired invitation")
	})
}

func TestInvitationOfDisabledUser(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u, secret, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "gone@calais.example", Name: "Gone", BaseID: w.a1.ID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetDisabled(ctx, w.adminA, u.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.AcceptInvitation(ctx, secret, "a good long password")
		wantErr(t, err, apperr.NotFound, "error.invitation_invalid")
	})
}

func TestInviteRefuses(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		before := w.snapshot()
		_, _, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "admin@calais.example", Name: "Dup", BaseID: w.a1.ID, Role: access.Viewer})
		wantErr(t, err, apperr.Conflict, "error.email_taken")
		_, _, err = w.s.Invite(ctx, w.adminA, account.NewUser{Email: "x@calais.example", Name: "X", BaseID: w.b1.ID, Role: access.Viewer})
		wantErr(t, err, apperr.NotFound, "error.not_found")
		w.unchanged(before, "refused Invite")
	})
}

// A token ends with the account's trust: a password change (by the person or
// an administrator), signing out everywhere, disabling the user and removing
// their role revoke it at once, each with its ledger event.
func TestTokensEndWithTrust(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		cases := []struct {
			name   string
			reason string
			end    func(u access.Actor, session string) error
		}{
			{"password change", account.ReasonPasswordChanged, func(u access.Actor, session string) error {
				return w.s.ChangePassword(ctx, u, session, pw, "a brand new password")
			}},
			{"password set by an administrator", account.ReasonPasswordChanged, func(u access.Actor, _ string) error {
				return w.s.SetPassword(ctx, w.adminA, u.UserID, "a brand new password")
			}},
			{"sign out everywhere", account.ReasonSignedOut, func(u access.Actor, _ string) error {
				return w.s.LogoutEverywhere(ctx, u)
			}},
			{"disabled", account.ReasonUserDisabled, func(u access.Actor, _ string) error {
				return w.s.SetDisabled(ctx, w.adminA, u.UserID, true)
			}},
			{"last role removed", account.ReasonLastRoleRemoved, func(u access.Actor, _ string) error {
				return w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, "")
			}},
		}
		for i, c := range cases {
			email := fmt.Sprintf("user%d@calais.example", i)
			u := w.user(w.adminA, email, access.Warehouse)
			sess := w.login(email, pw)
			secret, tok, err := w.s.CreateToken(ctx, u, "phone", pw)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.s.TokenPrincipal(ctx, secret); err != nil {
				t.Fatalf("%s: token before: %v", c.name, err)
			}
			if err := c.end(u, sess.Token); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			_, err = w.s.TokenPrincipal(ctx, secret)
			wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
			if list, _ := w.s.Tokens(ctx, u); len(list) != 1 || !list[0].Revoked {
				t.Errorf("%s: token listed as %+v; want revoked", c.name, list)
			}
			w.wantKinds(w.orgA.ID, "api_token", tok.ID, "token.created", "token.revoked")
			es, err := ledgerHistory(w, "api_token", tok.ID)
			if err != nil || len(es) != 2 || !strings.Contains(es[1], `"reason":"`+c.reason+`"`) {
				t.Errorf("%s: token history %v, %v; want the reason %s", c.name, es, err, c.reason)
			}
		}
	})
}

// Re-enabling a user or giving a role back brings no token back.
func TestRevokedTokensStayRevoked(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		secret, _, err := w.s.CreateToken(ctx, u, "phone", pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetDisabled(ctx, w.adminA, u.UserID, true); err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetDisabled(ctx, w.adminA, u.UserID, false); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.TokenPrincipal(ctx, secret)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")

		second, _, err := w.s.CreateToken(ctx, u, "phone", pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, access.Warehouse); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.TokenPrincipal(ctx, second)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
	})
}

// Removing a role in one base revokes the tokens made there and leaves the
// others; a change of role keeps the token, which then acts with the new one.
func TestRoleChangesAndTokens(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a2.ID, access.Coordinator); err != nil {
			t.Fatal(err)
		}
		inA1, _, err := w.s.CreateToken(ctx, u, "a1", pw)
		if err != nil {
			t.Fatal(err)
		}
		inA2, _, err := w.s.CreateToken(ctx, access.Actor{UserID: u.UserID, OrgID: u.OrgID, BaseID: w.a2.ID, Role: access.Coordinator}, "a2", pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a2.ID, access.Viewer); err != nil {
			t.Fatal(err)
		}
		p, err := w.s.TokenPrincipal(ctx, inA2)
		if err != nil || p.Actor.Role != access.Viewer || p.Actor.BaseID != w.a2.ID || p.BaseName != "Dunkirk kitchen" ||
			len(p.Memberships) != 1 || p.Memberships[0].BaseID != w.a2.ID {
			t.Fatalf("token after a role change: %+v, %v", p, err)
		}
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.TokenPrincipal(ctx, inA1)
		wantErr(t, err, apperr.Unauthorized, "error.unauthorized")
		if _, err := w.s.TokenPrincipal(ctx, inA2); err != nil {
			t.Fatalf("the token of the base where the role stays: %v", err)
		}
	})
}

// Minting a token asks for the password again; a wrong one is refused at
// the field and changes nothing.
func TestCreateTokenNeedsPassword(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := w.user(w.adminA, "wh@calais.example", access.Warehouse)
		before := w.snapshot()
		for _, bad := range []string{"", "not my password", pw + " ", strings.Repeat("x", 5000)} {
			_, _, err := w.s.CreateToken(ctx, u, "phone", bad)
			wantErr(t, err, apperr.Invalid, "error.password_wrong")
			if f := apperr.FieldOf(err); f != "password" {
				t.Fatalf("%v is about field %q; want password", err, f)
			}
		}
		w.unchanged(before, "token refused for a wrong password")
		if _, _, err := w.s.CreateToken(ctx, u, "phone", pw); err != nil {
			t.Fatal(err)
		}
	})
}

// A token's last use is stored at most once a minute: the common request
// only reads.
func TestTokenLastUsed(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		secret, tok, err := w.s.CreateToken(ctx, w.adminA, "cli", pw)
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			list, err := w.s.Tokens(ctx, w.adminA)
			if err != nil || len(list) != 1 || list[0].ID != tok.ID {
				t.Fatalf("Tokens = %+v, %v", list, err)
			}
			return list[0].LastUsedAt
		}
		if !lastUsed().IsZero() {
			t.Fatal("a token never used shows a last use")
		}
		use := func() {
			if _, err := w.s.TokenPrincipal(ctx, secret); err != nil {
				t.Fatal(err)
			}
		}
		use()
		w.clk.Advance(30 * time.Second)
		use()
		if got := lastUsed(); !got.Equal(t0) {
			t.Fatalf("last used %v; want %v (not rewritten within a minute)", got, t0)
		}
		w.clk.Advance(31 * time.Second)
		use()
		if got := lastUsed(); !got.Equal(t0.Add(61 * time.Second)) {
			t.Fatalf("last used %v; want %v", got, t0.Add(61*time.Second))
		}
	})
}

func ledgerHistory(w *world, entity string, id int64) ([]string, error) {
	es, err := ledger.History(ctx, w.d, w.orgA.ID, entity, id, 0)
	var out []string
	for _, e := range es {
		out = append(out, e.Kind+" "+string(e.Payload))
	}
	return out, err
}
