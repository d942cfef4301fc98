package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
)

// A Projection rebuilds the rows of one domain from an organisation's
// events and compares them with the rows in the database. Each domain
// registers its own (stock: boxes and stock totals; place: locations and
// sites; …), so the knowledge of what an event means stays with the domain.
type Projection interface {
	// Apply takes the organisation's events one by one in chain order,
	// decoded. It sees every event, of every domain.
	Apply(e Event, p Payload)
	// Compare reads the organisation's rows and reports each that the
	// events do not account for.
	Compare(ctx context.Context, q Reader, orgID int64) ([]Difference, error)
}

// Reader is the read-only snapshot Compare reads from.
type Reader interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// Difference is one row that does not match the events.
type Difference struct {
	OrgID  int64
	Table  string // e.g. "boxes"
	Row    string // which row, e.g. "box 12 (K7PQ-4XWM)"
	Column string // "" when the whole row is missing or unexpected
	Ledger string // what the events say
	Stored string // what the row holds
	Last   Touch  // the last event about the row; Seq 0 when there is none
}

// Touch names an event: the last one that touched a row.
type Touch struct {
	Seq  int64
	Kind string
}

// TouchOf is the Touch of an event.
func TouchOf(e Event) Touch { return Touch{e.Seq, e.Kind} }

func (d Difference) String() string {
	what := d.Table + " " + d.Row
	if d.Column != "" {
		what += " " + d.Column
	}
	last := "no event touched it"
	if d.Last.Seq != 0 {
		last = fmt.Sprintf("last event %d (%s)", d.Last.Seq, d.Last.Kind)
	}
	return fmt.Sprintf("organisation %d: %s: the ledger says %s, the database holds %s; %s", d.OrgID, what, d.Ledger, d.Stored, last)
}

var projections = struct {
	sync.RWMutex
	byName map[string]func() Projection
}{byName: map[string]func() Projection{}}

// RegisterProjection adds a projection under a name; Verify makes a fresh
// one for each organisation.
func RegisterProjection(name string, newProjection func() Projection) {
	projections.Lock()
	defer projections.Unlock()
	projections.byName[name] = newProjection
}

// newProjections makes one of each registered projection, in name order.
func newProjections() []Projection {
	projections.RLock()
	defer projections.RUnlock()
	names := make([]string, 0, len(projections.byName))
	for n := range projections.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Projection, 0, len(names))
	for _, n := range names {
		out = append(out, projections.byName[n]())
	}
	return out
}

// Diffs collects the differences of a Compare.
type Diffs []Difference

// Col notes a column whose stored value is not the one the events give.
func (ds *Diffs) Col(table, row string, last Touch, col string, want, got any) {
	w, g := fmt.Sprintf("%#v", want), fmt.Sprintf("%#v", got)
	if w != g {
		*ds = append(*ds, Difference{Table: table, Row: row, Column: col, Ledger: w, Stored: g, Last: last})
	}
}

// Missing notes a row the events made that is not in the database.
func (ds *Diffs) Missing(table, row string, last Touch) {
	*ds = append(*ds, Difference{Table: table, Row: row, Ledger: "a row", Stored: "no such row", Last: last})
}

// Unexpected notes a row in the database that no event made.
func (ds *Diffs) Unexpected(table, row string) {
	*ds = append(*ds, Difference{Table: table, Row: row, Ledger: "no such row", Stored: "a row"})
}

// ScanRows runs q and calls each for every row, with a scanner.
func ScanRows(ctx context.Context, r Reader, each func(scan func(...any) error) error, q string, args ...any) error {
	rows, err := r.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
