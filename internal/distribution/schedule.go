package distribution

import (
	"context"
	"fmt"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
)

// The public schedule: what an organisation tells the people it serves
// about its coming distributions, readable by anyone without signing in.
//
// abri serves those who help, never those who hunt: the schedule shows the
// least that lets a person come to a distribution. Of a round it shows the
// site's name and public note, the time window and the kind; never the
// site's map pin or any coordinate, no counts of people or goods, no
// volunteer, nothing that has ended, and nothing beyond ScheduleHorizon.
// Only rounds a coordinator marked public appear, and a round is private
// until one does. A round at a living site — where people sleep — is never
// public: the schedule is readable by anyone, police included, and would
// tell them where people are gathered and when. Such a round cannot be made
// public, and one whose site has since become a living site drops off.

// ScheduleHorizon is how far ahead the public schedule looks.
const ScheduleHorizon = 14 * 24 * time.Hour

// maxPublicRounds caps one schedule: two weeks of a busy kitchen.
const maxPublicRounds = 200

// PublicRound is everything the public schedule shows of one round.
type PublicRound struct {
	SiteName string
	SiteNote string // the site's public note, never its private one
	Kind     string
	StartsAt time.Time
	EndsAt   time.Time
	Zone     *time.Location // the time zone of the round's base
}

// Schedule is an organisation's public schedule.
type Schedule struct {
	OrgName string
	Rounds  []PublicRound // soonest first
}

// PublicSchedule reads the public schedule of the organisation with this
// slug at the moment now: its public rounds that are planned, being packed
// or out, that end after now and start within ScheduleHorizon. It is the
// one read without an actor, since it returns only what the organisation
// published. An unknown organisation and one with nothing public answer
// the same NotFound, so the page cannot be used to learn which
// organisations use this server.
func PublicSchedule(ctx context.Context, q db.Queryer, slug string, now time.Time) (Schedule, error) {
	var sc Schedule
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" || len(slug) > 64 {
		return sc, apperr.ErrNotFound()
	}
	rows, err := q.Query(ctx, `SELECT o.name, s.name, s.public_note, r.kind, r.starts_at, r.ends_at, b.time_zone
		FROM organisations o
		JOIN rounds r ON r.org_id = o.id
		JOIN sites s ON s.id = r.site_id AND s.org_id = o.id AND s.kind <> ?
		JOIN bases b ON b.id = r.base_id AND b.org_id = o.id
		WHERE o.slug = ? AND r.public = ? AND r.state IN (?, ?, ?) AND r.ends_at > ? AND r.starts_at < ?
		ORDER BY r.starts_at, r.id LIMIT `+fmt.Sprint(maxPublicRounds),
		place.SiteLiving, slug, true, Planned, Packing, Out, db.Micros(now), db.Micros(now.Add(ScheduleHorizon)))
	if err != nil {
		return sc, fmt.Errorf("public schedule: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pr PublicRound
		var st, en int64
		var zone string
		if err := rows.Scan(&sc.OrgName, &pr.SiteName, &pr.SiteNote, &pr.Kind, &st, &en, &zone); err != nil {
			return sc, fmt.Errorf("public schedule: %w", err)
		}
		pr.StartsAt, pr.EndsAt, pr.Zone = db.FromMicros(st), db.FromMicros(en), account.Location(zone)
		sc.Rounds = append(sc.Rounds, pr)
	}
	if err := rows.Err(); err != nil {
		return sc, fmt.Errorf("public schedule: %w", err)
	}
	if len(sc.Rounds) == 0 {
		return Schedule{}, apperr.ErrNotFound()
	}
	return sc, nil
}

// SetPublic puts a round on the public schedule or takes it off. A round
// that is back, closed or cancelled is past, so it cannot change.
func (s *Service) SetPublic(ctx context.Context, actor access.Actor, id int64, public bool) (Round, error) {
	return s.change(ctx, actor, access.PlanRounds, id, func(tx *db.Tx, r *Round) error {
		if r.State != Planned && r.State != Packing && r.State != Out {
			return wrongState(*r)
		}
		if r.Public == public {
			return nil
		}
		if public {
			site, err := place.GetSite(ctx, tx, actor, r.SiteID)
			if err != nil {
				return err
			}
			if !mayBePublic(site) {
				return errLivingPublic()
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE rounds SET public = ?, updated_at = ? WHERE id = ? AND org_id = ?", public, db.Micros(tx.Now), r.ID, actor.OrgID); err != nil {
			return fmt.Errorf("round public: %w", err)
		}
		if _, err := ledger.Append(ctx, tx, actor, "round", r.ID, RoundPublicSet{Public: public}); err != nil {
			return err
		}
		r.Public, r.UpdatedAt = public, tx.Now
		return nil
	})
}

// mayBePublic says whether a round at the site may go on the public
// schedule: not at a living site.
func mayBePublic(site place.Site) bool { return site.Kind != place.SiteLiving }

func errLivingPublic() error {
	return apperr.New(apperr.Invalid, "distribution.error.public_living_site").At("public")
}
