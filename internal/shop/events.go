package shop

import "abri/internal/ledger"

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

// CheckedOut is a checkout (entity "shop_checkout"): the card's id, the
// week it counts in, whether it was the card's first that week, the rules a
// coordinator set aside, and what was taken from which box.
type CheckedOut struct {
	CardID      int64       `json:"card_id"`
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
func (CheckedOut) EventVersion() int { return 1 }
func (Refused) EventVersion() int    { return 1 }

func init() {
	ledger.Register[RuleSet]()
	ledger.Register[CheckedOut]()
	ledger.Register[Refused]()
}
