package account

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Session is a signed-in browser.
type Session struct {
	Token     string // the cookie value; only its hash is stored
	UserID    int64
	BaseID    int64
	ExpiresAt time.Time
}

// Login checks an email and password and opens a session in the user's first
// base. A wrong password, an unknown email, a disabled account and an account
// without a role all give the same error after the same amount of work.
//
// The attempt is counted (Throttle) before anything is checked, so attempts
// in flight count too: past five within a minute for one account, or thirty
// from one address, it answers TooMany without checking the password, right
// or wrong, until the window has passed.
func (s *Service) Login(ctx context.Context, email, password, address string) (Session, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	res, err := s.Throttle.reserve(ctx, s.Throttle.signinKeys(key, address))
	if err != nil {
		return Session{}, err
	}
	bad := apperr.New(apperr.Unauthorized, "error.login_failed")
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen]
	}
	var uid int64
	var hash string
	var disabled bool
	err = s.DB.QueryRow(ctx, "SELECT id, password_hash, disabled FROM users WHERE email = ?", key).Scan(&uid, &hash, &disabled)
	if err != nil && !db.IsNoRows(err) {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	ok := s.checkPassword(hash, password) // runs the dummy hash when unknown
	if !ok || disabled || uid == 0 {
		return Session{}, bad
	}
	ms, err := s.Memberships(ctx, s.DB, uid)
	if err != nil {
		return Session{}, err
	}
	if len(ms) == 0 {
		return Session{}, bad
	}
	sess := Session{Token: randomToken(32), UserID: uid, BaseID: ms[0].BaseID}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Throttle.release(ctx, tx, res); err != nil {
			return err
		}
		sess.ExpiresAt = tx.Now.Add(s.SessionIdle)
		_, err := tx.Exec(ctx, "INSERT INTO sessions (id_hash, user_id, base_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			tokenHash(sess.Token), uid, sess.BaseID, db.Micros(tx.Now), db.Micros(tx.Now), db.Micros(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("login: open session: %w", err)
	}
	return sess, nil
}

// Principal is who a session or token belongs to, with what the screens
// need to show around every page.
type Principal struct {
	Actor    access.Actor
	User     User
	OrgName  string
	OrgSlug  string // the organisation's short name, as in its public schedule's address (sessions only)
	BaseName string
	// BaseTimeZone is the IANA zone of the acting base (Location).
	BaseTimeZone string
	Memberships  []Membership
}

// Location is the time zone of the acting base: times shown to its people
// are in it.
func (p *Principal) Location() *time.Location { return Location(p.BaseTimeZone) }

// SessionPrincipal resolves a session cookie. An unknown, expired or revoked
// session, or a disabled user, is Unauthorized. The session's life is
// extended at most once an hour.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.unauthorized")
	if token == "" || len(token) > 100 {
		return Principal{}, unauth
	}
	now := s.DB.Clock.Now()
	var uid, baseID, created, seen, expires int64
	err := s.DB.QueryRow(ctx, "SELECT user_id, base_id, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?", tokenHash(token)).
		Scan(&uid, &baseID, &created, &seen, &expires)
	if db.IsNoRows(err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, fmt.Errorf("read session: %w", err)
	}
	if db.Micros(now) >= expires || now.Sub(db.FromMicros(created)) > s.SessionMax {
		s.DB.Exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", tokenHash(token))
		return Principal{}, unauth
	}
	p, err := s.principal(ctx, uid, baseID)
	if err != nil {
		return p, err
	}
	if now.Sub(db.FromMicros(seen)) > time.Hour {
		if _, err := s.DB.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
			db.Micros(now), db.Micros(now.Add(s.SessionIdle)), tokenHash(token)); err != nil {
			return p, fmt.Errorf("touch session: %w", err)
		}
	}
	return p, nil
}

func (s *Service) principal(ctx context.Context, uid, baseID int64) (Principal, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.unauthorized")
	u, err := scanUser(s.DB.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", uid))
	if db.IsNoRows(err) || err == nil && u.Disabled {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, fmt.Errorf("read user: %w", err)
	}
	ms, err := s.Memberships(ctx, s.DB, uid)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{User: u, Memberships: ms}
	for _, m := range ms {
		if m.BaseID == baseID {
			p.Actor = access.Actor{UserID: uid, OrgID: u.OrgID, BaseID: baseID, Role: m.Role}
			p.BaseName, p.BaseTimeZone = m.BaseName, m.BaseTimeZone
		}
	}
	if p.Actor.UserID == 0 { // the role in that base was taken away
		return Principal{}, unauth
	}
	if err := s.DB.QueryRow(ctx, "SELECT name, slug FROM organisations WHERE id = ?", u.OrgID).Scan(&p.OrgName, &p.OrgSlug); err != nil {
		return Principal{}, fmt.Errorf("read organisation: %w", err)
	}
	return p, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, token string) error {
	if _, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", tokenHash(token)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// LogoutEverywhere ends every session of the actor, this one included, and
// revokes every API token of theirs: the remedy for a lost phone.
func (s *Service) LogoutEverywhere(ctx context.Context, actor access.Actor) error {
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if _, err := ledger.Append(ctx, tx, actor, "user", actor.UserID, UserSessionsEnded{}); err != nil {
			return err
		}
		if err := endTrust(ctx, tx, actor, actor.UserID, nil, ReasonSignedOut); err != nil {
			return fmt.Errorf("logout everywhere: %w", err)
		}
		return nil
	})
}

// SwitchBase moves a session to another base where the user has a role.
// A base of another organisation, or one without a role, is not found.
func (s *Service) SwitchBase(ctx context.Context, actor access.Actor, token string, baseID int64) error {
	var one int
	err := s.DB.QueryRow(ctx, "SELECT 1 FROM memberships WHERE user_id = ? AND base_id = ? AND org_id = ?", actor.UserID, baseID, actor.OrgID).Scan(&one)
	if db.IsNoRows(err) {
		return apperr.ErrNotFound()
	}
	if err != nil {
		return fmt.Errorf("switch base: %w", err)
	}
	if _, err := s.DB.Exec(ctx, "UPDATE sessions SET base_id = ? WHERE id_hash = ? AND user_id = ?", baseID, tokenHash(token), actor.UserID); err != nil {
		return fmt.Errorf("switch base: %w", err)
	}
	return nil
}

// PurgeExpiredSessions deletes sessions past their end; the server runs it
// now and then.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	now := s.DB.Clock.Now()
	res, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR created_at <= ?", db.Micros(now), db.Micros(now.Add(-s.SessionMax)))
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}
