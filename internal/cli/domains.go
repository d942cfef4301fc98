package cli

// Every capability whose events are in the ledger is linked into the
// command line, so that abri verify reads and replays all of them even
// before the screens or the API use the capability (an event of a kind abri
// does not know is reported as a difference).
import (
	_ "abri/internal/command"
	_ "abri/internal/distribution"
	_ "abri/internal/incident"
	_ "abri/internal/needs"
	_ "abri/internal/people"
)
