package i18n

import (
	"strconv"
	"time"
)

// When shows a moment to people, in the time zone of their base and with
// the zone said: "12 Nov 14:03 CET". Every screen that shows a time uses
// it (internal/web's reqCtx.when and the template function when), so no
// screen shows UTC to people who live an hour away. The API keeps RFC 3339.
func When(lang string, loc *time.Location, t time.Time) string {
	t = t.In(zoneOr(loc))
	return T(lang, "time.when", t.Day(), T(lang, "web.month."+strconv.Itoa(int(t.Month()))), t.Format("15:04"), t.Format("MST"))
}

// Day is the calendar day of a moment in the base's zone, as 2026-11-12.
func Day(loc *time.Location, t time.Time) string {
	return t.In(zoneOr(loc)).Format(time.DateOnly)
}

// Stamp writes a moment for a spreadsheet, sortable and local to the base
// (2026-11-12 14:03); the column's header names the zone (ZoneName).
func Stamp(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(zoneOr(loc)).Format("2006-01-02 15:04")
}

// ZoneName is a zone as a header or a setting names it: its IANA name.
func ZoneName(loc *time.Location) string { return zoneOr(loc).String() }

func zoneOr(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
