package incident

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/ledger"
)

// The custody log of an incident's evidence on its page: every upload,
// view, download and export of each file, as the export bundle writes it
// (custodyOf), read from the ledger where it is kept, with who named at
// read time.

// CustodyEntry is one line of an incident's custody log.
type CustodyEntry struct {
	Custody           // File is the file's SHA-256
	ActorName  string // the user's name now
	EvidenceID int64
}

// Custody reads the custody log of an incident of the actor's base, file
// by file, each in the order of the chain. Reading it is not itself
// logged: it shows who opened files, not the files.
func (s *Service) Custody(ctx context.Context, actor access.Actor, incidentID int64) ([]CustodyEntry, error) {
	in, err := s.Get(ctx, actor, incidentID)
	if err != nil {
		return nil, err
	}
	return s.CustodyOf(ctx, actor, in)
}

// CustodyOf is Custody of an incident that Get has just answered the
// actor: a page that shows the incident reads it once.
func (s *Service) CustodyOf(ctx context.Context, actor access.Actor, in Incident) ([]CustodyEntry, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, err
	}
	names, ids := map[int64]string{}, map[string]int64{}
	for _, e := range in.Evidence {
		names[e.ID], ids[e.SHA256] = e.SHA256, e.ID
	}
	if len(in.Evidence) == 0 {
		return []CustodyEntry{}, nil
	}
	ex := exported{incidents: []Incident{in}}
	var err error
	if ex.entries, err = entriesOf(ctx, s.DB, actor.OrgID, ex.incidents); err != nil {
		return nil, fmt.Errorf("read custody log: %w", err)
	}
	who, err := s.userNames(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := []CustodyEntry{}
	for _, c := range custodyOf(ex, names) {
		out = append(out, CustodyEntry{Custody: c, ActorName: who[c.ActorID], EvidenceID: ids[c.File]})
	}
	return out, nil
}

// entriesOf reads the ledger entries about some incidents and their
// evidence files, in the order of the chain: what a custody log is made of.
func entriesOf(ctx context.Context, q db.Queryer, orgID int64, ins []Incident) ([]ledger.Event, error) {
	var inIDs, evIDs []int64
	for _, in := range ins {
		inIDs = append(inIDs, in.ID)
		for _, e := range in.Evidence {
			evIDs = append(evIDs, e.ID)
		}
	}
	es, err := ledger.EntriesAbout(ctx, q, orgID, "incident", inIDs)
	if err != nil {
		return nil, err
	}
	files, err := ledger.EntriesAbout(ctx, q, orgID, "evidence", evIDs)
	if err != nil {
		return nil, err
	}
	es = append(es, files...)
	slices.SortFunc(es, func(a, b ledger.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return es, nil
}

// userNames maps the organisation's users to their names.
func (s *Service) userNames(ctx context.Context, actor access.Actor) (map[int64]string, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, display_name FROM users WHERE org_id = ?", actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("read custody log: %w", err)
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read custody log: %w", err)
		}
		m[id] = strings.TrimSpace(name)
	}
	return m, rows.Err()
}
