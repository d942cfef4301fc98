package distribution

import "abri/internal/ledger"

// The ledger events of rounds (docs/ledger.md), all about the entity
// "round". None carries anything about a person: tallies are counts.

// RoundPlanned plans a round at a site of the event's base. Times are
// microseconds since the Unix epoch.
type RoundPlanned struct {
	SiteID   int64  `json:"site_id"`
	Kind     string `json:"kind"`
	Public   bool   `json:"public"`
	StartsAt int64  `json:"starts_at"`
	EndsAt   int64  `json:"ends_at"`
}

// RoundStateChanged moves a round along its life.
type RoundStateChanged struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// RoundLineSet sets the planned quantity of a product on the packing list
// (0 takes it off, unless boxes of it are packed).
type RoundLineSet struct {
	ProductID int64 `json:"product_id"`
	Planned   int64 `json:"planned"`
}

// RoundBoxPacked puts a box into the round (the box's own event reserves
// it); RoundBoxUnpacked takes it out again while packing.
type RoundBoxPacked struct {
	BoxID     int64  `json:"box_id"`
	Code      string `json:"code"`
	ProductID int64  `json:"product_id"`
	Items     int64  `json:"items"`
}

type RoundBoxUnpacked struct {
	BoxID int64 `json:"box_id"`
}

// RoundBoxReturned: a box came back and was scanned into stock.
type RoundBoxReturned struct {
	BoxID int64 `json:"box_id"`
}

// RoundReturnCounted: loose items of a product came back, counted.
type RoundReturnCounted struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

// RoundLossMarked: items of a product did not come back, for a reason.
type RoundLossMarked struct {
	ProductID int64  `json:"product_id"`
	Reason    string `json:"reason"`
	Quantity  int64  `json:"quantity"`
}

// RoundTallied records one tally: a hand-out (product, quantity), people
// served (age band, gender, count) or meals (variant, count). CommandID is
// the device's id of the command that brought it, when one did.
type RoundTallied struct {
	TallyID   int64  `json:"tally_id"`
	Kind      string `json:"kind"`
	ProductID int64  `json:"product_id,omitempty"`
	Age       string `json:"age,omitempty"`
	Gender    string `json:"gender,omitempty"`
	Variant   string `json:"variant,omitempty"`
	Quantity  int64  `json:"quantity"`
	CommandID string `json:"command_id,omitempty"`
}

// RoundTallyUndone takes a tally back.
type RoundTallyUndone struct {
	TallyID int64 `json:"tally_id"`
}

// RoundPublicSet puts a round on the public schedule or takes it off.
type RoundPublicSet struct {
	Public bool `json:"public"`
}

func (RoundPlanned) EventKind() string       { return "round.planned" }
func (RoundPublicSet) EventKind() string     { return "round.public_set" }
func (RoundStateChanged) EventKind() string  { return "round.state_changed" }
func (RoundLineSet) EventKind() string       { return "round.line_set" }
func (RoundBoxPacked) EventKind() string     { return "round.box_packed" }
func (RoundBoxUnpacked) EventKind() string   { return "round.box_unpacked" }
func (RoundBoxReturned) EventKind() string   { return "round.box_returned" }
func (RoundReturnCounted) EventKind() string { return "round.return_counted" }
func (RoundLossMarked) EventKind() string    { return "round.loss_marked" }
func (RoundTallied) EventKind() string       { return "round.tallied" }
func (RoundTallyUndone) EventKind() string   { return "round.tally_undone" }

func (RoundPlanned) EventVersion() int       { return 1 }
func (RoundPublicSet) EventVersion() int     { return 1 }
func (RoundStateChanged) EventVersion() int  { return 1 }
func (RoundLineSet) EventVersion() int       { return 1 }
func (RoundBoxPacked) EventVersion() int     { return 1 }
func (RoundBoxUnpacked) EventVersion() int   { return 1 }
func (RoundBoxReturned) EventVersion() int   { return 1 }
func (RoundReturnCounted) EventVersion() int { return 1 }
func (RoundLossMarked) EventVersion() int    { return 1 }
func (RoundTallied) EventVersion() int       { return 1 }
func (RoundTallyUndone) EventVersion() int   { return 1 }

func init() {
	ledger.Register[RoundPlanned]()
	ledger.Register[RoundPublicSet]()
	ledger.Register[RoundStateChanged]()
	ledger.Register[RoundLineSet]()
	ledger.Register[RoundBoxPacked]()
	ledger.Register[RoundBoxUnpacked]()
	ledger.Register[RoundBoxReturned]()
	ledger.Register[RoundReturnCounted]()
	ledger.Register[RoundLossMarked]()
	ledger.Register[RoundTallied]()
	ledger.Register[RoundTallyUndone]()
}
