package stock

// What a change will do, for screens that say so before it is made.

// StateAfterMove is the state a box in state from takes when moved to a
// location whose default state is locDefault ("" means in stock): a move to
// the scrap corner makes it scrap. Screens show it before the move, so a
// state never changes without a word.
func StateAfterMove(from State, locDefault string) State {
	if locDefault == "" {
		locDefault = string(InStock)
	}
	return moveState(from, State(locDefault))
}

// Unchanged tells whether an update saved nothing because the box already
// was as asked (a move to its own location): its version is still the one
// the person saw, and no event was written.
func Unchanged(seen int64, after Box) bool { return after.Version == seen }
