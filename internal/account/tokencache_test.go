package account_test

import (
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
)

// TestTokenCacheRevokesAtOnce signs in with a token twice (the second from
// the cache, which a change behind the service's back shows), then makes each
// change that ends or alters what a token may do through the service: the very
// next sign-in sees it.
func TestTokenCacheRevokesAtOnce(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		// cached signs in with a new token of a new user and returns the
		// user, the token and its id, with the sign-in now in the cache.
		n := 0
		cached := func(role access.Role) (access.Actor, string, int64) {
			t.Helper()
			n++
			u := w.user(w.adminA, "cache"+string(rune('a'+n))+"@calais.example", role)
			secret, tok, err := w.s.IssueToken(ctx, u, "phone")
			if err != nil {
				t.Fatal(err)
			}
			if p := w.tokenPrincipal(secret); p.Actor != u {
				t.Fatalf("principal %+v, want %+v", p.Actor, u)
			}
			return u, secret, tok.ID
		}
		refused := func(secret, after string) {
			t.Helper()
			if _, err := w.s.TokenPrincipal(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("after %s: TokenPrincipal = %v, want Unauthorized", after, err)
			}
		}

		// The cache is used: a revocation written around the service is
		// not seen at once (another process's change waits for the TTL).
		u, secret, id := cached(access.Warehouse)
		if _, err := w.d.Exec(ctx, "UPDATE api_tokens SET revoked_at = 1 WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		if p := w.tokenPrincipal(secret); p.Actor != u {
			t.Fatalf("cached principal %+v", p.Actor)
		}

		// Revoking the token.
		u, secret, id = cached(access.Warehouse)
		if err := w.s.RevokeToken(ctx, u, id); err != nil {
			t.Fatal(err)
		}
		refused(secret, "RevokeToken")

		// Disabling the user.
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.SetDisabled(ctx, w.adminA, u.UserID, true); err != nil {
			t.Fatal(err)
		}
		refused(secret, "SetDisabled")

		// Removing the user's role in the token's base.
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a2.ID, access.Warehouse); err != nil {
			t.Fatal(err)
		}
		if p := w.tokenPrincipal(secret); p.Actor != u {
			t.Fatalf("a role elsewhere changed the token's principal: %+v", p.Actor)
		}
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, ""); err != nil {
			t.Fatal(err)
		}
		refused(secret, "SetRole (removed)")

		// Changing the user's role in the token's base: the next request
		// acts with the new role.
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.SetRole(ctx, w.adminA, u.UserID, w.a1.ID, access.Viewer); err != nil {
			t.Fatal(err)
		}
		if p := w.tokenPrincipal(secret); p.Actor.Role != access.Viewer {
			t.Fatalf("after SetRole the token acts as %q", p.Actor.Role)
		}

		// Setting the user's password (an administrator, or the command line).
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.SetPassword(ctx, w.adminA, u.UserID, "another long password"); err != nil {
			t.Fatal(err)
		}
		refused(secret, "SetPassword")

		// Signing out everywhere.
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.LogoutEverywhere(ctx, u); err != nil {
			t.Fatal(err)
		}
		refused(secret, "LogoutEverywhere")

		// Accepting an invitation sets the password, which ends what the
		// user held before.
		inv, link, err := w.s.Invite(ctx, w.adminA, account.NewUser{Email: "invited@calais.example",
			Name: "Invited", BaseID: w.a1.ID, Role: access.Warehouse})
		if err != nil {
			t.Fatal(err)
		}
		u = access.Actor{UserID: inv.ID, OrgID: inv.OrgID, BaseID: w.a1.ID, Role: access.Warehouse}
		secret, _, err = w.s.IssueToken(ctx, u, "phone")
		if err != nil {
			t.Fatal(err)
		}
		w.tokenPrincipal(secret)
		if _, err := w.s.AcceptInvitation(ctx, link, "a good long password"); err != nil {
			t.Fatal(err)
		}
		refused(secret, "AcceptInvitation")

		// The language a principal carries follows at once too.
		u, secret, _ = cached(access.Warehouse)
		if err := w.s.SetLanguage(ctx, u, "ar"); err != nil {
			t.Fatal(err)
		}
		if p := w.tokenPrincipal(secret); p.User.Lang != "ar" {
			t.Fatalf("after SetLanguage the principal's language is %q", p.User.Lang)
		}
	})
}

func (w *world) tokenPrincipal(secret string) account.Principal {
	w.t.Helper()
	p, err := w.s.TokenPrincipal(ctx, secret)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}
