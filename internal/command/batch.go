package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"abri/internal/apperr"
)

// MaxBatch is the most commands one batch may hold. A device sends at most
// 100 at a time (queue.js); a larger batch is refused whole (413) and
// nothing of it is applied, so the sender can split it and lose nothing.
const MaxBatch = 1000

// Batch is the body of POST /sync/commands and POST /api/v1/commands.
type Batch struct {
	Commands []Command `json:"commands"`
}

// ParseBatch reads a batch's JSON. Anything that is not a well-formed batch
// of well-formed commands (bad JSON, a missing or malformed id, a missing
// type or time) is an Invalid error naming the field, and nothing of the
// batch is to be applied; more than MaxBatch commands is TooLarge.
// Duplicate ids are not an error here: Apply answers each.
func ParseBatch(body []byte) ([]Command, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var b struct {
		Commands *[]json.RawMessage `json:"commands"`
	}
	if err := dec.Decode(&b); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "command.batch_invalid")
	}
	if dec.More() {
		return nil, apperr.New(apperr.Invalid, "command.batch_invalid")
	}
	if _, err := dec.Token(); err == nil {
		return nil, apperr.New(apperr.Invalid, "command.batch_invalid")
	}
	if b.Commands == nil {
		return nil, apperr.New(apperr.Invalid, "command.batch_missing").At("commands")
	}
	raw := *b.Commands
	if len(raw) > MaxBatch {
		return nil, apperr.New(apperr.TooLarge, "command.batch_too_large", len(raw), MaxBatch).At("commands")
	}
	cmds := make([]Command, len(raw))
	for i, r := range raw {
		c, err := parseCommand(r)
		if err != nil {
			return nil, atIndex(err, i)
		}
		cmds[i] = c
	}
	return cmds, nil
}

// wireCommand is a command as JSON, with the time as text so that a bad one
// is reported at its field.
type wireCommand struct {
	ID      *string         `json:"id"`
	Type    *string         `json:"type"`
	Target  *string         `json:"target"`
	Payload json.RawMessage `json:"payload"`
	MadeAt  *string         `json:"made_at"`
}

func parseCommand(r json.RawMessage) (Command, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.DisallowUnknownFields()
	var w wireCommand
	if err := dec.Decode(&w); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return Command{}, apperr.Wrap(err, apperr.Invalid, "command.field_type").At(ute.Field)
		}
		return Command{}, apperr.Wrap(err, apperr.Invalid, "command.not_object")
	}
	if w.ID == nil {
		return Command{}, apperr.New(apperr.Invalid, "command.id_missing").At("id")
	}
	c := Command{ID: strings.ToLower(*w.ID), Payload: w.Payload}
	if w.Type != nil {
		c.Type = *w.Type
	}
	if w.Target != nil {
		c.Target = *w.Target
	}
	if w.MadeAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *w.MadeAt)
		if err != nil {
			return Command{}, apperr.Wrap(err, apperr.Invalid, "command.made_at_invalid").At("made_at")
		}
		c.MadeAt = t
	}
	return c, c.Validate()
}

// Validate checks a command's fields: an RFC 4122 id, a type name, a target
// of at most 200 characters, a JSON payload (none is read as {}) and a time.
// It keeps the id in lower case.
func (c *Command) Validate() error {
	c.ID = strings.ToLower(c.ID)
	if c.ID == "" {
		return apperr.New(apperr.Invalid, "command.id_missing").At("id")
	}
	if !validUUID(c.ID) {
		return apperr.New(apperr.Invalid, "command.id_invalid").At("id")
	}
	if c.Type == "" {
		return apperr.New(apperr.Invalid, "command.type_missing").At("type")
	}
	if !validType(c.Type) {
		return apperr.New(apperr.Invalid, "command.type_invalid").At("type")
	}
	if len(c.Target) > 200 {
		return apperr.New(apperr.Invalid, "command.target_long", 200).At("target")
	}
	c.Payload = bytes.TrimSpace(c.Payload)
	if len(c.Payload) == 0 || string(c.Payload) == "null" {
		c.Payload = json.RawMessage("{}")
	}
	if c.Payload[0] != '{' {
		return apperr.New(apperr.Invalid, "command.payload_object").At("payload")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, c.Payload); err != nil {
		return apperr.New(apperr.Invalid, "command.field_type").At("payload")
	}
	c.Payload = compact.Bytes()
	if len(c.Payload) > 16<<10 {
		return apperr.New(apperr.Invalid, "command.payload_large", 16).At("payload")
	}
	if c.MadeAt.IsZero() {
		return apperr.New(apperr.Invalid, "command.made_at_missing").At("made_at")
	}
	return nil
}

// atIndex puts the command's place in the batch in front of the field an
// error names: "commands[3].id".
func atIndex(err error, i int) error {
	e := apperr.As(err)
	f := fmt.Sprintf("commands[%d]", i)
	if e.Field != "" {
		f += "." + e.Field
	}
	return e.At(f)
}

// validUUID accepts the RFC 4122 text form in lower case:
// 8-4-4-4-12 hexadecimal digits.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// validType accepts names like "round.tally": lower-case letters, digits,
// dots, underscores and dashes, at most 64.
func validType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
