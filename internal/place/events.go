package place

import "abri/internal/ledger"

// The ledger events of sites and locations (docs/ledger.md). A site's note
// stays out of the ledger, which outlives erasure: only whether there is one.

// SiteCreated adds a site to the event's base. Version 2 adds whether it
// has a public description and its pin (none before).
type SiteCreated struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	HasNote       bool   `json:"has_note"`
	HasPublicNote bool   `json:"has_public_note,omitempty"`
	Pin           *Pin   `json:"pin,omitempty"`
}

// SiteUpdated sets a site's name and kind; NoteChanged says the note
// changed, and (version 2 on; nil before) HasNote whether there is one now;
// version 3 adds whether there is a public description (nil before) and the
// pin as it is now.
type SiteUpdated struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	NoteChanged   bool   `json:"note_changed"`
	HasNote       *bool  `json:"has_note,omitempty"`
	HasPublicNote *bool  `json:"has_public_note,omitempty"`
	Pin           *Pin   `json:"pin,omitempty"`
}

// SiteArchived and SiteRestored take a site out of use and back.
type (
	SiteArchived struct{}
	SiteRestored struct{}
)

// LocationCreated adds a location to the event's base.
type LocationCreated LocationFields

// LocationUpdated sets all of a location's fields.
type LocationUpdated LocationFields

// LocationFields is what LocationCreated and LocationUpdated carry.
type LocationFields struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	DefaultState string `json:"default_state"`
	Position     int64  `json:"position"`
}

// LocationArchived and LocationRestored take a location out of use and back.
type (
	LocationArchived struct{}
	LocationRestored struct{}
)

func (SiteCreated) EventKind() string      { return "site.created" }
func (SiteUpdated) EventKind() string      { return "site.updated" }
func (SiteArchived) EventKind() string     { return "site.archived" }
func (SiteRestored) EventKind() string     { return "site.restored" }
func (LocationCreated) EventKind() string  { return "location.created" }
func (LocationUpdated) EventKind() string  { return "location.updated" }
func (LocationArchived) EventKind() string { return "location.archived" }
func (LocationRestored) EventKind() string { return "location.restored" }

func (SiteCreated) EventVersion() int      { return 2 }
func (SiteUpdated) EventVersion() int      { return 3 }
func (SiteArchived) EventVersion() int     { return 1 }
func (SiteRestored) EventVersion() int     { return 1 }
func (LocationCreated) EventVersion() int  { return 1 }
func (LocationUpdated) EventVersion() int  { return 1 }
func (LocationArchived) EventVersion() int { return 1 }
func (LocationRestored) EventVersion() int { return 1 }

func init() {
	ledger.Register[SiteCreated](1)
	ledger.Register[SiteUpdated](1, 2)
	ledger.Register[SiteArchived]()
	ledger.Register[SiteRestored]()
	ledger.Register[LocationCreated]()
	ledger.Register[LocationUpdated]()
	ledger.Register[LocationArchived]()
	ledger.Register[LocationRestored]()
}
