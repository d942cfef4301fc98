// Package account holds organisations, bases, users and their roles, login
// sessions and personal API tokens. Every call that changes something takes the
// acting user, checks the policy in internal/access, stays inside the actor's
// organisation, and writes its ledger event in the same transaction.
package account

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Organisation is one aid group.
type Organisation struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// Base is one place an organisation works from (a warehouse, a kitchen).
type Base struct {
	ID       int64
	OrgID    int64
	Name     string
	TimeZone string // IANA name; times for the base's people are shown in it
}

// User is a volunteer's account.
type User struct {
	ID          int64
	OrgID       int64
	Email       string
	Name        string
	Lang        string
	Disabled    bool
	HasPassword bool
	CreatedAt   time.Time
}

// Membership is a user's role in one base.
type Membership struct {
	BaseID       int64
	BaseName     string
	BaseTimeZone string
	Role         access.Role
}

// Service is the account store.
type Service struct {
	DB       *db.DB
	Throttle *Throttle
	// SessionIdle and SessionMax bound a session's life.
	SessionIdle time.Duration
	SessionMax  time.Duration

	// PasswordChecks counts the password hashes computed to check someone's
	// password (sign-in, password change, token minting): what the throttle
	// bounds.
	PasswordChecks atomic.Int64
	tokens         tokenCache // API token sign-ins, see TokenPrincipal
	beforeCheck    func()     // tests: runs before each check
}

