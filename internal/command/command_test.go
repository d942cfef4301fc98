package command_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/testworld"
)

// counted is the test handler's ledger event: the domain event a real
// handler writes.
type counted struct {
	N int `json:"n"`
}

func (counted) EventKind() string { return "test.counted" }
func (counted) EventVersion() int { return 1 }

// countPayload is the test command's payload: add N; N < 0 is refused
// after the event is written, so a rolled-back savepoint must take the
// event back.
type countPayload struct {
	N int `json:"n"`
}

func init() {
	ledger.Register[counted]()
	command.Register("test.count", func(ctx context.Context, tx *db.Tx, actor access.Actor, c command.Command) (any, error) {
		if err := actor.Require(access.MoveStock); err != nil {
			return nil, err
		}
		var p countPayload
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "command.field_type").At("payload")
		}
		if _, err := command.ParseTarget(c.Target, "round"); err != nil {
			return nil, err
		}
		if _, err := ledger.Append(ctx, tx, actor, "test", 1, counted{p.N}); err != nil {
			return nil, err
		}
		if p.N < 0 {
			return nil, apperr.New(apperr.Invalid, "command.target_long", 7)
		}
		if p.N == 666 {
			panic("a bug")
		}
		return map[string]int{"added": p.N}, nil
	})
}

type world struct {
	d     *db.DB
	ctx   context.Context
	dist  access.Actor // distribution volunteer of org A
	coord access.Actor // coordinator of org A
	view  access.Actor // viewer of org A
	other access.Actor // distribution volunteer of org B
}

func setup(t testing.TB, d *db.DB) world {
	t.Helper()
	a := testworld.Org(t, d, "org-a", "Org A", "A1")
	return world{d: d, ctx: context.Background(),
		dist:  a.UserNamed(access.Distribution, "Dist"),
		coord: a.User(access.Coordinator),
		view:  a.User(access.Viewer),
		other: testworld.Org(t, d, "org-b", "Org B", "B1").User(access.Distribution),
	}
}

var made = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)

func cmd(i, n int) command.Command {
	return command.Command{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Type: "test.count", Target: "round:1",
		Payload: json.RawMessage(fmt.Sprintf(`{"n": %d}`, n)), MadeAt: made.Add(time.Duration(i) * time.Second),
	}
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func counts(t testing.TB, w world, org int64) int {
	return count(t, w.d, "SELECT COUNT(*) FROM ledger WHERE org_id = ? AND kind = 'test.counted'", org)
}

func statuses(outs []command.Outcome) []command.Status {
	var s []command.Status
	for _, o := range outs {
		s = append(s, o.Status)
	}
	return s
}

func TestApplyOnceWhateverTheRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		batch := []command.Command{cmd(1, 1), cmd(2, -1), cmd(3, 3), {ID: "00000000-0000-4000-8000-000000000009", Type: "no.such", Target: "x", MadeAt: made}}
		outs, err := command.Apply(w.ctx, d, w.dist, batch)
		if err != nil {
			t.Fatal(err)
		}
		want := []command.Status{command.Applied, command.NeedsReview, command.Applied, command.NeedsReview}
		if fmt.Sprint(statuses(outs)) != fmt.Sprint(want) {
			t.Fatalf("statuses %v, want %v", statuses(outs), want)
		}
		if string(outs[0].Result) != `{"added":1}` {
			t.Errorf("result %s", outs[0].Result)
		}
		if outs[1].ReviewItemID == 0 || outs[1].Err == nil || outs[1].Err.Key != "command.target_long" {
			t.Errorf("refused: %+v", outs[1])
		}
		if got := counts(t, w, w.dist.OrgID); got != 2 {
			t.Errorf("%d domain events, want 2 (the refused one rolled back)", got)
		}
		// Sent again, twice: the same answers, nothing more.
		for range 2 {
			again, err := command.Apply(w.ctx, d, w.dist, batch)
			if err != nil {
				t.Fatal(err)
			}
			want := []command.Status{command.AlreadyApplied, command.NeedsReview, command.AlreadyApplied, command.NeedsReview}
			if fmt.Sprint(statuses(again)) != fmt.Sprint(want) {
				t.Fatalf("resend statuses %v, want %v", statuses(again), want)
			}
			if string(again[0].Result) != `{"added":1}` || again[1].ReviewItemID != outs[1].ReviewItemID {
				t.Errorf("resend answers %+v", again)
			}
		}
		if got := counts(t, w, w.dist.OrgID); got != 2 {
			t.Errorf("%d domain events after resends, want 2", got)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM review_items"); n != 2 {
			t.Errorf("%d review items, want 2", n)
		}
		// The same id with other content: a conflict, kept once.
		changed := cmd(1, 5)
		for range 2 {
			c, err := command.Apply(w.ctx, d, w.dist, []command.Command{changed})
			if err != nil {
				t.Fatal(err)
			}
			if c[0].Status != command.Conflict || c[0].ReviewItemID == 0 {
				t.Fatalf("conflict answer %+v", c[0])
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM review_items"); n != 3 {
			t.Errorf("%d review items, want 3", n)
		}
		if got := counts(t, w, w.dist.OrgID); got != 2 {
			t.Errorf("%d domain events after conflict, want 2", got)
		}
		rep, err := ledger.Verify(w.ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("verify: %+v", rep)
		}
	})
}

func TestBatchRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		// Duplicate ids in one batch: the first applies, the second is its
		// resend, the third (other content) a conflict.
		outs, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(1, 1), cmd(1, 1), cmd(1, 2), cmd(2, 666)})
		if err != nil {
			t.Fatal(err)
		}
		want := []command.Status{command.Applied, command.AlreadyApplied, command.Conflict, command.NeedsReview}
		if fmt.Sprint(statuses(outs)) != fmt.Sprint(want) {
			t.Fatalf("statuses %v, want %v", statuses(outs), want)
		}
		if outs[3].Err == nil || outs[3].Err.Key != "error.internal" {
			t.Errorf("a handler's panic: %+v", outs[3])
		}
		if got := counts(t, w, w.dist.OrgID); got != 1 {
			t.Errorf("%d domain events, want 1", got)
		}
		// A command that needs review, sent twice in one batch: the second
		// is answered with the first's review item and reason.
		rev, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(3, -1), cmd(3, -1)})
		if err != nil {
			t.Fatal(err)
		}
		if rev[0].Status != command.NeedsReview || rev[1].Status != command.NeedsReview || rev[0].ReviewItemID == 0 ||
			rev[1].ReviewItemID != rev[0].ReviewItemID || rev[1].Err == nil || rev[1].Err.Key != rev[0].Err.Key {
			t.Fatalf("needs review twice in one batch: %+v", rev)
		}
		// Another organisation's command with the same id is its own.
		o, err := command.Apply(w.ctx, d, w.other, []command.Command{cmd(1, 1)})
		if err != nil || o[0].Status != command.Applied {
			t.Fatalf("other organisation: %+v %v", o, err)
		}
		// Order: commands apply one after the other in the batch's order.
		// Sent first in part, the rest of a batch applies around what was
		// seen, across the transactions a long batch is cut into.
		var batch []command.Command
		for i := 10; i < 130; i++ {
			batch = append(batch, cmd(i, i))
		}
		if _, err := command.Apply(w.ctx, d, w.dist, batch[40:75]); err != nil {
			t.Fatal(err)
		}
		outs, err = command.Apply(w.ctx, d, w.dist, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			if want := command.Applied; (i >= 40 && i < 75) != (o.Status != want) {
				t.Fatalf("command %d of the resent batch: %s", i, o.Status)
			}
		}
		rows, err := d.Query(w.ctx, "SELECT payload FROM ledger WHERE org_id = ? AND kind = 'test.counted' ORDER BY seq", w.dist.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for rows.Next() {
			var p string
			rows.Scan(&p)
			seq = append(seq, p)
		}
		rows.Close()
		if len(seq) != 121 || seq[1] != `{"n":50}` || seq[36] != `{"n":10}` || seq[120] != `{"n":129}` {
			t.Errorf("events out of order: %d, %v … %v", len(seq), seq[:2], seq[len(seq)-1])
		}
		// Refused whole, nothing applied: a viewer, a bad command, too many.
		before := count(t, d, "SELECT COUNT(*) FROM commands")
		if _, err := command.Apply(w.ctx, d, w.view, []command.Command{cmd(500, 1)}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("viewer: %v", err)
		}
		bad := cmd(501, 1)
		bad.ID = "not-a-uuid"
		if _, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(502, 1), bad}); !apperr.Is(err, apperr.Invalid) || apperr.FieldOf(err) != "commands[1].id" {
			t.Errorf("bad id: %v (field %q)", err, apperr.FieldOf(err))
		}
		many := make([]command.Command, 10000)
		for i := range many {
			many[i] = cmd(1000+i, 1)
		}
		if _, err := command.Apply(w.ctx, d, w.dist, many); !apperr.Is(err, apperr.TooLarge) {
			t.Errorf("10,000 commands: %v", err)
		}
		if after := count(t, d, "SELECT COUNT(*) FROM commands"); after != before {
			t.Errorf("refused batches changed commands: %d → %d", before, after)
		}
		rep, err := ledger.Verify(w.ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}

func TestReviewItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		outs, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(1, -1), cmd(2, -2), cmd(3, 1)})
		if err != nil {
			t.Fatal(err)
		}
		// Only coordinators and administrators see them; only this base's.
		if _, err := command.ListReviewItems(w.ctx, d, w.dist, false); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("volunteer lists review items: %v", err)
		}
		items, err := command.ListReviewItems(w.ctx, d, w.coord, false)
		if err != nil || len(items) != 2 {
			t.Fatalf("list: %d %v", len(items), err)
		}
		if items[0].ID != outs[1].ReviewItemID || items[0].SentByName != "Dist" || items[0].Reason.Key != "command.target_long" {
			t.Errorf("newest item: %+v", items[0])
		}
		if _, err := command.GetReviewItem(w.ctx, d, w.other, items[0].ID); !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation reads an item: %v", err)
		}
		otherCoord := w.other
		otherCoord.Role = access.Coordinator
		if _, err := command.GetReviewItem(w.ctx, d, otherCoord, items[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation's coordinator reads an item: %v", err)
		}
		if _, err := command.DismissReviewItem(w.ctx, d, otherCoord, items[0].ID, "no"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation's coordinator dismisses an item: %v", err)
		}
		// Adjusted, it applies; still refused, nothing changes.
		if _, err := command.ApplyReviewItem(w.ctx, d, w.coord, outs[0].ReviewItemID, "", nil); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("applying as it was: %v", err)
		}
		if _, err := command.ApplyReviewItem(w.ctx, d, w.coord, outs[0].ReviewItemID, "site:3", nil); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("applying to a wrong target: %v", err)
		}
		got, err := command.ApplyReviewItem(w.ctx, d, w.coord, outs[0].ReviewItemID, "round:2", json.RawMessage(`{"n": 4}`))
		if err != nil {
			t.Fatal(err)
		}
		if got.State != command.StateApplied || got.Target != "round:2" || string(got.Result) != `{"added":4}` || got.ResolvedBy != w.coord.UserID {
			t.Errorf("applied item: %+v", got)
		}
		if _, err := command.ApplyReviewItem(w.ctx, d, w.coord, outs[0].ReviewItemID, "", nil); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("applying twice: %v", err)
		}
		if _, err := command.DismissReviewItem(w.ctx, d, w.coord, outs[1].ReviewItemID, " "); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("dismissing without a note: %v", err)
		}
		dis, err := command.DismissReviewItem(w.ctx, d, w.coord, outs[1].ReviewItemID, "counted twice on paper")
		if err != nil || dis.State != command.StateDismissed || dis.Note != "counted twice on paper" {
			t.Fatalf("dismiss: %+v %v", dis, err)
		}
		if n, _ := command.CountOpenReviewItems(w.ctx, d, w.coord); n != 0 {
			t.Errorf("%d open items left", n)
		}
		all, _ := command.ListReviewItems(w.ctx, d, w.coord, true)
		if len(all) != 2 {
			t.Errorf("%d items in all", len(all))
		}
		if got := counts(t, w, w.dist.OrgID); got != 2 {
			t.Errorf("%d domain events, want 2 (command 3, item 1 adjusted)", got)
		}
		// Each action is in the ledger, and replay gives the rows back.
		if n := count(t, d, "SELECT COUNT(*) FROM ledger WHERE kind IN ('review_item.applied', 'review_item.dismissed')"); n != 2 {
			t.Errorf("%d review events", n)
		}
		rep, err := ledger.Verify(w.ctx, d)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		if _, err := d.Exec(w.ctx, "UPDATE review_items SET state = 'open' WHERE id = ?", outs[1].ReviewItemID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(w.ctx, "UPDATE commands SET outcome = 'applied' WHERE client_id = ?", cmd(2, 0).ID); err != nil {
			t.Fatal(err)
		}
		rep, err = ledger.Verify(w.ctx, d)
		if err != nil || rep.OK() {
			t.Fatalf("verify after tampering: %+v %v", rep, err)
		}
		s := fmt.Sprint(rep)
		for _, want := range []string{"review_items review item", "state", "commands command", "outcome"} {
			if !strings.Contains(s, want) {
				t.Errorf("verify does not name %q: %s", want, s)
			}
		}
	})
}

