package stock

import (
	"errors"
	"strings"

	"abri/internal/apperr"
	"abri/internal/checkcode"
)

// A box code is 8 random symbols and one check symbol (internal/checkcode).
// 8 symbols carry 40 random bits, so codes cannot be guessed.
const (
	codeRandom = 8
	CodeLen    = codeRandom + 1
)

// NewCode returns a fresh random box code with its check symbol.
func NewCode() string { return checkcode.New(codeRandom) }

// ParseCode reads a code as a person typed or a scanner read it: case,
// spaces and dashes do not matter, and a full box URL (…/b/CODE) is accepted.
// A code of the wrong shape is Invalid ("not a box code"); one whose check
// symbol does not match is Invalid ("mistyped").
func ParseCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "/b/"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexAny(s, "?#/"); j >= 0 {
			s = s[:j]
		}
	}
	c, err := checkcode.Parse(s, CodeLen)
	switch {
	case errors.Is(err, checkcode.ErrMistyped):
		return "", apperr.New(apperr.Invalid, "stock.error.code_mistyped").At("code")
	case err != nil:
		return "", apperr.New(apperr.Invalid, "stock.error.code_invalid").At("code")
	}
	return c, nil
}
