package command_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"abri/internal/apperr"
	"abri/internal/command"
)

// FuzzParseBatch: whatever a device (or anyone) sends, the batch parser
// answers a batch of valid commands or a 4xx error, never panics, and a
// batch it accepted reads back the same after a round trip.
func FuzzParseBatch(f *testing.F) {
	for _, s := range []string{
		`{"commands":[]}`,
		`{"commands":[{"id":"3f2c8a4e-1b7d-4c55-9a0e-6d2f1e8b9c01","type":"round.tally","target":"round:1","payload":{"n":1},"made_at":"2026-12-07T09:31:12.412Z"}]}`,
		`{"commands":[{"id":"3F2C8A4E-1B7D-4C55-9A0E-6D2F1E8B9C01","type":"x","target":"","payload":null,"made_at":"2026-12-07T09:31:12+01:00"}]}`,
		`{"commands":[{"id":"nope"}]}`, `{"commands":{}}`, `[]`, `null`, `{"commands":[1]}`, `{"commands":[{"payload":[1]}]}`,
		`{"commands":[],"x":1}`, `{"commands":[]} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cmds, err := command.ParseBatch(body)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("error code %s for %q", c, body)
			}
			return
		}
		for i := range cmds {
			c := cmds[i]
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted command %d does not validate: %v", i, err)
			}
		}
		again, err := json.Marshal(command.Batch{Commands: cmds})
		if err != nil {
			t.Fatal(err)
		}
		back, err := command.ParseBatch(again)
		if err != nil || len(back) != len(cmds) {
			t.Fatalf("round trip of %s: %v", again, err)
		}
		for i := range cmds {
			if back[i].ID != cmds[i].ID || !bytes.Equal(command.ContentHash(back[i]), command.ContentHash(cmds[i])) {
				t.Fatalf("command %d changed in a round trip: %+v → %+v", i, cmds[i], back[i])
			}
		}
	})
}
