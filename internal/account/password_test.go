package account_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/i18n"
)

func TestHashPassword(t *testing.T) {
	h, err := account.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte key>
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	m := phc.FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("hash %q is not an argon2id PHC string with the OWASP parameters", h)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(m[1])
	key, err2 := base64.RawStdEncoding.DecodeString(m[2])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes (%v), key %d bytes (%v)", len(salt), err1, len(key), err2)
	}
	if !account.CheckPassword(h, pw) {
		t.Fatal("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", pw + " "} {
		if account.CheckPassword(h, wrong) {
			t.Fatalf("%q matches", wrong)
		}
	}
	h2, _ := account.HashPassword(pw)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

// Hashes made by the argon2 reference implementation (libargon2, called from
// Python through ctypes, salt "abri-test-salt16") verify: the format and the
// parameters are the standard ones, and other parameters in a stored hash
// are honoured.
func TestCheckPasswordInterop(t *testing.T) {
	for _, h := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$YWJyaS10ZXN0LXNhbHQxNg$XXPK9NTIeSiDMr8mwe5ehyT/CNOpSPCfEItACQugL0E",
		"$argon2id$v=19$m=12288,t=3,p=2$YWJyaS10ZXN0LXNhbHQxNg$9KThtl1MAu35u6XJuxn9JQTXyQ4KC+gF4Dzyj7MK1SU",
	} {
		if !account.CheckPassword(h, "correct horse battery") {
			t.Errorf("reference hash %s does not verify", h)
		}
		if account.CheckPassword(h, "correct horse batterz") {
			t.Errorf("reference hash %s verifies a wrong password", h)
		}
	}
}

func TestCheckPasswordRejectsMalformed(t *testing.T) {
	good, err := account.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(good, "$") // "", argon2id, v=19, m=…, salt, key
	join := func(parts ...string) string { return strings.Join(parts, "$") }
	bad := map[string]string{
		"empty":             "",
		"plain text":        pw,
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":           join("", "argon2i", p[2], p[3], p[4], p[5]),
		"argon2d":           join("", "argon2d", p[2], p[3], p[4], p[5]),
		"other version":     join("", "argon2id", "v=16", p[3], p[4], p[5]),
		"no version":        join("", "argon2id", p[3], p[4], p[5]),
		"extra part":        good + "$",
		"memory zero":       join("", "argon2id", p[2], "m=0,t=2,p=1", p[4], p[5]),
		"memory huge":       join("", "argon2id", p[2], "m=99999999,t=2,p=1", p[4], p[5]),
		"time zero":         join("", "argon2id", p[2], "m=19456,t=0,p=1", p[4], p[5]),
		"time huge":         join("", "argon2id", p[2], "m=19456,t=1000,p=1", p[4], p[5]),
		"lanes zero":        join("", "argon2id", p[2], "m=19456,t=2,p=0", p[4], p[5]),
		"lanes overflow":    join("", "argon2id", p[2], "m=19456,t=2,p=300", p[4], p[5]),
		"params garbage":    join("", "argon2id", p[2], "fast", p[4], p[5]),
		"salt not base64":   join("", "argon2id", p[2], p[3], "!!!!", p[5]),
		"salt empty":        join("", "argon2id", p[2], p[3], "", p[5]),
		"key not base64":    join("", "argon2id", p[2], p[3], p[4], "%%%%"),
		"key short":         join("", "argon2id", p[2], p[3], p[4], p[5][:10]),
		"key empty":         join("", "argon2id", p[2], p[3], p[4], ""),
		"padded base64 key": join("", "argon2id", p[2], p[3], p[4], p[5]+"="),
	}
	for name, h := range bad {
		if account.CheckPassword(h, pw) {
			t.Errorf("%s: CheckPassword(%q) accepted the right password against a malformed hash", name, h)
		}
		if account.CheckPassword(h, "") {
			t.Errorf("%s: CheckPassword(%q, \"\") is true", name, h)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	if account.MinPasswordLen != 10 || account.MaxPasswordLen != 200 {
		t.Fatalf("limits %d..%d; want 10..200", account.MinPasswordLen, account.MaxPasswordLen)
	}
	ok := []string{strings.Repeat("a", 10), strings.Repeat("a", 200), strings.Repeat("é", 10), "كلمة سر طويلة", strings.Repeat("日", 200)}
	for _, s := range ok {
		if err := account.ValidatePassword(s); err != nil {
			t.Errorf("ValidatePassword(%d runes) = %v", len([]rune(s)), err)
		}
	}
	for _, s := range []string{"", "123456789", strings.Repeat("é", 9)} {
		err := account.ValidatePassword(s)
		if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Key != "error.password_short" || len(apperr.As(err).Args) != 1 || apperr.As(err).Args[0] != 10 {
			t.Errorf("ValidatePassword(%q) = %#v; want password_short(10)", s, err)
		}
	}
	for _, s := range []string{strings.Repeat("a", 201), strings.Repeat("😀", 201)} {
		err := account.ValidatePassword(s)
		if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Key != "error.password_long" {
			t.Errorf("ValidatePassword(%d runes) = %v; want password_long", len([]rune(s)), err)
		}
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		p := account.RandomPassword()
		if err := account.ValidatePassword(p); err != nil {
			t.Fatalf("RandomPassword %q is not a valid password: %v", p, err)
		}
		if seen[p] {
			t.Fatalf("RandomPassword repeated %q", p)
		}
		seen[p] = true
	}
}

// Every message key this package returns is translated into every language.
func TestErrorKeysTranslated(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	keyRE := regexp.MustCompile(`"(error\.[a-z_]+)"`)
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	keys["error.not_found"], keys["error.forbidden"], keys["error.unauthorized"] = true, true, true
	if len(keys) < 10 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, lang := range i18n.Languages {
		have := map[string]bool{}
		for _, k := range i18n.Keys(lang) {
			have[k] = true
		}
		for _, k := range sorted {
			if !have[k] {
				t.Errorf("%s: no translation for %s", lang, k)
			}
		}
	}
}
