package account

import (
	"abri/internal/access"
	"abri/internal/ledger"
)

// The ledger events of accounts (docs/ledger.md). They hold ids and roles,
// never a person's email, name or password: the ledger outlives erasure.

// OrganisationCreated starts an organisation's chain.
type OrganisationCreated struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// BaseCreated adds a base; the event's base is the new base. TimeZone
// (version 2 on; nil before, when every base was in UTC) is its IANA zone.
type BaseCreated struct {
	Name     string  `json:"name"`
	TimeZone *string `json:"time_zone,omitempty"`
}

// BaseTimeZoneSet gives the event's base another IANA time zone.
type BaseTimeZoneSet struct {
	TimeZone string `json:"time_zone"`
}

// UserCreated adds a user with a role in one base; Lang (version 2 on, nil
// before) is the language they were given.
type UserCreated struct {
	BaseID int64       `json:"base_id"`
	Role   access.Role `json:"role"`
	Lang   *string     `json:"lang,omitempty"`
}

// UserInvited follows UserCreated when the user sets a password by link.
type UserInvited struct{}

// UserRoleSet gives a user a role in a base; an empty role removes them.
type UserRoleSet struct {
	BaseID int64       `json:"base_id"`
	Role   access.Role `json:"role"`
}

// UserDisabled and UserEnabled switch a user's access off and on.
type (
	UserDisabled struct{}
	UserEnabled  struct{}
)

// UserPasswordChanged records that a password was set, never which.
type UserPasswordChanged struct{}

// UserLanguageSet is the user's choice of language ("" follows the browser).
type UserLanguageSet struct {
	Lang string `json:"lang"`
}

// UserSessionsEnded is "sign out everywhere".
type UserSessionsEnded struct{}

// TokenCreated and TokenRevoked are about one API token (the event's entity).
type TokenCreated struct {
	UserID int64 `json:"user_id"`
}

// TokenRevoked ends a token; Reason says why (one of the Reason…
// constants). An empty reason was not recorded: the event was written before
// reasons were kept, when only the owner could revoke a token. (The field was
// added without a new version because the ledger cannot store versions other
// than 1 yet; its absence means exactly that.)
type TokenRevoked struct {
	Reason string `json:"reason,omitempty"`
}

func (OrganisationCreated) EventKind() string { return "organisation.created" }
func (BaseCreated) EventKind() string         { return "base.created" }
func (BaseTimeZoneSet) EventKind() string     { return "base.time_zone_set" }
func (UserCreated) EventKind() string         { return "user.created" }
func (UserInvited) EventKind() string         { return "user.invited" }
func (UserRoleSet) EventKind() string         { return "user.role_set" }
func (UserDisabled) EventKind() string        { return "user.disabled" }
func (UserEnabled) EventKind() string         { return "user.enabled" }
func (UserPasswordChanged) EventKind() string { return "user.password_changed" }
func (UserLanguageSet) EventKind() string     { return "user.language_set" }
func (UserSessionsEnded) EventKind() string   { return "user.sessions_ended" }
func (TokenCreated) EventKind() string        { return "token.created" }
func (TokenRevoked) EventKind() string        { return "token.revoked" }

func (OrganisationCreated) EventVersion() int { return 1 }
func (BaseCreated) EventVersion() int         { return 2 }
func (BaseTimeZoneSet) EventVersion() int     { return 1 }
func (UserCreated) EventVersion() int         { return 2 }
func (UserInvited) EventVersion() int         { return 1 }
func (UserRoleSet) EventVersion() int         { return 1 }
func (UserDisabled) EventVersion() int        { return 1 }
func (UserEnabled) EventVersion() int         { return 1 }
func (UserPasswordChanged) EventVersion() int { return 1 }
func (UserLanguageSet) EventVersion() int     { return 1 }
func (UserSessionsEnded) EventVersion() int   { return 1 }
func (TokenCreated) EventVersion() int        { return 1 }
func (TokenRevoked) EventVersion() int        { return 1 }

func init() {
	ledger.Register[OrganisationCreated]()
	ledger.Register[BaseCreated](1)
	ledger.Register[BaseTimeZoneSet]()
	ledger.Register[UserCreated](1)
	ledger.Register[UserInvited]()
	ledger.Register[UserRoleSet]()
	ledger.Register[UserDisabled]()
	ledger.Register[UserEnabled]()
	ledger.Register[UserPasswordChanged]()
	ledger.Register[UserLanguageSet]()
	ledger.Register[UserSessionsEnded]()
	ledger.Register[TokenCreated]()
	ledger.Register[TokenRevoked]()
}
