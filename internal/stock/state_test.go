package stock_test

import (
	"testing"

	"abri/internal/apperr"
	"abri/internal/stock"
)

// TestStateMoves is the whole state machine as a literal table: for every
// state a box is in (row) and every state a person asks for (column), whether
// abri lets it happen. Staying in the same state is always allowed.
func TestStateMoves(t *testing.T) {
	const (
		Y = true
		n = false
	)
	cols := []stock.State{stock.InStock, stock.Reserved, stock.HandedOut, stock.Lost, stock.Scrap, stock.InTransit, stock.Received, stock.NotDelivered}
	table := []struct {
		from stock.State
		to   []bool
	}{
		//                      in_stock reserved handed_out lost scrap in_transit received not_delivered
		{stock.InStock /*    */, []bool{Y, Y, Y, Y, Y, Y, n, n}},
		{stock.Reserved /*   */, []bool{Y, Y, Y, Y, Y, Y, n, n}},
		{stock.HandedOut /*  */, []bool{Y, n, Y, n, n, n, n, n}},
		{stock.Lost /*       */, []bool{Y, n, n, Y, n, n, n, n}},
		{stock.Scrap /*      */, []bool{Y, n, n, n, Y, n, n, n}},
		{stock.InTransit /*  */, []bool{n, n, n, n, n, Y, Y, Y}},
		{stock.Received /*   */, []bool{Y, Y, Y, Y, Y, n, Y, n}},
		{stock.NotDelivered /**/, []bool{Y, n, n, Y, n, Y, n, Y}},
	}
	if len(table) != len(stock.States) || len(cols) != len(stock.States) {
		t.Fatalf("the table covers %d states, abri has %d", len(table), len(stock.States))
	}
	for i, s := range stock.States {
		if table[i].from != s || cols[i] != s {
			t.Fatalf("state %d is %s, the table says %s", i, s, table[i].from)
		}
	}
	for _, row := range table {
		for j, want := range row.to {
			if got := stock.CanMove(row.from, cols[j]); got != want {
				t.Errorf("CanMove(%s → %s) = %v, want %v", row.from, cols[j], got, want)
			}
		}
	}
}

func TestParseStateAndMovable(t *testing.T) {
	for _, s := range stock.States {
		got, err := stock.ParseState(string(s))
		if err != nil || got != s {
			t.Errorf("ParseState(%s) = %s, %v", s, got, err)
		}
		if want := s != stock.InTransit; s.Movable() != want {
			t.Errorf("%s.Movable() = %v, want %v", s, s.Movable(), want)
		}
	}
	for _, bad := range []string{"", "IN_STOCK", "in stock", "stolen", "in_stock "} {
		if _, err := stock.ParseState(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("ParseState(%q) = %v, want Invalid", bad, err)
		}
	}
	if !stock.CanMove("stolen", "stolen") || stock.CanMove("stolen", stock.InStock) || stock.CanMove(stock.InStock, "stolen") {
		t.Error("an unknown state must not move anywhere")
	}
	for _, s := range stock.InWarehouse {
		if s != stock.InStock && s != stock.Reserved && s != stock.Received {
			t.Errorf("InWarehouse holds %s", s)
		}
	}
}
