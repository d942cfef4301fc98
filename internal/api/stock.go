package api

import (
	"net/http"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/stock"
)

// overviewRow is one line of the stock overview: the boxes of one product
// in one size at one location, and the items (or, for measured goods, the
// quantity) they hold.
type overviewRow struct {
	Category idName   `json:"category"`
	Product  idName   `json:"product"`
	Gender   string   `json:"gender"`
	Size     string   `json:"size"`
	Location idName   `json:"location"`
	Boxes    int64    `json:"boxes"`
	Items    int64    `json:"items"`
	Quantity *float64 `json:"quantity"`
	Unit     *string  `json:"unit"`
}

type overviewBody struct {
	States []string      `json:"states"`
	Rows   []overviewRow `json:"rows"`
}

// stockOverview answers GET /api/v1/stock: the base's boxes summed by
// category, product, size and location, in that order. state (repeatable)
// chooses the boxes counted; by default those in the warehouse.
func (a *api) stockOverview(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "state")
	if err != nil {
		return err
	}
	sts, err := stock.ParseStates(q.v)
	if err != nil {
		return err
	}
	rows, err := a.stock.Overview(r.Context(), p.Actor, sts)
	if err != nil {
		return err
	}
	if len(sts) == 0 {
		sts = stock.InWarehouse
	}
	out := overviewBody{States: make([]string, len(sts)), Rows: make([]overviewRow, 0, len(rows))}
	for i, s := range sts {
		out.States[i] = string(s)
	}
	for _, x := range rows {
		row := overviewRow{
			Category: idName{x.CategoryID, x.CategoryName}, Product: idName{x.ProductID, x.ProductName}, Gender: x.Gender,
			Size: x.Size, Location: idName{x.LocationID, x.LocationName}, Boxes: x.Boxes, Items: x.Items,
		}
		if u := baseUnit(x.Measure); u != nil {
			qty := float64(x.MeasureMil) / 1000
			row.Quantity, row.Unit = &qty, u
		}
		out.Rows = append(out.Rows, row)
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// donationBody is a donation intake: what came in, when, from what kind
// of source; never who gave it.
type donationBody struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	ReceivedOn string    `json:"received_on"`
	WeightG    int64     `json:"weight_g"`
	ItemCount  int64     `json:"item_count"`
	Note       string    `json:"note"`
	Boxes      int64     `json:"boxes"`
	CreatedAt  time.Time `json:"created_at"`
}

func donationOf(d stock.Donation) donationBody {
	return donationBody{ID: d.ID, Source: d.Source, ReceivedOn: d.ReceivedOn, WeightG: d.WeightG, ItemCount: d.ItemCount,
		Note: d.Note, Boxes: d.Boxes, CreatedAt: d.CreatedAt.UTC()}
}

// donationCreate is the body of POST /api/v1/donations.
type donationCreate struct {
	Source     string `json:"source"`
	ReceivedOn string `json:"received_on"`
	WeightG    int64  `json:"weight_g"`
	ItemCount  int64  `json:"item_count"`
	Note       string `json:"note"`
}

// createDonation answers POST /api/v1/donations: 201 and the intake, whose
// id boxes made from it then carry as donation_id.
func (a *api) createDonation(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if err := p.Actor.Require(access.EditStock); err != nil {
		return err
	}
	var in donationCreate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := a.stock.RecordDonation(r.Context(), p.Actor, stock.Donation{
		Source: in.Source, ReceivedOn: in.ReceivedOn, WeightG: in.WeightG, ItemCount: in.ItemCount, Note: in.Note})
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusCreated, donationOf(d))
	return nil
}

// maxDonations is the most intakes GET /api/v1/donations lists.
const maxDonations = 500

// listDonations answers GET /api/v1/donations: the base's latest intakes,
// newest first, each with how many boxes were made from it.
func (a *api) listDonations(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "limit")
	if err != nil {
		return err
	}
	limit, err := q.limit(50, maxDonations)
	if err != nil {
		return err
	}
	ds, err := a.stock.Donations(r.Context(), p.Actor, limit)
	if err != nil {
		return err
	}
	out := struct {
		Donations []donationBody `json:"donations"`
	}{make([]donationBody, 0, len(ds))}
	for _, d := range ds {
		out.Donations = append(out.Donations, donationOf(d))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
