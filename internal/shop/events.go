package shop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"abri/internal/ledger"
)

// The shop's ledger events (docs/ledger.md). A checkout names the card by
// its id only, never its code; a coordinator's override reason is typed
// text and stays out of the ledger (the event says only that a rule was set
// aside, and which).

// RuleSet creates or changes an entitlement rule (entity "shop_rule"): the
// rule as it is after the change.
type RuleSet struct {
	ProductID  int64  `json:"product_id,omitempty"`
	CategoryID int64  `json:"category_id,omitempty"`
	Quantity   int64  `json:"quantity"`
	Per        string `json:"per"`
	PeriodDays int64  `json:"period_days"`
	Active     bool   `json:"active"`
}

// CheckedOut is a checkout (entity "shop_checkout"): a commitment to the
// card (Commitment: HMAC-SHA-256 under the card's secret of the checkout's
// id, see commitment), the week it counts in, whether it was the card's
// first that week, the rules a coordinator set aside, and what was taken
// from which box. Without the card's secret, which is erased with the
// card, the events of one card cannot be linked to each other. Version 1
// named the card by its id (CardID); such events stay readable.
type CheckedOut struct {
	CardID      int64       `json:"card_id,omitempty"`
	Commitment  string      `json:"commitment,omitempty"`
	Week        string      `json:"week"`
	FirstInWeek bool        `json:"first_in_week"`
	Overridden  []int64     `json:"overridden,omitempty"`
	CommandID   string      `json:"command_id,omitempty"`
	MadeAt      int64       `json:"made_at"`
	Lines       []TakenLine `json:"lines"`
}

// TakenLine is what one line of a checkout took out of one box.
type TakenLine struct {
	ProductID  int64  `json:"product_id"`
	CategoryID int64  `json:"category_id"`
	BoxID      int64  `json:"box_id"`
	Box        string `json:"box"`
	Quantity   int64  `json:"quantity"`
}

// Refused counts a checkout a rule refused (entity "shop_rule", the rule's
// id), without the card: the anonymous "rules that refused most".
type Refused struct {
	Week string `json:"week"`
}

func (RuleSet) EventKind() string    { return "shop.rule_set" }
func (CheckedOut) EventKind() string { return "shop.checkout" }
func (Refused) EventKind() string    { return "shop.refused" }
func (RuleSet) EventVersion() int    { return 1 }
func (CheckedOut) EventVersion() int { return 2 }
func (Refused) EventVersion() int    { return 1 }

func init() {
	ledger.Register[RuleSet]()
	ledger.Register[CheckedOut](1) // version 1: card_id instead of commitment
	ledger.Register[Refused]()
}

// commitment is what a checkout's event says of its card: HMAC-SHA-256,
// under the card's secret, of the checkout's id.
func commitment(secret []byte, checkoutID int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("abri shop checkout v2\x00"))
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(checkoutID))
	m.Write(id[:])
	return hex.EncodeToString(m.Sum(nil))
}
