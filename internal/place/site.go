package place

import (
	"context"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Site kinds: where people live, or where a distribution is held.
const (
	SiteLiving       = "living"
	SiteDistribution = "distribution"
)

// SiteKinds lists the kinds of site; each has the translation key
// "place.site.kind.<kind>".
var SiteKinds = []string{SiteLiving, SiteDistribution}

// SiteNoteHintKey is the translation key of the hint every site note field
// shows: the note is about the place, never about the people there.
const SiteNoteHintKey = "place.site.note_hint"

// Site is a named zone of a base.
type Site struct {
	ID        int64
	OrgID     int64
	BaseID    int64
	Name      string
	Kind      string
	Note      string
	Archived  bool
	CreatedAt time.Time
}

// SiteInput is what a person fills in to create or change a site.
type SiteInput struct {
	Name string
	Kind string
	Note string
}

func (in SiteInput) clean() (SiteInput, error) {
	var err error
	if in.Name, err = cleanName(in.Name); err != nil {
		return in, err
	}
	if !oneOf(in.Kind, SiteKinds) {
		return in, apperr.New(apperr.Invalid, "place.error.site_kind_unknown")
	}
	if in.Note, err = cleanNote(in.Note); err != nil {
		return in, err
	}
	return in, nil
}

// SiteFilter narrows a list of sites.
type SiteFilter struct {
	Kind            string // "" for every kind
	IncludeArchived bool
}

const siteCols = "id, org_id, base_id, name, kind, note, archived, created_at"

func scanSite(sc interface{ Scan(...any) error }) (Site, error) {
	var s Site
	var at int64
	err := sc.Scan(&s.ID, &s.OrgID, &s.BaseID, &s.Name, &s.Kind, &s.Note, &s.Archived, &at)
	s.CreatedAt = db.FromMicros(at)
	return s, err
}

// GetSite returns a site of the actor's base, archived or not, for use inside
// another domain's transaction. Another base's or organisation's site is
// NotFound.
func GetSite(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Site, error) {
	if err := actor.Require(access.ViewSites); err != nil {
		return Site{}, err
	}
	s, err := scanSite(q.QueryRow(ctx, "SELECT "+siteCols+" FROM sites WHERE id = ? AND base_id = ? AND org_id = ?", id, actor.BaseID, actor.OrgID))
	if db.IsNoRows(err) {
		return s, apperr.ErrNotFound()
	}
	if err != nil {
		return s, fmt.Errorf("read site: %w", err)
	}
	return s, nil
}

// Site returns one site of the actor's base.
func (s *Service) Site(ctx context.Context, actor access.Actor, id int64) (Site, error) {
	return GetSite(ctx, s.DB, actor, id)
}

// Sites lists the sites of the actor's base by name; archived ones only when
// asked.
func (s *Service) Sites(ctx context.Context, actor access.Actor, f SiteFilter) ([]Site, error) {
	if err := actor.Require(access.ViewSites); err != nil {
		return nil, err
	}
	q := "SELECT " + siteCols + " FROM sites WHERE base_id = ? AND org_id = ?"
	args := []any{actor.BaseID, actor.OrgID}
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if !f.IncludeArchived {
		q += " AND archived = ?"
		args = append(args, false)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY archived, name, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	var ss []Site
	for rows.Next() {
		site, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("list sites: %w", err)
		}
		ss = append(ss, site)
	}
	return ss, rows.Err()
}

// siteNameFree checks, ignoring case, that no other site of the base has the
// name; archived sites count, so that restoring one never clashes.
func siteNameFree(ctx context.Context, tx *db.Tx, baseID, exceptID int64, name string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM sites WHERE base_id = ? AND LOWER(name) = LOWER(?) AND id <> ?", baseID, name, exceptID).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, "place.error.site_taken")
	}
	if !db.IsNoRows(err) {
		return fmt.Errorf("check site name: %w", err)
	}
	return nil
}

// CreateSite adds a site to the actor's base.
func (s *Service) CreateSite(ctx context.Context, actor access.Actor, in SiteInput) (Site, error) {
	if err := actor.Require(access.ManageSites); err != nil {
		return Site{}, err
	}
	in, err := in.clean()
	if err != nil {
		return Site{}, err
	}
	var site Site
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := siteNameFree(ctx, tx, actor.BaseID, 0, in.Name); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, "INSERT INTO sites (org_id, base_id, name, kind, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			actor.OrgID, actor.BaseID, in.Name, in.Kind, in.Note, db.Micros(tx.Now))
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "place.error.site_taken")
		}
		if err != nil {
			return fmt.Errorf("create site: %w", err)
		}
		// The note stays out of the ledger, which outlives erasure.
		if _, err := ledger.Append(ctx, tx, actor, "site", id,
			SiteCreated{Name: in.Name, Kind: in.Kind, HasNote: in.Note != ""}); err != nil {
			return err
		}
		site = Site{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, Name: in.Name, Kind: in.Kind, Note: in.Note, CreatedAt: tx.Now}
		return nil
	})
	if err != nil {
		return Site{}, err
	}
	return site, nil
}

// UpdateSite changes a site's name, kind and note.
func (s *Service) UpdateSite(ctx context.Context, actor access.Actor, id int64, in SiteInput) (Site, error) {
	if err := actor.Require(access.ManageSites); err != nil {
		return Site{}, err
	}
	in, err := in.clean()
	if err != nil {
		return Site{}, err
	}
	var site Site
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := scanSite(tx.QueryRow(ctx, "SELECT "+siteCols+" FROM sites WHERE id = ? AND base_id = ? AND org_id = ?"+tx.ForUpdate(),
			id, actor.BaseID, actor.OrgID))
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("update site: %w", err)
		}
		if err := siteNameFree(ctx, tx, actor.BaseID, id, in.Name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE sites SET name = ?, kind = ?, note = ? WHERE id = ?", in.Name, in.Kind, in.Note, id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "place.error.site_taken")
		}
		if err != nil {
			return fmt.Errorf("update site: %w", err)
		}
		hasNote := in.Note != ""
		if _, err := ledger.Append(ctx, tx, actor, "site", id,
			SiteUpdated{Name: in.Name, Kind: in.Kind, NoteChanged: in.Note != old.Note, HasNote: &hasNote}); err != nil {
			return err
		}
		site = old
		site.Name, site.Kind, site.Note = in.Name, in.Kind, in.Note
		return nil
	})
	if err != nil {
		return Site{}, err
	}
	return site, nil
}

// ArchiveSite archives a site (archived true) or brings it back. An archived
// site drops out of lists and pickers but keeps its history. Setting what is
// already set changes nothing and writes no event.
func (s *Service) ArchiveSite(ctx context.Context, actor access.Actor, id int64, archived bool) error {
	if err := actor.Require(access.ManageSites); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var was bool
		err := tx.QueryRow(ctx, "SELECT archived FROM sites WHERE id = ? AND base_id = ? AND org_id = ?"+tx.ForUpdate(),
			id, actor.BaseID, actor.OrgID).Scan(&was)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("archive site: %w", err)
		}
		if was == archived {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE sites SET archived = ? WHERE id = ?", archived, id); err != nil {
			return fmt.Errorf("archive site: %w", err)
		}
		var event ledger.Payload = SiteRestored{}
		if archived {
			event = SiteArchived{}
		}
		_, err = ledger.Append(ctx, tx, actor, "site", id, event)
		return err
	})
}
