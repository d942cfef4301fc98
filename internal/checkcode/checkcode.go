// Package checkcode makes and checks the codes people copy by hand or scan:
// box codes and card codes. A code is random symbols from an alphabet of 32
// that survives handwriting (no 0/O and no 1/I) followed by one check symbol
// (Luhn mod 32), which catches every single mistyped symbol and almost every
// swap of two neighbours.
package checkcode

import (
	"crypto/rand"
	"errors"
	"strings"
)

// Alphabet is the 32 symbols a code is written in.
const Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

var symbolValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		v[Alphabet[i]] = int8(i)
		v[strings.ToLower(Alphabet[i : i+1])[0]] = int8(i)
	}
	return v
}()

// Symbol returns the upper-case symbol r stands for, or 0 when r is not
// one (either case is accepted).
func Symbol(r rune) byte {
	if r < 0 || r > 255 || symbolValue[r] < 0 {
		return 0
	}
	return Alphabet[symbolValue[r]]
}

// New returns n random symbols followed by their check symbol.
func New(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	out := make([]byte, n, n+1)
	for i, x := range b {
		out[i] = Alphabet[x&31]
	}
	return string(append(out, Check(string(out))))
}

// Valid tells whether the last symbol of s (upper case, of the alphabet) is
// the check symbol of the others.
func Valid(s string) bool {
	return len(s) >= 2 && Check(s[:len(s)-1]) == s[len(s)-1]
}

// Check is the Luhn mod N check symbol of s (N = 32).
func Check(s string) byte {
	const n = len(Alphabet)
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		add := factor * int(symbolValue[s[i]])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += add/n + add%n
	}
	return Alphabet[(n-sum%n)%n]
}

// Problems Parse finds in what a person typed.
var (
	ErrShape    = errors.New("not a code of this kind")
	ErrMistyped = errors.New("check symbol does not match")
)

// Parse reads a code of length symbols (the check symbol included) as a
// person typed or a scanner read it: case, spaces and dashes do not matter.
// It answers ErrShape for anything else, and ErrMistyped when the check
// symbol does not match.
func Parse(s string, length int) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case Symbol(r) != 0:
			b.WriteByte(Symbol(r))
		default:
			return "", ErrShape
		}
		if b.Len() > length {
			return "", ErrShape
		}
	}
	c := b.String()
	if len(c) != length {
		return "", ErrShape
	}
	if !Valid(c) {
		return "", ErrMistyped
	}
	return c, nil
}
