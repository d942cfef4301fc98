package incident

import "abri/internal/ledger"

// The ledger events of incidents (docs/ledger.md), about the entity
// "incident". The notes a monitor writes stay out of the ledger, which
// outlives erasure: only whether there are any.

// IncidentReported records an incident as its monitor stated it: what, where,
// when, the forces, the formalities, counts of people, force used, what
// happened to the observers and the items taken, with the need opened for
// each product still owed.
type IncidentReported struct {
	SiteID              int64       `json:"site_id"`
	Kind                string      `json:"kind"`
	StartsAt            int64       `json:"starts_at"`
	EndsAt              int64       `json:"ends_at,omitempty"`
	LegalBasis          string      `json:"legal_basis"`
	Bailiff             string      `json:"bailiff"`
	Interpreter         string      `json:"interpreter"`
	Notice              string      `json:"notice"`
	RecoveryOffered     string      `json:"recovery_offered"`
	PeoplePresent       int64       `json:"people_present"`
	PeopleArrested      int64       `json:"people_arrested"`
	BusShelter          int64       `json:"bus_shelter"`
	BusDetention        int64       `json:"bus_detention"`
	ForceUsed           []string    `json:"force_used,omitempty"`
	ObserversChecked    int64       `json:"observers_checked"`
	ObserversFined      int64       `json:"observers_fined"`
	ObserversObstructed int64       `json:"observers_obstructed"`
	Forces              []ForceLine `json:"forces,omitempty"`
	Items               []ItemLine  `json:"items,omitempty"`
	HasNotes            bool        `json:"has_notes"`
	CommandID           string      `json:"command_id,omitempty"`
}

func (IncidentReported) EventKind() string { return "incident.reported" }
func (IncidentReported) EventVersion() int { return 1 }

func init() {
	ledger.Register[IncidentReported]()
}