// New returns a Service with the default limits: five sign-in attempts per
// account and thirty per address within a minute (a successful one given
// back), sessions that end after 14
// days idle or 90 days in all.
func New(d *db.DB) *Service {
	return &Service{
		DB:          d,
		Throttle:    NewThrottle(d, time.Minute, 5, 30),
		SessionIdle: 14 * 24 * time.Hour,
		SessionMax:  90 * 24 * time.Hour,
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,40}$`)

// CreateOrganisation makes an organisation with its first base. It is a
// system operation (command line, demo); the first ledger entry of the new
// chain records it.
func (s *Service) CreateOrganisation(ctx context.Context, slug, name, baseName string) (Organisation, Base, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	name, baseName = strings.TrimSpace(name), strings.TrimSpace(baseName)
	if !slugRE.MatchString(slug) {
		return Organisation{}, Base{}, apperr.New(apperr.Invalid, "error.slug_invalid")
	}
	if err := checkName(name); err != nil {
		return Organisation{}, Base{}, err
	}
	if err := checkName(baseName); err != nil {
		return Organisation{}, Base{}, err
	}
	var o Organisation
	var b Base
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES (?, ?, ?)", slug, name, db.Micros(tx.Now))
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "error.slug_taken")
		}
		if err != nil {
			return fmt.Errorf("create organisation: %w", err)
		}
		o = Organisation{ID: id, Slug: slug, Name: name, CreatedAt: tx.Now}
		if _, err := ledger.Append(ctx, tx, access.SystemActor(id, 0), "organisation", id,
			OrganisationCreated{Slug: slug, Name: name}); err != nil {
			return err
		}
		b, err = createBase(ctx, tx, access.SystemActor(id, 0), baseName)
		return err
	})
	return o, b, err
}

// CreateBase adds a base to the actor's organisation.
func (s *Service) CreateBase(ctx context.Context, actor access.Actor, name string) (Base, error) {
	if err := actor.Require(access.ManageUsers); err != nil {
		return Base{}, err
	}
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return Base{}, err
	}
	var b Base
	err := s.DB.InTx(ctx, func(tx *db.Tx) (err error) {
		b, err = createBase(ctx, tx, actor, name)
		return err
	})
	return b, err
}

func createBase(ctx context.Context, tx *db.Tx, actor access.Actor, name string) (Base, error) {
	zone := DefaultTimeZone
	id, err := tx.InsertID(ctx, "INSERT INTO bases (org_id, name, time_zone, created_at) VALUES (?, ?, ?, ?)", actor.OrgID, name, zone, db.Micros(tx.Now))
	if db.IsUniqueViolation(err) {
		return Base{}, apperr.New(apperr.Conflict, "error.base_taken")
	}
	if err != nil {
		return Base{}, fmt.Errorf("create base: %w", err)
	}
	a := actor
	a.BaseID = id
	if _, err := ledger.Append(ctx, tx, a, "base", id, BaseCreated{Name: name, TimeZone: &zone}); err != nil {
		return Base{}, err
	}
	return Base{ID: id, OrgID: actor.OrgID, Name: name, TimeZone: zone}, nil
}

func checkName(s string) error {
	if s == "" {
		return apperr.New(apperr.Invalid, "error.name_required")
	}
	if utf8.RuneCountInString(s) > 100 || !utf8.ValidString(s) {
		return apperr.New(apperr.Invalid, "error.name_long")
	}
	return nil
}

// Organisation returns the actor's organisation.
func (s *Service) Organisation(ctx context.Context, actor access.Actor) (Organisation, error) {
	return s.organisation(ctx, "id = ?", actor.OrgID)
}

// OrganisationBySlug finds an organisation for the command line.
func (s *Service) OrganisationBySlug(ctx context.Context, slug string) (Organisation, error) {
	return s.organisation(ctx, "slug = ?", strings.ToLower(strings.TrimSpace(slug)))
}

func (s *Service) organisation(ctx context.Context, where string, arg any) (Organisation, error) {
	var o Organisation
	var at int64
	err := s.DB.QueryRow(ctx, "SELECT id, slug, name, created_at FROM organisations WHERE "+where, arg).Scan(&o.ID, &o.Slug, &o.Name, &at)
	if db.IsNoRows(err) {
		return o, apperr.ErrNotFound()
	}
	if err != nil {
		return o, fmt.Errorf("read organisation: %w", err)
	}
	o.CreatedAt = db.FromMicros(at)
	return o, nil
}

// Bases lists the bases of the actor's organisation.
func (s *Service) Bases(ctx context.Context, actor access.Actor) ([]Base, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, org_id, name, time_zone FROM bases WHERE org_id = ? ORDER BY name", actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list bases: %w", err)
	}
	defer rows.Close()
	var bs []Base
	for rows.Next() {
		var b Base
		if err := rows.Scan(&b.ID, &b.OrgID, &b.Name, &b.TimeZone); err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, rows.Err()
}

// Base returns one base of the actor's organisation.
func (s *Service) Base(ctx context.Context, actor access.Actor, id int64) (Base, error) {
	b := Base{ID: id, OrgID: actor.OrgID}
	err := s.DB.QueryRow(ctx, "SELECT name, time_zone FROM bases WHERE id = ? AND org_id = ?", id, actor.OrgID).Scan(&b.Name, &b.TimeZone)
	if db.IsNoRows(err) {
		return b, apperr.ErrNotFound()
	}
	return b, err
}

// NormaliseEmail trims and lower-cases an email and checks its form.
func NormaliseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 || s == "" {
		return "", apperr.New(apperr.Invalid, "error.email_invalid")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", apperr.New(apperr.Invalid, "error.email_invalid")
	}
	return s, nil
}

const userCols = "id, org_id, email, display_name, lang, disabled, password_hash <> '', created_at"

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var at int64
	err := sc.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Lang, &u.Disabled, &u.HasPassword, &at)
	u.CreatedAt = db.FromMicros(at)
	return u, err
}

// User returns one user of the actor's organisation. Anyone may read their own
// account; reading others' needs ManageUsers.
func (s *Service) User(ctx context.Context, actor access.Actor, id int64) (User, error) {
	if id != actor.UserID {
		if err := actor.Require(access.ManageUsers); err != nil {
			return User{}, err
		}
	}
	u, err := scanUser(s.DB.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ? AND org_id = ?", id, actor.OrgID))
	if db.IsNoRows(err) {
		return u, apperr.ErrNotFound()
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user for the command line, across organisations.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(s.DB.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE email = ?", email))
	if db.IsNoRows(err) {
		return u, apperr.ErrNotFound()
	}
	return u, err
}

// UserRow is a user with their roles, for the administrator's list.
type UserRow struct {
	User
	Memberships []Membership
}

// Users lists the users of the actor's organisation with their roles.
func (s *Service) Users(ctx context.Context, actor access.Actor) ([]UserRow, error) {
	if err := actor.Require(access.ManageUsers); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, "SELECT "+userCols+" FROM users WHERE org_id = ? ORDER BY display_name, id", actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var us []UserRow
	idx := map[int64]int{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[u.ID] = len(us)
		us = append(us, UserRow{User: u})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mrows, err := s.DB.Query(ctx, `SELECT m.user_id, m.base_id, b.name, m.role FROM memberships m
		JOIN bases b ON b.id = m.base_id WHERE m.org_id = ? ORDER BY b.name`, actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var uid int64
		var m Membership
		if err := mrows.Scan(&uid, &m.BaseID, &m.BaseName, &m.Role); err != nil {
			return nil, err
		}
		if i, ok := idx[uid]; ok {
			us[i].Memberships = append(us[i].Memberships, m)
		}
	}
	return us, mrows.Err()
}

// Memberships lists a user's roles, by base name.
func (s *Service) Memberships(ctx context.Context, q db.Queryer, userID int64) ([]Membership, error) {
	rows, err := q.Query(ctx, `SELECT m.base_id, b.name, b.time_zone, m.role FROM memberships m
		JOIN bases b ON b.id = m.base_id WHERE m.user_id = ? ORDER BY b.name, b.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer rows.Close()
	var ms []Membership
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.BaseID, &m.BaseName, &m.BaseTimeZone, &m.Role); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// NewUser is what an administrator gives to add a user.
type NewUser struct {
	Email    string
	Name     string
	Password string // empty: the user sets one through an invitation
	Lang     string
	BaseID   int64
	Role     access.Role

	passwordHash string // set by AddUser outside the transaction
}

