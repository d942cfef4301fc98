package stock

import "abri/internal/ledger"

// The ledger events of the warehouse (docs/ledger.md). People type comments,
// notes and tag names, so the ledger, which outlives erasure, keeps only
// whether there is a comment and the tags' ids.

// BoxCreated makes a box in the event's base; fields left out are empty.
type BoxCreated struct {
	Code       string  `json:"code"`
	CommentSet bool    `json:"comment_set,omitempty"`
	DonationID int64   `json:"donation_id,omitempty"`
	ExpiresOn  string  `json:"expires_on,omitempty"`
	Items      int64   `json:"items"`
	LocationID int64   `json:"location_id"`
	Measure    int64   `json:"measure,omitempty"` // thousandths of the base unit
	ProductID  int64   `json:"product_id"`
	Size       string  `json:"size,omitempty"`
	State      State   `json:"state"`
	TagIDs     []int64 `json:"tag_ids,omitempty"`
}

// BoxChange is what BoxMoved, BoxStateChanged and BoxUpdated carry: each
// field that changed, from and to; nil for the fields that did not.
type BoxChange struct {
	Code           string                 `json:"code"`
	CommentChanged bool                   `json:"comment_changed,omitempty"`
	CommentSet     *bool                  `json:"comment_set,omitempty"` // whether there is one after the change (version 2 on; nil before)
	ExpiresOn      *ledger.Delta[string]  `json:"expires_on,omitempty"`
	Items          *ledger.Delta[int64]   `json:"items,omitempty"`
	LocationID     *ledger.Delta[int64]   `json:"location_id,omitempty"`
	Measure        *ledger.Delta[int64]   `json:"measure,omitempty"`
	Size           *ledger.Delta[string]  `json:"size,omitempty"`
	State          *ledger.Delta[State]   `json:"state,omitempty"`
	TagIDs         *ledger.Delta[[]int64] `json:"tag_ids,omitempty"`
}

// BoxMoved: a box put elsewhere, perhaps taking the location's state.
type BoxMoved struct{ BoxChange }

// BoxStateChanged: a box's state alone changed.
type BoxStateChanged struct{ BoxChange }

// BoxUpdated: any other change of a box.
type BoxUpdated struct{ BoxChange }

// DonationRecorded is what came in, with nothing about who gave it.
type DonationRecorded struct {
	ItemCount  int64  `json:"item_count"`
	ReceivedOn string `json:"received_on"`
	Source     string `json:"source"`
	WeightG    int64  `json:"weight_g"`
}

// LabelsReserved hands out codes for pre-printed labels of the event's base.
type LabelsReserved struct {
	Codes []string `json:"codes"`
}

func (BoxCreated) EventKind() string       { return "box.created" }
func (BoxMoved) EventKind() string         { return "box.moved" }
func (BoxStateChanged) EventKind() string  { return "box.state_changed" }
func (BoxUpdated) EventKind() string       { return "box.updated" }
func (DonationRecorded) EventKind() string { return "donation.recorded" }
func (LabelsReserved) EventKind() string   { return "labels.reserved" }

func (BoxCreated) EventVersion() int { return 1 }

// Version 2 of the box changes adds CommentSet.
func (BoxMoved) EventVersion() int         { return 2 }
func (BoxStateChanged) EventVersion() int  { return 2 }
func (BoxUpdated) EventVersion() int       { return 2 }
func (DonationRecorded) EventVersion() int { return 1 }
func (LabelsReserved) EventVersion() int   { return 1 }

// boxChangeOf returns the change a box event after creation carries.
func boxChangeOf(p ledger.Payload) (BoxChange, bool) {
	switch p := p.(type) {
	case BoxMoved:
		return p.BoxChange, true
	case BoxStateChanged:
		return p.BoxChange, true
	case BoxUpdated:
		return p.BoxChange, true
	}
	return BoxChange{}, false
}

func init() {
	ledger.Register[BoxCreated]()
	ledger.Register[BoxMoved](1)
	ledger.Register[BoxStateChanged](1)
	ledger.Register[BoxUpdated](1)
	ledger.Register[DonationRecorded]()
	ledger.Register[LabelsReserved]()
}