// TestReviewEventsOfVersion1 reads the first shape of the review events,
// which held what a device sent and the dismissal note, as today's, which
// hold hashes and no note.
func TestReviewEventsOfVersion1(t *testing.T) {
	created, err := ledger.Event{Kind: "review_item.created", Version: 1, Payload: json.RawMessage(
		`{"client_id":"x","kind":"needs_review","type":"t","target":"round:1","payload":{"b":1, "a":2},"content_hash":"h","made_at":5,"reason_key":"k","reason_args":[]}`)}.Decode()
	if err != nil {
		t.Fatal(err)
	}
	c, ok := created.(command.ReviewItemCreated)
	if !ok || c.TargetHash != fmt.Sprintf("%x", sha256.Sum256([]byte("round:1"))) || c.PayloadHash != fmt.Sprintf("%x", sha256.Sum256([]byte(`{"a":2,"b":1}`))) || c.MadeAt != 5 {
		t.Errorf("review_item.created v1 reads as %#v", created)
	}
	dismissed, err := ledger.Event{Kind: "review_item.dismissed", Version: 1, Payload: json.RawMessage(`{"note":"typed"}`)}.Decode()
	if err != nil || dismissed != (command.ReviewItemDismissed{}) {
		t.Errorf("review_item.dismissed v1 reads as %#v, %v", dismissed, err)
	}
	applied, err := ledger.Event{Kind: "review_item.applied", Version: 1, Payload: json.RawMessage(`{"target":"round:2","payload":{}}`)}.Decode()
	if a, ok := applied.(command.ReviewItemApplied); err != nil || !ok || a.Target != "round:2" || a.PayloadHash != fmt.Sprintf("%x", sha256.Sum256([]byte(`{}`))) {
		t.Errorf("review_item.applied v1 reads as %#v, %v", applied, err)
	}
}

// TestSingleCommandsShareTransactions sends thirty one-command batches at
// once, as phones send each tap: they may share transactions (group commit),
// and a refused command among them, or a handler's panic, becomes a review
// item of its own and leaves no trace in the others' results or the ledger.
func TestSingleCommandsShareTransactions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		before := d.GroupStats()
		const n = 30
		// Command 7 is refused after its event is written; command 19's
		// handler panics.
		value := func(i int) int {
			switch i {
			case 7:
				return -1
			case 19:
				return 666
			}
			return 1
		}
		outs := make([]command.Outcome, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(i+1, value(i))})
				if err == nil && len(o) != 1 {
					err = fmt.Errorf("%d outcomes", len(o))
				}
				if err == nil {
					outs[i] = o[0]
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("command %d: %v", i, errs[i])
			}
			want := command.Applied
			if i == 7 || i == 19 {
				want = command.NeedsReview
			}
			if outs[i].Status != want || want == command.NeedsReview && outs[i].ReviewItemID == 0 {
				t.Errorf("command %d: %+v, want %s", i, outs[i], want)
			}
		}
		if got := counts(t, w, w.dist.OrgID); got != n-2 {
			t.Errorf("%d domain events, want %d", got, n-2)
		}
		if c := count(t, d, "SELECT COUNT(*) FROM commands WHERE org_id = ?", w.dist.OrgID); c != n {
			t.Errorf("%d commands rows, want %d", c, n)
		}
		if c := count(t, d, "SELECT COUNT(*) FROM review_items WHERE org_id = ?", w.dist.OrgID); c != 2 {
			t.Errorf("%d review items, want 2", c)
		}
		if g := d.GroupStats(); g.Requests-before.Requests < n-2 {
			t.Errorf("%d requests went through shared transactions, want at least %d", g.Requests-before.Requests, n-2)
		}
		// Sent again, each is answered as the first time.
		for i := range n {
			again, err := command.Apply(w.ctx, d, w.dist, []command.Command{cmd(i+1, value(i))})
			if err != nil {
				t.Fatal(err)
			}
			want := command.AlreadyApplied
			if value(i) != 1 {
				want = command.NeedsReview
			}
			if again[0].Status != want || again[0].ReviewItemID != outs[i].ReviewItemID {
				t.Errorf("command %d resent: %+v, first %+v", i, again[0], outs[i])
			}
		}
		rep, err := ledger.Verify(w.ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}
