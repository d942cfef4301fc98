package stock

import (
	"strings"

	"abri/internal/apperr"
)

// State is where a box is in its life. Each has the translation key
// "stock.state.<state>".
type State string

const (
	InStock      State = "in_stock"
	Reserved     State = "reserved"      // packed for a distribution or a shipment
	HandedOut    State = "handed_out"    // given to people
	Lost         State = "lost"          // missing, seized, destroyed
	Scrap        State = "scrap"         // unusable, thrown away
	InTransit    State = "in_transit"    // on its way to another group
	Received     State = "received"      // arrived from another group, not yet put away
	NotDelivered State = "not_delivered" // sent but never arrived
)

// States lists every state in the order screens show them.
var States = []State{InStock, Reserved, HandedOut, Lost, Scrap, InTransit, Received, NotDelivered}

// InWarehouse are the states of boxes that are physically in the base.
var InWarehouse = []State{InStock, Reserved, Received}

// moves lists the allowed changes of state. Taking a box back into stock is
// allowed from every state a person might have set by mistake; a box in
// transit only arrives or does not.
var moves = map[State][]State{
	InStock:      {Reserved, HandedOut, Lost, Scrap, InTransit},
	Reserved:     {InStock, HandedOut, Lost, Scrap, InTransit},
	HandedOut:    {InStock},
	Lost:         {InStock},
	Scrap:        {InStock},
	InTransit:    {Received, NotDelivered},
	Received:     {InStock, Reserved, HandedOut, Lost, Scrap},
	NotDelivered: {InStock, InTransit, Lost},
}

// ParseState checks a state name.
func ParseState(s string) (State, error) {
	for _, x := range States {
		if string(x) == s {
			return x, nil
		}
	}
	names := make([]string, len(States))
	for i, x := range States {
		names[i] = string(x)
	}
	return "", apperr.New(apperr.Invalid, "stock.error.state_named", clip(s), strings.Join(names, ", "))
}

// CanMove tells whether a box may go from one state to another. Staying in
// the same state is always allowed.
func CanMove(from, to State) bool {
	if from == to {
		return true
	}
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Movable tells whether a box in this state may change location: only boxes
// that are in the base, or that come back to it.
func (s State) Movable() bool {
	return s != InTransit
}
