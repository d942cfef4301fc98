package needs

import (
	"context"
	"sort"

	"abri/internal/access"
	"abri/internal/stock"
)

// BoardRow is what the open needs of one product (or one category, for
// needs of a category) add up to across the base's sites, against the
// items in stock.
type BoardRow struct {
	ProductID    int64 // 0 for a category's row
	ProductName  string
	Gender       string
	CategoryID   int64
	CategoryName string
	Needed       int64 // still wanted
	InHand       int64 // items in stock (boxes in stock or received)
	Urgency      int64 // the highest urgency among the needs
	Needs        []Need
}

// Shortfall is what stock cannot cover.
func (r BoardRow) Shortfall() int64 { return max(0, r.Needed-r.InHand) }

// Board shows the open needs of the actor's base against the stock in
// hand, the rows with the biggest shortfall of the most urgent first.
func (s *Service) Board(ctx context.Context, actor access.Actor) ([]BoardRow, error) {
	ns, err := s.List(ctx, actor, Filter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	ov, err := stock.New(s.DB).Overview(ctx, actor, []stock.State{stock.InStock, stock.Received})
	if err != nil {
		return nil, err
	}
	byProduct, byCategory := map[int64]int64{}, map[int64]int64{}
	for _, o := range ov {
		byProduct[o.ProductID] += o.Items
		byCategory[o.CategoryID] += o.Items
	}
	type key struct{ product, category int64 }
	at := map[key]int{}
	var rows []BoardRow
	for _, n := range ns {
		k := key{n.ProductID, n.CategoryID}
		i, ok := at[k]
		if !ok {
			i = len(rows)
			at[k] = i
			r := BoardRow{ProductID: n.ProductID, ProductName: n.ProductName, Gender: n.Gender, CategoryID: n.CategoryID, CategoryName: n.CategoryName}
			if n.ProductID != 0 {
				r.InHand = byProduct[n.ProductID]
			} else {
				r.InHand = byCategory[n.CategoryID]
			}
			rows = append(rows, r)
		}
		rows[i].Needed += n.Remaining()
		rows[i].Urgency = max(rows[i].Urgency, n.Urgency)
		rows[i].Needs = append(rows[i].Needs, n)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Urgency != rows[j].Urgency {
			return rows[i].Urgency > rows[j].Urgency
		}
		return rows[i].Shortfall() > rows[j].Shortfall()
	})
	return rows, nil
}
