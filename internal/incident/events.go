package incident

import "abri/internal/ledger"

// The ledger events of incidents (docs/ledger.md), about the entity
// "incident". The notes a monitor writes stay out of the ledger, which
// outlives erasure: only whether there are any.

// IncidentReported records an incident as its monitor stated it: what, where,
// when, the forces, the formalities, counts of people, force used, what
// happened to the observers and the items taken, with the need opened for
// each product still owed. Version 2 names each force by its id in the
// organisation's list (force_id; force is the default's code, absent for
// a force the organisation added); version 1 named the seven defaults by
// code only, and replay finds them in the list by that code.
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
func (IncidentReported) EventVersion() int { return 2 }

func init() {
	ledger.Register[IncidentReported](1)
}

// EvidenceUploaded attaches a file to an incident: the SHA-256 of its
// original bytes, its size and type, the SHA-256 of its shareable copy
// (images only) and whether the hash the device computed at capture
// differed. The file's name is never kept.
type EvidenceUploaded struct {
	IncidentID     int64  `json:"incident_id"`
	SHA256         string `json:"sha256"`
	Size           int64  `json:"size"`
	MediaType      string `json:"media_type"`
	SharedSHA256   string `json:"shared_sha256,omitempty"`
	DeviceMismatch bool   `json:"device_mismatch,omitempty"`
	// What the device said: its id for the file, the hash it computed and
	// when the file was taken (µs, its clock), with what that time is
	// (captured_from: "file_time", the file's own time on the device, or
	// "chosen", when it was chosen in the form; absent from the first
	// uploads, all of which were "chosen"). Absent from uploads that said
	// nothing.
	ClientID     string `json:"client_id,omitempty"`
	DeviceSHA256 string `json:"device_sha256,omitempty"`
	CapturedAt   int64  `json:"captured_at,omitempty"`
	CapturedFrom string `json:"captured_from,omitempty"`
}

// EvidenceOpened is the custody log: someone viewed or downloaded a file,
// the original or the shareable copy. Mode is "view" or "download"
// (absent from the first openings, which were reads by code).
type EvidenceOpened struct {
	Original bool   `json:"original"`
	Mode     string `json:"mode,omitempty"`
}

// The ways a file is opened.
const (
	OpenView     = "view"
	OpenDownload = "download"
)

func (EvidenceUploaded) EventKind() string { return "evidence.uploaded" }
func (EvidenceUploaded) EventVersion() int { return 1 }
func (EvidenceOpened) EventKind() string   { return "evidence.opened" }
func (EvidenceOpened) EventVersion() int   { return 1 }

func init() {
	ledger.Register[EvidenceUploaded]()
	ledger.Register[EvidenceOpened]()
}
