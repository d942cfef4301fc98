package distribution_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/needs"
)

// BenchmarkTally records one tally the way the tally screen's queue sends
// it: one hand-out command through command.Apply (idempotency check, the
// tally, its event, the needs it meets, the command's record), on each
// database, and reports the 95th percentile.
func BenchmarkTally(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(c.name, func(b *testing.B) {
			d := c.open(b)
			w := newWorld(b, d)
			r := w.plan(distribution.KindShelter, distribution.LineInput{ProductID: w.tent.ID, Planned: 100})
			_, err := w.s.SendOut(ctx, w.dist, r.ID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.nd.Create(ctx, w.coord, needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: needs.MaxNeed, Urgency: 3,
				Source: needs.FromCoordinator}); err != nil {
				b.Fatal(err)
			}
			payload := fmt.Sprintf(`{"product_id":%d,"quantity":1}`, w.tent.ID)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := cmd(i+1, distribution.CmdHandout, r.ID, payload)
				start := time.Now()
				outs, err := command.Apply(ctx, d, w.dist, []command.Command{c})
				lat = append(lat, time.Since(start))
				if err != nil || outs[0].Status != command.Applied {
					b.Fatalf("%v %+v", err, outs)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
