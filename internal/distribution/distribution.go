// Package distribution holds distribution rounds: a team takes a packed
// load to a site within a time window, hands it out and comes back. A round
// goes planned → packing → out → back → closed (or is cancelled before it
// leaves). Packing a box reserves it through the stock package; closing the
// round hands out the boxes that did not come back. Tallies count what was
// handed out per product, the people served as anonymous counts (age band
// and gender, each optional) and, for a kitchen, the meals served by
// variant. Nothing in a round identifies a person.
package distribution

import (
	"time"

	"abri/internal/db"
)

// Service reads and changes the rounds of the actor's base.
type Service struct{ DB *db.DB }

// New returns a distribution service.
func New(d *db.DB) *Service { return &Service{DB: d} }

// Round kinds.
const (
	KindMeals   = "meals"
	KindGoods   = "goods"
	KindShelter = "shelter"
	KindMixed   = "mixed"
)

// Kinds lists the kinds of round; each has the key "distribution.kind.<kind>".
var Kinds = []string{KindMeals, KindGoods, KindShelter, KindMixed}

// Round states.
const (
	Planned   = "planned"
	Packing   = "packing"
	Out       = "out"
	Back      = "back"
	Closed    = "closed"
	Cancelled = "cancelled"
)

// States lists the states in the order of a round's life; each has the key
// "distribution.state.<state>".
var States = []string{Planned, Packing, Out, Back, Closed, Cancelled}

// Age bands and genders of the people served; "" is "not said".
var (
	AgeBands = []string{"child", "adult"}
	Genders  = []string{"woman", "man", "other", "unknown"}
)

// MealVariants are the kinds of meal a kitchen counts; each has the key
// "distribution.meal.<variant>".
var MealVariants = []string{"standard", "vegetarian", "vegan", "no_pork", "gluten_free"}

// LossReasons are why something that went out did not come back; each has
// the key "distribution.loss.<reason>". A fixed list: a reason typed by a
// person could name someone.
var LossReasons = []string{"missing", "seized", "damaged", "other"}

// Tally kinds.
const (
	TallyHandout = "handout"
	TallyPeople  = "people"
	TallyMeals   = "meals"
)

// MaxTally bounds one tally's quantity; MaxWindow a round's time window.
const (
	MaxTally  = 10000
	MaxWindow = 24 * time.Hour
)

// Round is one distribution round.
type Round struct {
	ID        int64
	OrgID     int64
	BaseID    int64
	SiteID    int64
	SiteName  string
	Kind      string
	Public    bool
	StartsAt  time.Time
	EndsAt    time.Time
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TakesStock tells whether the round carries goods from the warehouse; a
// meals round counts meals and touches no stock.
func (r Round) TakesStock() bool { return r.Kind != KindMeals }

// CountsMeals tells whether the round serves meals.
func (r Round) CountsMeals() bool { return r.Kind == KindMeals || r.Kind == KindMixed }

// Editable tells whether the packing list may still change.
func (r Round) Editable() bool { return r.State == Planned || r.State == Packing }

// Tallying tells whether hand-outs, people and meals may be counted.
func (r Round) Tallying() bool { return r.State == Out || r.State == Back }

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
