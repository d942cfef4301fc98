package distribution_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
)

func cmd(n int, typ string, round int64, payload string) command.Command {
	return command.Command{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Type: typ, Target: distribution.RoundTarget(round),
		Payload: json.RawMessage(payload), MadeAt: t0}
}

// The tally screen's commands apply once: sent again they change nothing;
// an undo names the command it takes back; what cannot apply (a negative
// quantity, a product not in the round, a closed round, garbage) becomes a
// review item and changes nothing.
func TestTallyCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.plan(distribution.KindMixed, distribution.LineInput{ProductID: w.tent.ID, Planned: 5})
		_, err := w.s.SendOut(ctx, w.dist, r.ID)
		w.must(err)
		batch := []command.Command{
			cmd(1, distribution.CmdHandout, r.ID, fmt.Sprintf(`{"product_id":%d,"quantity":1}`, w.tent.ID)),
			cmd(2, distribution.CmdHandout, r.ID, fmt.Sprintf(`{"product_id":%d,"quantity":1}`, w.tent.ID)),
			cmd(3, distribution.CmdHandout, r.ID, fmt.Sprintf(`{"product_id":%d,"quantity":1}`, w.tent.ID)),
			cmd(4, distribution.CmdPeople, r.ID, `{"age":"adult","gender":"woman","quantity":2}`),
			cmd(5, distribution.CmdPeople, r.ID, `{"quantity":3}`),
			cmd(6, distribution.CmdMeals, r.ID, `{"variant":"vegetarian","quantity":1}`),
			cmd(7, distribution.CmdHandout, r.ID, fmt.Sprintf(`{"product_id":%d,"quantity":-2}`, w.tent.ID)),
			cmd(8, distribution.CmdHandout, r.ID, fmt.Sprintf(`{"product_id":%d,"quantity":1}`, w.bag.ID)),
			cmd(9, distribution.CmdPeople, r.ID, `{"quantity":1,"name":"Ahmed"}`),
			cmd(10, distribution.CmdUndo, r.ID, `{"command":"00000000-0000-4000-8000-000000000006"}`),
		}
		want := []command.Status{command.Applied, command.Applied, command.Applied, command.Applied, command.Applied, command.Applied,
			command.NeedsReview, command.NeedsReview, command.NeedsReview, command.Applied}
		check := func(outs []command.Outcome, want []command.Status) {
			t.Helper()
			for i, o := range outs {
				if o.Status != want[i] {
					t.Errorf("command %d: %s (%v), want %s", i+1, o.Status, o.Err, want[i])
				}
			}
		}
		outs, err := command.Apply(ctx, d, w.dist, batch)
		w.must(err)
		check(outs, want)
		// Sent again, from a second tab: nothing applies twice.
		outs, err = command.Apply(ctx, d, w.dist, batch)
		w.must(err)
		for i, o := range outs {
			if want[i] == command.Applied && o.Status != command.AlreadyApplied {
				t.Errorf("resent command %d: %s", i+1, o.Status)
			}
		}
		sum, err := w.s.Summary(ctx, w.coord, r.ID)
		w.must(err)
		if got := sum.Total(func(l distribution.Line) int64 { return l.HandedOut }); got != 3 || sum.PeopleServed() != 5 || sum.MealsServed() != 0 {
			t.Fatalf("after the batch: %d handed out, %d people, %d meals", got, sum.PeopleServed(), sum.MealsServed())
		}
		_, err = w.s.ComeBack(ctx, w.dist, r.ID)
		w.must(err)
		_, err = w.s.MarkLost(ctx, w.dist, r.ID, w.tent.ID, 0, "seized")
		if err == nil {
			t.Fatal("a loss of 0 was taken")
		}
		_, err = w.s.Close(ctx, w.dist, r.ID)
		w.must(err)
		outs, err = command.Apply(ctx, d, w.dist, []command.Command{cmd(11, distribution.CmdPeople, r.ID, `{"quantity":1}`)})
		w.must(err)
		check(outs, []command.Status{command.NeedsReview})
		items, err := command.ListReviewItems(ctx, d, w.coord, false)
		w.must(err)
		if len(items) != 4 {
			t.Fatalf("review items: %d, want 4", len(items))
		}
	})
}
