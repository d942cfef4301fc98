package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"abri/internal/apperr"
)

// Argon2id parameters: the OWASP recommendation of 19 MiB, two passes, one
// lane. About 30 ms on a small server.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLen and MaxPasswordLen bound a password, in characters.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 200
)

// hashSlots bounds how many argon2 hashes run at once, so that a flood of
// logins cannot take the server's memory.
var hashSlots = make(chan struct{}, 4)

// HashPassword returns the PHC-style argon2id encoding of a password.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	<-hashSlots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummyHash is compared against when the user is unknown, so that a wrong
// email takes as long as a wrong password.
var dummyHash, _ = HashPassword("abri-dummy-password-for-timing")

// CheckPassword tells whether pw matches an encoded hash. A malformed or empty
// hash never matches, but still costs one hash computation.
func CheckPassword(encoded, pw string) bool {
	salt, want, m, t, p, err := decodeHash(encoded)
	if err != nil {
		salt, want, m, t, p, _ = decodeHash(dummyHash)
		encoded = ""
	}
	hashSlots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-hashSlots
	return encoded != "" && subtle.ConstantTimeCompare(got, want) == 1
}

// checkPassword is CheckPassword, counted, for the checks the throttle
// bounds.
func (s *Service) checkPassword(encoded, pw string) bool {
	if s.beforeCheck != nil {
		s.beforeCheck()
	}
	s.PasswordChecks.Add(1)
	return CheckPassword(encoded, pw)
}

func decodeHash(s string) (salt, key []byte, m, t uint32, p uint8, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, nil, 0, 0, 0, errors.New("not an argon2id hash")
	}
	// Only the version this package computes: a hash claiming another one
	// would be checked with the wrong algorithm.
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return nil, nil, 0, 0, 0, errors.New("argon2id version not supported")
	}
	if _, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return nil, nil, 0, 0, 0, fmt.Errorf("argon2id parameters: %w", err)
	}
	if m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return nil, nil, 0, 0, 0, errors.New("argon2id parameters out of range")
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return nil, nil, 0, 0, 0, err
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return nil, nil, 0, 0, 0, errors.New("argon2id key malformed")
	}
	return salt, key, m, t, p, nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return apperr.New(apperr.Invalid, "error.password_short", MinPasswordLen)
	}
	if n > MaxPasswordLen || len(pw) > 4*MaxPasswordLen {
		return apperr.New(apperr.Invalid, "error.password_long", MaxPasswordLen)
	}
	return nil
}

// RandomPassword makes a password for the demo and for generated accounts.
func RandomPassword() string { return randomToken(12) }

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
