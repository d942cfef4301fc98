package command

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"abri/internal/ledger"
)

// The ledger events of commands and review items (docs/ledger.md). The
// domain event of what a command did (a tally, a checkout) is the handler's;
// these record that the command was seen and what became of it.

// CommandApplied: a device's command applied (entity "command", the id of
// its row). MadeAt is the device's clock in microseconds; Result the
// handler's answer, sent again to every resend.
type CommandApplied struct {
	ClientID    string          `json:"client_id"`
	Type        string          `json:"type"`
	Target      string          `json:"target"`
	ContentHash string          `json:"content_hash"`
	MadeAt      int64           `json:"made_at"`
	Result      json.RawMessage `json:"result,omitempty"`
}

// ReviewItemCreated: a command that could not apply (Kind "needs_review",
// with the commands row CommandID made for it) or that reused an id with
// other content (Kind "conflict", CommandID 0), kept for a coordinator
// (entity "review_item"). What the device sent as target and payload may
// hold anything (it was refused), so the ledger keeps only their SHA-256
// (TargetHash of the text, PayloadHash of the canonical JSON), as it keeps
// no free text: version 1 held them as sent.
type ReviewItemCreated struct {
	ClientID    string          `json:"client_id"`
	Kind        string          `json:"kind"`
	Type        string          `json:"type"`
	TargetHash  string          `json:"target_hash"`
	PayloadHash string          `json:"payload_hash"`
	ContentHash string          `json:"content_hash"`
	MadeAt      int64           `json:"made_at"`
	ReasonKey   string          `json:"reason_key"`
	ReasonArgs  json.RawMessage `json:"reason_args"`
	CommandID   int64           `json:"command_id,omitempty"`
}

// ReviewItemApplied: a coordinator applied a review item's command, to
// Target (which its handler accepted) with the payload whose SHA-256 is
// PayloadHash (either maybe changed from the device's). Version 1 held the
// payload itself.
type ReviewItemApplied struct {
	Target      string          `json:"target"`
	PayloadHash string          `json:"payload_hash"`
	Result      json.RawMessage `json:"result,omitempty"`
}

// ReviewItemDismissed: a coordinator set a review item aside with a note,
// which stays out of the ledger (version 1 held it).
type ReviewItemDismissed struct{}

// The first shapes of the review events, read back as the current ones.
type reviewItemCreatedV1 struct {
	ClientID    string          `json:"client_id"`
	Kind        string          `json:"kind"`
	Type        string          `json:"type"`
	Target      string          `json:"target"`
	Payload     json.RawMessage `json:"payload"`
	ContentHash string          `json:"content_hash"`
	MadeAt      int64           `json:"made_at"`
	ReasonKey   string          `json:"reason_key"`
	ReasonArgs  json.RawMessage `json:"reason_args"`
	CommandID   int64           `json:"command_id,omitempty"`
}

type reviewItemAppliedV1 struct {
	Target  string          `json:"target"`
	Payload json.RawMessage `json:"payload"`
	Result  json.RawMessage `json:"result,omitempty"`
}

// textHash and payloadHash are the hex SHA-256 the review events keep
// instead of what a device sent.
func textHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func payloadHash(p json.RawMessage) string {
	h := sha256.Sum256(canonicalJSON(p))
	return hex.EncodeToString(h[:])
}

func (CommandApplied) EventKind() string      { return "command.applied" }
func (ReviewItemCreated) EventKind() string   { return "review_item.created" }
func (ReviewItemApplied) EventKind() string   { return "review_item.applied" }
func (ReviewItemDismissed) EventKind() string { return "review_item.dismissed" }

func (CommandApplied) EventVersion() int      { return 1 }
func (ReviewItemCreated) EventVersion() int   { return 2 }
func (ReviewItemApplied) EventVersion() int   { return 2 }
func (ReviewItemDismissed) EventVersion() int { return 2 }

func init() {
	ledger.Register[CommandApplied]()
	ledger.Register[ReviewItemCreated]()
	ledger.Register[ReviewItemApplied]()
	ledger.Register[ReviewItemDismissed](1) // version 1's note is dropped
	ledger.RegisterDecoder("review_item.created", 1, func(raw json.RawMessage) (ledger.Payload, error) {
		var v reviewItemCreatedV1
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		return ReviewItemCreated{ClientID: v.ClientID, Kind: v.Kind, Type: v.Type, TargetHash: textHash(v.Target),
			PayloadHash: payloadHash(v.Payload), ContentHash: v.ContentHash, MadeAt: v.MadeAt,
			ReasonKey: v.ReasonKey, ReasonArgs: v.ReasonArgs, CommandID: v.CommandID}, nil
	})
	ledger.RegisterDecoder("review_item.applied", 1, func(raw json.RawMessage) (ledger.Payload, error) {
		var v reviewItemAppliedV1
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		return ReviewItemApplied{Target: v.Target, PayloadHash: payloadHash(v.Payload), Result: v.Result}, nil
	})
}
