package command_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
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
	ctx := context.Background()
	acc := account.New(d)
	oa, ba, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "A1")
	if err != nil {
		t.Fatal(err)
	}
	ob, bb, err := acc.CreateOrganisation(ctx, "org-b", "Org B", "B1")
	if err != nil {
		t.Fatal(err)
	}
	user := func(org, base int64, email string, role access.Role) access.Actor {
		u, err := acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{Email: email, Name: email, BaseID: base, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
	}
	return world{d: d, ctx: ctx,
		dist:  user(oa.ID, ba.ID, "dist@example.invalid", access.Distribution),
		coord: user(oa.ID, ba.ID, "coord@example.invalid", access.Coordinator),
		view:  user(oa.ID, ba.ID, "view@example.invalid", access.Viewer),
		other: user(ob.ID, bb.ID, "dist-b@example.invalid", access.Distribution),
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
