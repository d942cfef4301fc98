package command

import (
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
// (entity "review_item").
type ReviewItemCreated struct {
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

// ReviewItemApplied: a coordinator applied a review item's command, to
// Target with Payload (either maybe changed from the device's).
type ReviewItemApplied struct {
	Target  string          `json:"target"`
	Payload json.RawMessage `json:"payload"`
	Result  json.RawMessage `json:"result,omitempty"`
}

// ReviewItemDismissed: a coordinator set a review item aside, saying why.
type ReviewItemDismissed struct {
	Note string `json:"note"`
}

func (CommandApplied) EventKind() string      { return "command.applied" }
func (ReviewItemCreated) EventKind() string   { return "review_item.created" }
func (ReviewItemApplied) EventKind() string   { return "review_item.applied" }
func (ReviewItemDismissed) EventKind() string { return "review_item.dismissed" }

func (CommandApplied) EventVersion() int      { return 1 }
func (ReviewItemCreated) EventVersion() int   { return 1 }
func (ReviewItemApplied) EventVersion() int   { return 1 }
func (ReviewItemDismissed) EventVersion() int { return 1 }

func init() {
	ledger.Register[CommandApplied]()
	ledger.Register[ReviewItemCreated]()
	ledger.Register[ReviewItemApplied]()
	ledger.Register[ReviewItemDismissed]()
}
