package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
)

// TestCommandsBatch: POST /api/v1/commands answers one outcome per command;
// garbage, a malformed command and an oversized batch are refused whole
// with a 4xx naming the field, and nothing of them is applied.
func TestCommandsBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cmd := func(i int, typ string) string {
			return fmt.Sprintf(`{"id":"00000000-0000-4000-8000-%012d","type":%q,"target":"x","payload":{},"made_at":"2026-12-07T10:00:00Z"}`, i, typ)
		}
		count := func() int {
			var n int
			if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM commands").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		w := call(f.h, "POST", "/api/v1/commands", f.token, strings.NewReader(`{"commands":[`+cmd(1, "no.such")+`,`+cmd(1, "no.such")+`]}`))
		var out struct {
			Outcomes []struct {
				ID, Status string
				Reason     *string
				ReviewItem *int64 `json:"review_item_id"`
			}
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || len(out.Outcomes) != 2 {
			t.Fatalf("batch: %d %s", w.Code, w.Body)
		}
		if out.Outcomes[0].Status != "needs_review" || out.Outcomes[1].Status != "needs_review" || out.Outcomes[0].ReviewItem == nil ||
			*out.Outcomes[0].ReviewItem != *out.Outcomes[1].ReviewItem || out.Outcomes[0].Reason == nil {
			t.Errorf("outcomes %s", w.Body)
		}
		before := count()
		var many []string
		for i := 0; i < 1001; i++ {
			many = append(many, cmd(100+i, "no.such"))
		}
		for _, c := range []struct {
			body  string
			code  int
			field string
		}{
			{`not json`, 400, ""},
			{`{"commands":[` + cmd(50, "no.such") + `,{"id":"nope","type":"x","made_at":"2026-12-07T10:00:00Z"}]}`, 400, "commands[1].id"},
			{`{"commands":[{"id":"00000000-0000-4000-8000-000000000051","type":"x"}]}`, 400, "commands[0].made_at"},
			{`{"commands":[{"id":"00000000-0000-4000-8000-000000000052","type":"x","made_at":"yesterday"}]}`, 400, "commands[0].made_at"},
			{`{"commands":[{"id":"00000000-0000-4000-8000-000000000053","type":"x","payload":[1],"made_at":"2026-12-07T10:00:00Z"}]}`, 400, "commands[0].payload"},
			{`{"commands":[` + strings.Join(many, ",") + `]}`, 413, "commands"},
			{``, 400, ""},
		} {
			w := call(f.h, "POST", "/api/v1/commands", f.token, strings.NewReader(c.body))
			var e struct{ Error struct{ Field *string } }
			json.Unmarshal(w.Body.Bytes(), &e)
			field := ""
			if e.Error.Field != nil {
				field = *e.Error.Field
			}
			if w.Code != c.code || field != c.field {
				t.Errorf("%.60s…: %d field %q, want %d %q: %s", c.body, w.Code, field, c.code, c.field, w.Body)
			}
		}
		if after := count(); after != before {
			t.Errorf("refused batches changed the commands: %d → %d", before, after)
		}
	})
}
