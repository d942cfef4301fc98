package shop

import (
	"context"
	"fmt"
	"sort"
	"time"

	"abri/internal/access"
	"abri/internal/db"
)

// Share is what one rule leaves a card now.
type Share struct {
	Rule  Rule
	Limit int64 // what the rule allows this card in its period
	Used  int64 // what the card took in the period that ends now
	Left  int64 // Limit - Used, never below 0
	// NextAt is when the next item opens again when none is left now
	// (the oldest checkout that counts leaves the window); zero otherwise.
	NextAt time.Time
}

// Entitlement is what a card may take now: a share per active rule. It
// holds counts only, never the list of what the person took.
type Entitlement struct {
	CardID    int64
	Household int64
	Shares    []Share
}

// use is one line a card took, as the rolling windows count it.
type use struct {
	productID, categoryID, qty int64
	at                         time.Time
}

// usesOf reads the lines a card took since a moment, oldest first.
func usesOf(ctx context.Context, q db.Queryer, actor access.Actor, cardID int64, since time.Time) ([]use, error) {
	rows, err := q.Query(ctx, `SELECT product_id, category_id, quantity, at FROM shop_checkout_lines
		WHERE org_id = ? AND base_id = ? AND card_id = ? AND at > ? ORDER BY at, id`,
		actor.OrgID, actor.BaseID, cardID, db.Micros(since))
	if err != nil {
		return nil, fmt.Errorf("shop uses: %w", err)
	}
	defer rows.Close()
	var out []use
	for rows.Next() {
		var u use
		var at int64
		if err := rows.Scan(&u.productID, &u.categoryID, &u.qty, &at); err != nil {
			return nil, fmt.Errorf("shop uses: %w", err)
		}
		u.at = db.FromMicros(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

func longest(rules []Rule) int64 {
	var n int64
	for _, r := range rules {
		n = max(n, r.PeriodDays)
	}
	return n
}

func days(n int64) time.Duration { return time.Duration(n) * 24 * time.Hour }

// inWindow is the uses a rule counts at now, oldest first.
func inWindow(r Rule, uses []use, now time.Time) []use {
	from := now.Add(-days(r.PeriodDays))
	var out []use
	for _, u := range uses {
		if u.at.After(from) && !u.at.After(now) && r.Covers(u.productID, u.categoryID) {
			out = append(out, u)
		}
	}
	return out
}

// openAt is the first moment at which want more items fit under the rule:
// now when they fit; else when enough of the counted checkouts have left the
// window; ok is false when want is more than the rule ever allows.
func openAt(r Rule, limit int64, counted []use, want int64, now time.Time) (time.Time, bool) {
	if want > limit {
		return time.Time{}, false
	}
	used := int64(0)
	for _, u := range counted {
		used += u.qty
	}
	if used+want <= limit {
		return now, true
	}
	for _, u := range counted {
		used -= u.qty
		if used+want <= limit {
			return u.at.Add(days(r.PeriodDays)), true
		}
	}
	return now, true
}

func shareOf(r Rule, household int64, uses []use, now time.Time) Share {
	s := Share{Rule: r, Limit: r.Limit(household)}
	counted := inWindow(r, uses, now)
	for _, u := range counted {
		s.Used += u.qty
	}
	s.Left = max(0, s.Limit-s.Used)
	if s.Left == 0 {
		s.NextAt, _ = openAt(r, s.Limit, counted, 1, now)
	}
	return s
}

// entitlement is what a card may take at now under the active rules.
func entitlement(ctx context.Context, q db.Queryer, actor access.Actor, cardID, household int64, now time.Time) (Entitlement, error) {
	rules, err := rulesOf(ctx, q, actor, true)
	if err != nil {
		return Entitlement{}, err
	}
	uses, err := usesOf(ctx, q, actor, cardID, now.Add(-days(longest(rules))))
	if err != nil {
		return Entitlement{}, err
	}
	return entitlementOf(cardID, household, rules, uses, now), nil
}

// entitlementOf is what a card may take at now under rules, given the uses
// the longest of them counts (usesOf since now less its period).
func entitlementOf(cardID, household int64, rules []Rule, uses []use, now time.Time) Entitlement {
	e := Entitlement{CardID: cardID, Household: max(household, 1)}
	for _, r := range rules {
		e.Shares = append(e.Shares, shareOf(r, e.Household, uses, now))
	}
	// The tightest first: what is used up, then what is nearly so.
	sort.SliceStable(e.Shares, func(i, j int) bool { return e.Shares[i].Left < e.Shares[j].Left })
	return e
}
