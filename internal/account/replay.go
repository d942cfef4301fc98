package account

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/ledger"
)

// The accounts' projection for `abri verify`: the organisation, its bases,
// its users (disabled, language, roles). A user's email, name and password
// are never in the ledger, so nothing can prove them; a language given
// when the user was made is known only once the user sets one.

func init() {
	ledger.RegisterProjection("account", func() ledger.Projection {
		return &accountReplay{bases: map[int64]*named{}, users: map[int64]*replayedUser{}, roles: map[[2]int64]role{}}
	})
}

type named struct {
	name, slug string
	timeZone   string // bases
	createdAt  int64
	last       ledger.Touch
}

type replayedUser struct {
	disabled  bool
	lang      *string // nil: not recorded
	createdAt int64
	last      ledger.Touch
}

type role struct {
	role access.Role
	last ledger.Touch
}

type accountReplay struct {
	org   *named
	bases map[int64]*named
	users map[int64]*replayedUser
	roles map[[2]int64]role // user, base
}

func (r *accountReplay) Apply(e ledger.Event, p ledger.Payload) {
	t := ledger.TouchOf(e)
	switch p := p.(type) {
	case OrganisationCreated:
		r.org = &named{name: p.Name, slug: p.Slug, createdAt: db.Micros(e.At), last: t}
	case BaseCreated:
		zone := DefaultTimeZone // version 1: every base was in UTC
		if p.TimeZone != nil {
			zone = *p.TimeZone
		}
		r.bases[e.EntityID] = &named{name: p.Name, timeZone: zone, createdAt: db.Micros(e.At), last: t}
	case BaseTimeZoneSet:
		if b := r.bases[e.EntityID]; b != nil {
			b.timeZone, b.last = p.TimeZone, t
		}
	case UserCreated:
		r.users[e.EntityID] = &replayedUser{lang: p.Lang, createdAt: db.Micros(e.At), last: t}
		r.roles[[2]int64{e.EntityID, p.BaseID}] = role{p.Role, t}
	case UserRoleSet:
		k := [2]int64{e.EntityID, p.BaseID}
		if p.Role == "" {
			delete(r.roles, k)
		} else {
			r.roles[k] = role{p.Role, t}
		}
		r.touch(e.EntityID, t)
	case UserDisabled, UserEnabled:
		if u := r.users[e.EntityID]; u != nil {
			_, u.disabled = p.(UserDisabled)
			u.last = t
		}
	case UserLanguageSet:
		if u := r.users[e.EntityID]; u != nil {
			lang := p.Lang
			u.lang, u.last = &lang, t
		}
	case UserPasswordChanged, UserInvited, UserSessionsEnded:
		r.touch(e.EntityID, t)
	}
}

func (r *accountReplay) touch(user int64, t ledger.Touch) {
	if u := r.users[user]; u != nil {
		u.last = t
	}
}

func (r *accountReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	var slug, name string
	var at int64
	err := q.QueryRow(ctx, "SELECT slug, name, created_at FROM organisations WHERE id = ?", org).Scan(&slug, &name, &at)
	row := fmt.Sprintf("organisation %d", org)
	switch {
	case db.IsNoRows(err) && r.org != nil:
		ds.Missing("organisations", row, r.org.last)
	case err != nil && !db.IsNoRows(err):
		return nil, fmt.Errorf("verify organisation: %w", err)
	case r.org == nil && err == nil:
		ds.Unexpected("organisations", row+" ("+slug+")")
	case r.org != nil:
		ds.Col("organisations", row, r.org.last, "slug", r.org.slug, slug)
		ds.Col("organisations", row, r.org.last, "name", r.org.name, name)
		ds.Col("organisations", row, r.org.last, "created_at", r.org.createdAt, at)
	}
	seen := map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, at int64
		var name, zone string
		if err := scan(&id, &name, &zone, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("base %d (%s)", id, name)
		b := r.bases[id]
		if b == nil {
			ds.Unexpected("bases", row)
			return nil
		}
		ds.Col("bases", row, b.last, "name", b.name, name)
		ds.Col("bases", row, b.last, "time_zone", b.timeZone, zone)
		ds.Col("bases", row, b.last, "created_at", b.createdAt, at)
		return nil
	}, "SELECT id, name, time_zone, created_at FROM bases WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify bases: %w", err)
	}
	for id, b := range r.bases {
		if !seen[id] {
			ds.Missing("bases", fmt.Sprintf("base %d (%s)", id, b.name), b.last)
		}
	}
	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, at int64
		var lang string
		var disabled bool
		if err := scan(&id, &disabled, &lang, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("user %d", id) // never the email or name
		u := r.users[id]
		if u == nil {
			ds.Unexpected("users", row)
			return nil
		}
		ds.Col("users", row, u.last, "disabled", u.disabled, disabled)
		if u.lang != nil {
			ds.Col("users", row, u.last, "lang", *u.lang, lang)
		}
		ds.Col("users", row, u.last, "created_at", u.createdAt, at)
		return nil
	}, "SELECT id, disabled, lang, created_at FROM users WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify users: %w", err)
	}
	for id, u := range r.users {
		if !seen[id] {
			ds.Missing("users", fmt.Sprintf("user %d", id), u.last)
		}
	}
	roles := map[[2]int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var k [2]int64
		var got access.Role
		if err := scan(&k[0], &k[1], &got); err != nil {
			return err
		}
		roles[k] = true
		row := fmt.Sprintf("user %d base %d", k[0], k[1])
		want, ok := r.roles[k]
		if !ok {
			ds.Unexpected("memberships", row)
			return nil
		}
		ds.Col("memberships", row, want.last, "role", want.role, got)
		return nil
	}, "SELECT user_id, base_id, role FROM memberships WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify memberships: %w", err)
	}
	for k, want := range r.roles {
		if !roles[k] {
			ds.Missing("memberships", fmt.Sprintf("user %d base %d", k[0], k[1]), want.last)
		}
	}
	return ds, nil
}
