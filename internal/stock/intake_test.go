package stock_test

import (
	"testing"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/stock"
)

// TestIntakeIsAllOrNothing: a donation and the boxes sorted from it are made
// together; one refused box leaves neither behind.
func TestIntakeIsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		don := stock.Donation{Source: "collection", ReceivedOn: "2026-11-20", WeightG: 14500}
		good := stock.NewBox{ProductID: w.jacket.ID, Size: "M", Items: 12, LocationID: w.shelf1.ID}
		bad := stock.NewBox{ProductID: w.jacket.ID, Size: "Huge", Items: 3, LocationID: w.shelf1.ID}

		before := w.snap()
		_, _, err := w.s.Intake(ctx, w.wh, don, []stock.NewBox{good, bad})
		wantCode(t, err, apperr.Invalid)
		if e := apperr.As(err); e.Key != "stock.error.in_row" || e.Args[0] != 2 {
			t.Errorf("error names %s %v, want box 2", e.Key, e.Args)
		}
		w.unchanged(before, "a refused intake")
		if ds, _ := w.s.Donations(ctx, w.wh, 10); len(ds) != 0 {
			t.Fatalf("a refused intake recorded its donation: %+v", ds)
		}

		// A bad donation is refused before any box is looked at.
		_, _, err = w.s.Intake(ctx, w.wh, stock.Donation{Source: "a neighbour", ReceivedOn: "2026-11-20"}, []stock.NewBox{good})
		wantCode(t, err, apperr.Invalid)
		w.unchanged(before, "an intake with an unknown source")

		// The viewer may not record an intake.
		_, _, err = w.s.Intake(ctx, w.viewer, don, []stock.NewBox{good})
		wantCode(t, err, apperr.Forbidden)

		got, boxes, err := w.s.Intake(ctx, w.wh, don, []stock.NewBox{good, good})
		w.must(err)
		if got.ID == 0 || len(boxes) != 2 {
			t.Fatalf("intake gave donation %d and %d boxes", got.ID, len(boxes))
		}
		for _, b := range boxes {
			if b.DonationID != got.ID {
				t.Errorf("box %s belongs to donation %d, want %d", b.Code, b.DonationID, got.ID)
			}
		}
		ds, err := w.s.Donations(ctx, w.wh, 10)
		w.must(err)
		if len(ds) != 1 || ds[0].Boxes != 2 || ds[0].WeightG != 14500 {
			t.Errorf("donations after the intake: %+v", ds)
		}
	})
}
