package account

import (
	"context"
	"fmt"
	"slices"
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
// current base, for a person at the screens. Their password is asked again
// (and guesses at it are throttled as on the change-password form): a stolen
// session alone must not be enough to mint a token that outlives it. The
// returned secret is shown once.
func (s *Service) CreateToken(ctx context.Context, actor access.Actor, name, password string) (string, Token, error) {
	name, err := checkTokenRequest(actor, name)
	if err != nil {
		return "", Token{}, err
	}
	res, err := s.confirmPassword(ctx, actor, password, "password")
	if err != nil {
		return "", Token{}, err
	}
	return s.createToken(ctx, actor, name, &res)
}

// IssueToken makes a token without asking for a password, for the command
// line, the demo and tests: whoever runs them holds the database already.
// Never call it from a handler; people go through CreateToken.
func (s *Service) IssueToken(ctx context.Context, actor access.Actor, name string) (string, Token, error) {
	name, err := checkTokenRequest(actor, name)
	if err != nil {
		return "", Token{}, err
	}
	return s.createToken(ctx, actor, name, nil)
}

func checkTokenRequest(actor access.Actor, name string) (string, error) {
	if err := actor.Require(access.ManageOwnTokens); err != nil {
		return "", err
	}
	if actor.UserID == 0 {
		return "", apperr.New(apperr.Invalid, "error.token_needs_user")
	}
	name = strings.TrimSpace(name)
	return name, checkName(name)
}

func (s *Service) createToken(ctx context.Context, actor access.Actor, name string, res *reservation) (string, Token, error) {
	secret := TokenPrefix + randomToken(24)
	t := Token{Name: name, Prefix: secret[:len(TokenPrefix)+6], BaseID: actor.BaseID}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if res != nil {
			if err := s.Throttle.release(ctx, tx, *res); err != nil {
				return err
			}
		}
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
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND org_id = ? AND revoked_at = 0",
			db.Micros(tx.Now), id, actor.UserID, actor.OrgID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrNotFound()
		}
		_, err = ledger.Append(ctx, tx, actor, "api_token", id, TokenRevoked{Reason: ReasonByOwner})
		return err
	})
}

// tokenPrincipalSQL resolves a token to its user, role, base and
// organisation in one statement; a revoked token, a disabled user or a user
// without a role in the token's base finds no row.
const tokenPrincipalSQL = `SELECT t.id, t.last_used_at, t.base_id, ` + tokenUserCols + `, m.role, b.name, b.time_zone, o.name
	FROM api_tokens t
	JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
	JOIN memberships m ON m.user_id = t.user_id AND m.base_id = t.base_id
	JOIN bases b ON b.id = t.base_id
	JOIN organisations o ON o.id = t.org_id
	WHERE t.token_hash = ? AND t.revoked_at = 0 AND NOT u.disabled`

const tokenUserCols = "u.id, u.org_id, u.email, u.display_name, u.lang, u.disabled, u.password_hash <> '', u.created_at"

// TokenTouchEvery is how stale a token's last use may be before a request
// stores the new one: at most one write per token per interval, so the
// common request reads one row and writes nothing.
const TokenTouchEvery = time.Minute

// TokenPrincipal resolves a bearer token: from the in-process cache when this
// token signed in within TokenCacheTTL and nothing that changes principals has
// happened in this process since, else in one statement. Unknown, revoked, or
// belonging to a disabled user or a user without a role in the token's base:
// Unauthorized. A revocation made in this process takes effect on the next
// request (see changePrincipals). The principal's Memberships hold only the
// token's base: a token acts there alone.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.unauthorized")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return Principal{}, unauth
	}
	hash := tokenHash(secret)
	key := [32]byte(hash)
	gen := principalGen.Load()
	e, ok := s.tokens.get(key, gen)
	if !ok {
		var err error
		if e, err = s.readToken(ctx, hash); err != nil {
			return Principal{}, err
		}
		e.gen, e.fetched = gen, time.Now()
		s.tokens.put(key, e)
	}
	now := s.DB.Clock.Now()
	if now.Sub(db.FromMicros(e.used)) >= TokenTouchEvery {
		if _, err := s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at = ?", db.Micros(now), e.id, e.used); err != nil {
			return Principal{}, fmt.Errorf("touch token: %w", err)
		}
		s.tokens.setUsed(key, db.Micros(now))
	}
	p := e.p
	p.Memberships = slices.Clone(p.Memberships)
	return p, nil
}

// readToken reads a token's principal from the database in one statement.
func (s *Service) readToken(ctx context.Context, hash []byte) (cachedToken, error) {
	var e cachedToken
	var at int64
	p := &e.p
	u := &p.User
	var m Membership
	err := s.DB.QueryRow(ctx, tokenPrincipalSQL, hash).Scan(&e.id, &e.used, &m.BaseID,
		&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Lang, &u.Disabled, &u.HasPassword, &at, &m.Role, &m.BaseName, &m.BaseTimeZone, &p.OrgName)
	if db.IsNoRows(err) {
		return cachedToken{}, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	if err != nil {
		return cachedToken{}, fmt.Errorf("read token: %w", err)
	}
	u.CreatedAt = db.FromMicros(at)
	p.Actor = access.Actor{UserID: u.ID, OrgID: u.OrgID, BaseID: m.BaseID, Role: m.Role}
	p.BaseName, p.BaseTimeZone = m.BaseName, m.BaseTimeZone
	p.Memberships = []Membership{m}
	return e, nil
}
