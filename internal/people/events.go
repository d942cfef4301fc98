package people

import "abri/internal/ledger"

// The ledger events of cards (docs/ledger.md), about the entity "card" (the
// card's id) and "card_settings" (the base's id). The ledger outlives every
// erasure, so no event holds a code, its HMAC, a personal field or the
// household's composition: only the card's id, its household size and
// whether it has personal fields.

// CardIssued: a card was made.
type CardIssued struct {
	HouseholdSize int  `json:"household_size"`
	HasFields     bool `json:"has_fields,omitempty"`
}

// CardReplaced: a lost card got a new code; the old one no longer answers.
type CardReplaced struct{}

// CardFieldsChanged: the card's personal fields were set or removed.
type CardFieldsChanged struct {
	HasFields bool `json:"has_fields"`
}

// CardErased: the card, its code's HMAC and its personal fields were deleted,
// on request or when its retention ran out ("request" or "expired").
type CardErased struct {
	Reason string `json:"reason"`
}

// CardSettingsChanged: a base's card settings.
type CardSettingsChanged struct {
	PersonalFields bool `json:"personal_fields"`
	RetentionDays  int  `json:"retention_days"`
}

func (CardIssued) EventKind() string          { return "card.issued" }
func (CardIssued) EventVersion() int          { return 1 }
func (CardReplaced) EventKind() string        { return "card.replaced" }
func (CardReplaced) EventVersion() int        { return 1 }
func (CardFieldsChanged) EventKind() string   { return "card.fields_changed" }
func (CardFieldsChanged) EventVersion() int   { return 1 }
func (CardErased) EventKind() string          { return "card.erased" }
func (CardErased) EventVersion() int          { return 1 }
func (CardSettingsChanged) EventKind() string { return "card_settings.changed" }
func (CardSettingsChanged) EventVersion() int { return 1 }

func init() {
	ledger.Register[CardIssued]()
	ledger.Register[CardReplaced]()
	ledger.Register[CardFieldsChanged]()
	ledger.Register[CardErased]()
	ledger.Register[CardSettingsChanged]()
}
