package stock

import (
	"crypto/rand"
	"strings"

	"abri/internal/apperr"
)

// A box code is 8 random symbols and one check symbol from an alphabet of 32
// that survives handwriting: no 0/O and no 1/I. 8 symbols carry 40 random
// bits, so codes cannot be guessed. The check symbol (Luhn mod 32) catches
// every single mistyped symbol and almost every swap of two neighbours.
const (
	alphabet   = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	codeRandom = 8
	CodeLen    = codeRandom + 1
)

var symbolValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		v[alphabet[i]] = int8(i)
		v[strings.ToLower(alphabet[i : i+1])[0]] = int8(i)
	}
	return v
}()

// NewCode returns a fresh random box code with its check symbol.
func NewCode() string {
	var b [codeRandom]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	out := make([]byte, codeRandom, CodeLen)
	for i, x := range b {
		out[i] = alphabet[x&31]
	}
	return string(append(out, checkSymbol(string(out))))
}

// checkSymbol is the Luhn mod N check symbol of s (N = 32).
func checkSymbol(s string) byte {
	const n = len(alphabet)
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
	return alphabet[(n-sum%n)%n]
}

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
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r < 128 && symbolValue[r] >= 0:
			b.WriteByte(alphabet[symbolValue[r]])
		default:
			return "", apperr.New(apperr.Invalid, "stock.error.code_invalid").At("code")
		}
		if b.Len() > CodeLen {
			return "", apperr.New(apperr.Invalid, "stock.error.code_invalid").At("code")
		}
	}
	c := b.String()
	if len(c) != CodeLen {
		return "", apperr.New(apperr.Invalid, "stock.error.code_invalid").At("code")
	}
	if checkSymbol(c[:codeRandom]) != c[codeRandom] {
		return "", apperr.New(apperr.Invalid, "stock.error.code_mistyped").At("code")
	}
	return c, nil
}
