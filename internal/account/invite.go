package account

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invite adds a user without a password and returns a one-time secret for the
// link (/invite/{secret}) through which they choose one. The administrator
// passes the link on; abri sends no email.
func (s *Service) Invite(ctx context.Context, actor access.Actor, nu NewUser) (User, string, error) {
	nu.Password = ""
	secret := randomToken(24)
	var u User
	err := s.DB.InTx(ctx, func(tx *db.Tx) (err error) {
		if u, err = s.addUser(ctx, tx, actor, nu); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO invitations (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash(secret), u.ID, db.Micros(tx.Now), db.Micros(tx.Now.Add(InvitationTTL))); err != nil {
			return fmt.Errorf("invite: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "user", u.ID, UserInvited{})
		return err
	})
	if err != nil {
		return User{}, "", err
	}
	return u, secret, nil
}

// Invitation checks an invitation secret and returns whom it is for.
func (s *Service) Invitation(ctx context.Context, secret string) (User, error) {
	var uid int64
	err := s.DB.QueryRow(ctx, "SELECT user_id FROM invitations WHERE token_hash = ? AND used_at = 0 AND expires_at > ?",
		tokenHash(secret), db.Micros(s.DB.Clock.Now())).Scan(&uid)
	if db.IsNoRows(err) {
		return User{}, apperr.New(apperr.NotFound, "error.invitation_invalid")
	}
	if err != nil {
		return User{}, fmt.Errorf("read invitation: %w", err)
	}
	u, err := scanUser(s.DB.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", uid))
	if err != nil {
		return User{}, fmt.Errorf("read invitation: %w", err)
	}
	if u.Disabled {
		return User{}, apperr.New(apperr.NotFound, "error.invitation_invalid")
	}
	return u, nil
}

// AcceptInvitation sets the invited user's password and uses up the link.
func (s *Service) AcceptInvitation(ctx context.Context, secret, password string) (User, error) {
	u, err := s.Invitation(ctx, secret)
	if err != nil {
		return User{}, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	// Setting the password ends the user's sessions and tokens: through
	// changePrincipals, so no cached token sign-in outlives it.
	err = s.changePrincipals(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at = 0", db.Micros(tx.Now), tokenHash(secret))
		if err != nil {
			return fmt.Errorf("accept invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "error.invitation_invalid")
		}
		return setPassword(ctx, tx, access.Actor{UserID: u.ID, OrgID: u.OrgID}, u.ID, hash, nil)
	})
	u.HasPassword = err == nil
	return u, err
}
