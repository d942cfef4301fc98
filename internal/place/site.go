package place

import (
	"context"
	"database/sql"
	"math"
	"time"
	"unicode/utf8"

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
	ID     int64
	OrgID  int64
	BaseID int64
	Name   string
	Kind   string
	Note   string
	// PublicNote is the short description the public schedule shows
	// ("the car park behind the sports hall"): about the place only.
	PublicNote string
	// Pin is where the site itself is on a map, if a coordinator set one;
	// never the position of a person.
	Pin       *Pin
	Archived  bool
	CreatedAt time.Time
}

// Pin is a point on a map, in degrees, kept to 4 decimal places (about
// 10 m): enough to find a site, no finer.
type Pin struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// MaxPublicNoteLen bounds a site's public description, in characters.
const MaxPublicNoteLen = 300

// SitePublicNoteHintKey is the translation key of the hint every public
// description field shows.
const SitePublicNoteHintKey = "place.site.public_note_hint"

// pinE6 stores a pin as millionths of a degree, rounded to the pin's
// precision; nil stays NULL.
func (p *Pin) e6() (lat, lon any) {
	if p == nil {
		return nil, nil
	}
	return int64(math.Round(p.Lat*1e4)) * 100, int64(math.Round(p.Lon*1e4)) * 100
}

func pinOf(lat, lon sql.NullInt64) *Pin {
	if !lat.Valid || !lon.Valid {
		return nil
	}
	return &Pin{Lat: float64(lat.Int64) / 1e6, Lon: float64(lon.Int64) / 1e6}
}

// checkPin keeps a pin in range and rounds it.
func checkPin(p *Pin) (*Pin, error) {
	if p == nil {
		return nil, nil
	}
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
		return nil, apperr.New(apperr.Invalid, "place.error.pin_range").At("pin")
	}
	return &Pin{Lat: math.Round(p.Lat*1e4) / 1e4, Lon: math.Round(p.Lon*1e4) / 1e4}, nil
}

// SiteInput is what a person fills in to create or change a site.
type SiteInput struct {
	Name       string
	Kind       string
	Note       string
	PublicNote string
	Pin        *Pin // nil: no pin
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
	if in.PublicNote, err = cleanNote(in.PublicNote); err != nil {
		return in, apperr.As(err).At("public_note")
	}
	if utf8.RuneCountInString(in.PublicNote) > MaxPublicNoteLen {
		return in, apperr.New(apperr.Invalid, "place.error.note_long", MaxPublicNoteLen).At("public_note")
	}
	if in.Pin, err = checkPin(in.Pin); err != nil {
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
	cols:     "id, org_id, base_id, name, kind, note, public_note, lat_e6, lon_e6, archived, created_at",
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
	var lat, lon sql.NullInt64
	err := sc.Scan(&s.ID, &s.OrgID, &s.BaseID, &s.Name, &s.Kind, &s.Note, &s.PublicNote, &lat, &lon, &s.Archived, &at)
	s.CreatedAt, s.Pin = db.FromMicros(at), pinOf(lat, lon)
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
		lat, lon := in.Pin.e6()
		id, err := tx.InsertID(ctx, "INSERT INTO sites (org_id, base_id, name, kind, note, public_note, lat_e6, lon_e6, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			actor.OrgID, actor.BaseID, in.Name, in.Kind, in.Note, in.PublicNote, lat, lon, db.Micros(tx.Now))
		if err != nil {
			return 0, nil, err
		}
		site = Site{ID: id, OrgID: actor.OrgID, BaseID: actor.BaseID, Name: in.Name, Kind: in.Kind, Note: in.Note, PublicNote: in.PublicNote,
			Pin: in.Pin, CreatedAt: tx.Now}
		// The notes stay out of the ledger, which outlives erasure; the
		// site's own pin is in it.
		return id, SiteCreated{Name: in.Name, Kind: in.Kind, HasNote: in.Note != "", HasPublicNote: in.PublicNote != "", Pin: in.Pin}, nil
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
		lat, lon := in.Pin.e6()
		if _, err := tx.Exec(ctx, "UPDATE sites SET name = ?, kind = ?, note = ?, public_note = ?, lat_e6 = ?, lon_e6 = ? WHERE id = ?",
			in.Name, in.Kind, in.Note, in.PublicNote, lat, lon, id); err != nil {
			return nil, err
		}
		site = old
		site.Name, site.Kind, site.Note, site.PublicNote, site.Pin = in.Name, in.Kind, in.Note, in.PublicNote, in.Pin
		hasNote, hasPublic := in.Note != "", in.PublicNote != ""
		return SiteUpdated{Name: in.Name, Kind: in.Kind, NoteChanged: in.Note != old.Note, HasNote: &hasNote, HasPublicNote: &hasPublic, Pin: in.Pin}, nil
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
