package needs

import "abri/internal/ledger"

// The ledger events of needs (docs/ledger.md), about the entity "need".

// NeedCreated records a need at a site of the event's base.
type NeedCreated struct {
	SiteID     int64  `json:"site_id"`
	ProductID  int64  `json:"product_id,omitempty"`
	CategoryID int64  `json:"category_id"`
	Quantity   int64  `json:"quantity"`
	Urgency    int64  `json:"urgency"`
	Source     string `json:"source"`
}

// NeedMet: a hand-out (the tally) met part of a need; a negative quantity
// gives it back when the tally is undone.
type NeedMet struct {
	TallyID  int64 `json:"tally_id"`
	Quantity int64 `json:"quantity"`
}

// NeedCancelled: the need is no longer wanted.
type NeedCancelled struct{}

func (NeedCreated) EventKind() string   { return "need.created" }
func (NeedMet) EventKind() string       { return "need.met" }
func (NeedCancelled) EventKind() string { return "need.cancelled" }

func (NeedCreated) EventVersion() int   { return 1 }
func (NeedMet) EventVersion() int       { return 1 }
func (NeedCancelled) EventVersion() int { return 1 }

func init() {
	ledger.Register[NeedCreated]()
	ledger.Register[NeedMet]()
	ledger.Register[NeedCancelled]()
}
