// Package place holds the places of a base: sites, the named zones where
// people live or where distributions happen, and locations, where boxes are
// kept (shelves, rooms, vans). A site is a name a team recognises, never a
// GPS position of people, and its note must not describe people.
package place

import (
	"strings"
	"unicode/utf8"

	"abri/internal/apperr"
	"abri/internal/db"
)

// Service reads and changes the sites and locations of the actor's base.
type Service struct {
	DB *db.DB
}

// New returns a place service.
func New(d *db.DB) *Service { return &Service{DB: d} }

// MaxNameLen and MaxNoteLen bound names and notes, in characters.
const (
	MaxNameLen = 100
	MaxNoteLen = 1000
)

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cleanName trims a name and checks it: required, at most MaxNameLen
// characters, no control characters.
func cleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.New(apperr.Invalid, "place.error.name_required")
	}
	if !utf8.ValidString(s) {
		return "", apperr.New(apperr.Invalid, "place.error.name_invalid")
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return "", apperr.New(apperr.Invalid, "place.error.name_long", MaxNameLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", apperr.New(apperr.Invalid, "place.error.name_invalid")
		}
	}
	return s, nil
}

// cleanNote trims a note and checks its length. Line breaks are allowed.
func cleanNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", apperr.New(apperr.Invalid, "place.error.note_invalid")
	}
	if utf8.RuneCountInString(s) > MaxNoteLen {
		return "", apperr.New(apperr.Invalid, "place.error.note_long", MaxNoteLen)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return "", apperr.New(apperr.Invalid, "place.error.note_invalid")
		}
	}
	return s, nil
}
