package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise.
const TokenPrefix = "abri_"

// Token is a personal API token as listed; the secret itself is never stored.
type Token struct {
	ID         int64
	Name       string
	Prefix     string // the first characters, to tell tokens apart
	BaseID     int64
	BaseName   string
	CreatedAt  time.Time
	LastUsedAt time.Time
	Revoked    bool
}

// CreateToken makes a personal API token acting as the actor in the actor's
// current base. The returned secret is shown once.
func (s *Service) CreateToken(ctx context.Context, actor access.Actor, name string) (string, Token, error) {
	if err := actor.Require(access.ManageOwnTokens); err != nil {
		return "", Token{}, err
	}
	if actor.UserID == 0 {
		return "", Token{}, apperr.New(apperr.Invalid, "error.token_needs_user")
	}
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return "", Token{}, err
	}
	secret := TokenPrefix + randomToken(24)
	t := Token{Name: name, Prefix: secret[:len(TokenPrefix)+6], BaseID: actor.BaseID}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, org_id, base_id, name, prefix, token_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, actor.UserID, actor.OrgID, actor.BaseID, name, t.Prefix, tokenHash(secret), db.Micros(tx.Now))
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		t.ID, t.CreatedAt = id, tx.Now
		_, err = ledger.Append(ctx, tx, actor, "api_token", id, TokenCreated{UserID: actor.UserID})
		return err
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Tokens lists the actor's own tokens, newest first.
func (s *Service) Tokens(ctx context.Context, actor access.Actor) ([]Token, error) {
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.name, t.prefix, t.base_id, b.name, t.created_at, t.last_used_at, t.revoked_at <> 0
		FROM api_tokens t JOIN bases b ON b.id = t.base_id
		WHERE t.user_id = ? AND t.org_id = ? ORDER BY t.id DESC`, actor.UserID, actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var ts []Token
	for rows.Next() {
		var t Token
		var c, u int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &t.BaseID, &t.BaseName, &c, &u, &t.Revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt = db.FromMicros(c), db.FromMicros(u)
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// RevokeToken revokes one of the actor's own tokens.
func (s *Service) RevokeToken(ctx context.Context, actor access.Actor, id int64) error {
	if err := actor.Require(access.ManageOwnTokens); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND org_id = ? AND revoked_at = 0",
			db.Micros(tx.Now), id, actor.UserID, actor.OrgID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrNotFound()
		}
		_, err = ledger.Append(ctx, tx, actor, "api_token", id, TokenRevoked{})
		return err
	})
}

// TokenPrincipal resolves a bearer token. Unknown, revoked, or belonging to
// a disabled user or a user who lost the role: Unauthorized.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.unauthorized")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return Principal{}, unauth
	}
	var id, uid, baseID, used, revoked int64
	err := s.DB.QueryRow(ctx, "SELECT id, user_id, base_id, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?", tokenHash(secret)).
		Scan(&id, &uid, &baseID, &used, &revoked)
	if db.IsNoRows(err) || err == nil && revoked != 0 {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, fmt.Errorf("read token: %w", err)
	}
	p, err := s.principal(ctx, uid, baseID)
	if err != nil {
		return p, err
	}
	now := s.DB.Clock.Now()
	if now.Sub(db.FromMicros(used)) > time.Minute {
		if _, err := s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", db.Micros(now), id); err != nil {
			return p, fmt.Errorf("touch token: %w", err)
		}
	}
	return p, nil
}