// AddUser creates a user with a role in one base of the actor's organisation.
func (s *Service) AddUser(ctx context.Context, actor access.Actor, nu NewUser) (User, error) {
	if err := actor.Require(access.ManageUsers); err != nil {
		return User{}, err
	}
	// Hash before the transaction: on SQLite every other writer would wait
	// for the 30 ms of argon2 otherwise.
	if nu.Password != "" {
		if err := ValidatePassword(nu.Password); err != nil {
			return User{}, err
		}
		h, err := HashPassword(nu.Password)
		if err != nil {
			return User{}, err
		}
		nu.passwordHash = h
	}
	var u User
	err := s.DB.InTx(ctx, func(tx *db.Tx) (err error) {
		u, err = s.addUser(ctx, tx, actor, nu)
		return err
	})
	return u, err
}

func (s *Service) addUser(ctx context.Context, tx *db.Tx, actor access.Actor, nu NewUser) (User, error) {
	if err := actor.Require(access.ManageUsers); err != nil {
		return User{}, err
	}
	email, err := NormaliseEmail(nu.Email)
	if err != nil {
		return User{}, err
	}
	name := strings.TrimSpace(nu.Name)
	if err := checkName(name); err != nil {
		return User{}, err
	}
	if _, err := access.ParseRole(string(nu.Role)); err != nil {
		return User{}, err
	}
	if nu.Lang != "" && !validLang(nu.Lang) {
		return User{}, apperr.New(apperr.Invalid, "error.lang_unknown")
	}
	hash := nu.passwordHash
	if err := baseInOrg(ctx, tx, actor.OrgID, nu.BaseID); err != nil {
		return User{}, err
	}
	id, err := tx.InsertID(ctx, `INSERT INTO users (org_id, email, display_name, password_hash, lang, created_at, password_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, email, name, hash, nu.Lang, db.Micros(tx.Now), db.Micros(tx.Now))
	if db.IsUniqueViolation(err) {
		return User{}, apperr.New(apperr.Conflict, "error.email_taken")
	}
	if err != nil {
		return User{}, fmt.Errorf("add user: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO memberships (user_id, base_id, org_id, role) VALUES (?, ?, ?, ?)", id, nu.BaseID, actor.OrgID, string(nu.Role)); err != nil {
		return User{}, fmt.Errorf("add user: membership: %w", err)
	}
	// The ledger is append-only and outlives erasure: it holds ids and roles,
	// never a user's email or name.
	if _, err := ledger.Append(ctx, tx, actor, "user", id,
		UserCreated{BaseID: nu.BaseID, Role: nu.Role, Lang: &nu.Lang}); err != nil {
		return User{}, err
	}
	return User{ID: id, OrgID: actor.OrgID, Email: email, Name: name, Lang: nu.Lang, HasPassword: hash != "", CreatedAt: tx.Now}, nil
}

func baseInOrg(ctx context.Context, q db.Queryer, orgID, baseID int64) error {
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM bases WHERE id = ? AND org_id = ?", baseID, orgID).Scan(&one)
	if db.IsNoRows(err) {
		return apperr.ErrNotFound()
	}
	return err
}

// userInOrg checks that a user belongs to the organisation; another
// organisation's user is "not found".
func userInOrg(ctx context.Context, q db.Queryer, orgID, userID int64) error {
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM users WHERE id = ? AND org_id = ?", userID, orgID).Scan(&one)
	if db.IsNoRows(err) {
		return apperr.ErrNotFound()
	}
	return err
}

// SetRole gives a user a role in a base, or removes them from it when role is
// empty. An administrator cannot remove their own admin role, so an
// organisation is never left without one by accident. Removing a role ends the
// user's sessions in that base and revokes their API tokens there; removing
// the last one ends every session and revokes every token.
func (s *Service) SetRole(ctx context.Context, actor access.Actor, userID, baseID int64, role access.Role) error {
	if err := actor.Require(access.ManageUsers); err != nil {
		return err
	}
	if role != "" {
		if _, err := access.ParseRole(string(role)); err != nil {
			return err
		}
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if err := userInOrg(ctx, tx, actor.OrgID, userID); err != nil {
			return err
		}
		if err := baseInOrg(ctx, tx, actor.OrgID, baseID); err != nil {
			return err
		}
		if userID == actor.UserID && baseID == actor.BaseID && role != access.Admin {
			return apperr.New(apperr.Invalid, "error.own_admin_role")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM memberships WHERE user_id = ? AND base_id = ?", userID, baseID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		if role != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO memberships (user_id, base_id, org_id, role) VALUES (?, ?, ?, ?)", userID, baseID, actor.OrgID, string(role)); err != nil {
				return fmt.Errorf("set role: %w", err)
			}
		}
		if _, err := ledger.Append(ctx, tx, actor, "user", userID, UserRoleSet{BaseID: baseID, Role: role}); err != nil {
			return err
		}
		if role != "" {
			return nil
		}
		var left int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE user_id = ?", userID).Scan(&left); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		if left == 0 {
			return endTrust(ctx, tx, actor, userID, nil, ReasonLastRoleRemoved)
		}
		// Sessions and tokens sitting in the removed base end.
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND base_id = ?", userID, baseID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return revokeTokens(ctx, tx, actor, userID, baseID, ReasonRoleRemoved)
	})
}

// SetDisabled disables or re-enables a user. Disabling ends every session and
// revokes every API token at once; enabling brings none of them back.
func (s *Service) SetDisabled(ctx context.Context, actor access.Actor, userID int64, disabled bool) error {
	if err := actor.Require(access.ManageUsers); err != nil {
		return err
	}
	if userID == actor.UserID && disabled {
		return apperr.New(apperr.Invalid, "error.disable_self")
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if err := userInOrg(ctx, tx, actor.OrgID, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET disabled = ? WHERE id = ? AND org_id = ?", disabled, userID, actor.OrgID); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		var event ledger.Payload = UserEnabled{}
		if disabled {
			event = UserDisabled{}
		}
		if _, err := ledger.Append(ctx, tx, actor, "user", userID, event); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		return endTrust(ctx, tx, actor, userID, nil, ReasonUserDisabled)
	})
}

// Why a token was revoked, as its token.revoked ledger event says.
const (
	ReasonByOwner         = "by_owner"
	ReasonPasswordChanged = "password_changed"
	ReasonSignedOut       = "signed_out_everywhere"
	ReasonUserDisabled    = "user_disabled"
	ReasonRoleRemoved     = "role_removed"
	ReasonLastRoleRemoved = "last_role_removed"
)

// endTrust ends every session of a user but keepSession (nil: all of them)
// and revokes every API token of theirs: what a password change, signing out
// everywhere, disabling and removing the last role have in common.
func endTrust(ctx context.Context, tx *db.Tx, actor access.Actor, userID int64, keepSession []byte, reason string) error {
	if keepSession == nil {
		keepSession = []byte{}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", userID, keepSession); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return revokeTokens(ctx, tx, actor, userID, 0, reason)
}

// revokeTokens revokes a user's live API tokens (only those of one base when
// baseID is not 0), each with its token.revoked event saying why.
func revokeTokens(ctx context.Context, tx *db.Tx, actor access.Actor, userID, baseID int64, reason string) error {
	q := "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0"
	args := []any{db.Micros(tx.Now), userID}
	if baseID != 0 {
		q += " AND base_id = ?"
		args = append(args, baseID)
	}
	rows, err := tx.Query(ctx, q+" RETURNING id", args...)
	if err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("revoke tokens: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	slices.Sort(ids) // the ledger's order must not depend on the database's
	for _, id := range ids {
		if _, err := ledger.Append(ctx, tx, actor, "api_token", id, TokenRevoked{Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// SetPassword sets a user's password for an administrator or the command line,
// ends all their sessions and revokes their API tokens.
func (s *Service) SetPassword(ctx context.Context, actor access.Actor, userID int64, pw string) error {
	if err := actor.Require(access.ManageUsers); err != nil {
		return err
	}
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if err := userInOrg(ctx, tx, actor.OrgID, userID); err != nil {
			return err
		}
		return setPassword(ctx, tx, actor, userID, hash, nil)
	})
}

// setPassword stores a new password hash, ends every session but keepSession
// and revokes every API token: whoever knew the old password may have made
// one.
func setPassword(ctx context.Context, tx *db.Tx, actor access.Actor, userID int64, hash string, keepSession []byte) error {
	if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?", hash, db.Micros(tx.Now), userID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "user", userID, UserPasswordChanged{}); err != nil {
		return err
	}
	return endTrust(ctx, tx, actor, userID, keepSession, ReasonPasswordChanged)
}

// ChangePassword changes the actor's own password after checking the current
// one. Every other session of the user ends, the one making the change stays;
// every API token of theirs is revoked. Guesses at the current password are
// throttled like sign-ins: someone holding a stolen session must not guess it
// here faster than at the sign-in form.
func (s *Service) ChangePassword(ctx context.Context, actor access.Actor, sessionToken, current, next string) error {
	if actor.UserID == 0 {
		return apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	// The new password's form first: a short one says so without using up
	// a guess at the current one.
	if err := ValidatePassword(next); err != nil {
		return err
	}
	res, err := s.confirmPassword(ctx, actor, current, "current")
	if err != nil {
		return err
	}
	nh, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if err := s.Throttle.release(ctx, tx, res); err != nil {
			return err
		}
		return setPassword(ctx, tx, actor, actor.UserID, nh, tokenHash(sessionToken))
	})
}

// confirmPassword checks the actor's current password, asked again before a
// sensitive change, through the throttle: a wrong one is Invalid
// ("error.password_wrong"), too many guesses TooMany, both about the named
// input field. The caller gives the reservation back in the transaction that
// makes the change.
func (s *Service) confirmPassword(ctx context.Context, actor access.Actor, pw, field string) (reservation, error) {
	res, err := s.Throttle.reserve(ctx, s.Throttle.passwordKeys(actor.UserID))
	if err != nil {
		if e := apperr.As(err); e.Code == apperr.TooMany {
			return reservation{}, e.At(field)
		}
		return reservation{}, err
	}
	var hash string
	if err := s.DB.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = ? AND org_id = ?", actor.UserID, actor.OrgID).Scan(&hash); err != nil {
		return reservation{}, fmt.Errorf("check password: %w", err)
	}
	if len(pw) > 4*MaxPasswordLen {
		pw = pw[:4*MaxPasswordLen]
	}
	if !s.checkPassword(hash, pw) {
		return reservation{}, apperr.New(apperr.Invalid, "error.password_wrong").At(field)
	}
	return res, nil
}

// Languages abri speaks; a user's setting must be one of them (or empty).
var Languages = []string{"en", "fr", "ar"}

func validLang(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

// SetLanguage stores the actor's language; empty means "from the browser".
func (s *Service) SetLanguage(ctx context.Context, actor access.Actor, lang string) error {
	if lang != "" && !validLang(lang) {
		return apperr.New(apperr.Invalid, "error.lang_unknown")
	}
	return s.changePrincipals(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET lang = ? WHERE id = ? AND org_id = ?", lang, actor.UserID, actor.OrgID); err != nil {
			return fmt.Errorf("set language: %w", err)
		}
		_, err := ledger.Append(ctx, tx, actor, "user", actor.UserID, UserLanguageSet{Lang: lang})
		return err
	})
}
