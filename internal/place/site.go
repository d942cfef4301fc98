package place

import (
	"context"
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
type SiteFilter = Filter

func (in SiteInput) name() string { return in.Name }

var sites = &named[Site, SiteInput]{
	table:    "sites",
	entity:   "site",
	cols:     "id, org_id, base_id, name, kind, note, archived, created_at",
	order:    "name, id",
	scan:     scanSite,
	view:     access.ViewSites,
	manage:   access.ManageSites,
	taken:    "place.error.site_taken",
	archived: SiteArchived{},
	restored: SiteRestored{},
}

func scanSite(sc scanner) (Site, error) {
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
	return sites.get(ctx, q, actor, id)
}

// Site returns one site of the actor's base.
func (s *Service) Site(ctx context.Context, actor access.Actor, id int64) (Site, error) {
	return sites.get(ctx, s.DB, actor, id)
}

// Sites lists the sites of the actor's base by name; archived ones only when
// asked.
func (s *Service) Sites(ctx context.Context, actor access.Actor, f SiteFilter) ([]Site, error) {
	return sites.list(ctx, s.DB, actor, f)
}

// CreateSite adds a site to the actor's base.
func (s *Service) CreateSite(ctx context.Context, actor access.Actor, in SiteInput) (Site, error) {
	var site Site
	err := sites.create(ctx, s.DB, actor, in, func(tx *db.Tx, in SiteInput) (int64, ledger.Payload, error) {
		id, err := tx.InsertID(ctx, "INSERT INTO sites (org_id, base_id, name, kind, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			actor.OrgID, actor.BaseID, in.Name, in.Kind, in.Note, db.Micros(tx.Now))
		if err != nil {
			return 0, nil, err
		}
		site = Site{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, Name: in.Name, Kind: in.Kind, Note: in.Note, CreatedAt: tx.Now}
		// The note stays out of the ledger, which outlives erasure.
		return id, SiteCreated{Name: in.Name, Kind: in.Kind, HasNote: in.Note != ""}, nil
	})
	if err != nil {
		return Site{}, err
	}
	return site, nil
}

// UpdateSite changes a site's name, kind and note.
func (s *Service) UpdateSite(ctx context.Context, actor access.Actor, id int64, in SiteInput) (Site, error) {
	var site Site
	err := sites.update(ctx, s.DB, actor, id, in, func(tx *db.Tx, old Site, in SiteInput) (ledger.Payload, error) {
		if _, err := tx.Exec(ctx, "UPDATE sites SET name = ?, kind = ?, note = ? WHERE id = ?", in.Name, in.Kind, in.Note, id); err != nil {
			return nil, err
		}
		site = old
		site.Name, site.Kind, site.Note = in.Name, in.Kind, in.Note
		hasNote := in.Note != ""
		return SiteUpdated{Name: in.Name, Kind: in.Kind, NoteChanged: in.Note != old.Note, HasNote: &hasNote}, nil
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
	return sites.archive(ctx, s.DB, actor, id, archived)
}
