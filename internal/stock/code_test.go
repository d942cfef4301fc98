package stock_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"

	"abri/internal/apperr"
	"abri/internal/stock"
)

// alphabet is the box-code alphabet as a person reads it on a label: no 0/O,
// no 1/I.
const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// withCheck completes 8 payload symbols into a full code by trying every
// check symbol: exactly one parses.
func withCheck(t testing.TB, payload string) string {
	t.Helper()
	found := ""
	for i := 0; i < len(alphabet); i++ {
		c := payload + alphabet[i:i+1]
		if _, err := stock.ParseCode(c); err == nil {
			if found != "" {
				t.Fatalf("payload %s has two check symbols: %s and %s", payload, found, c)
			}
			found = c
		}
	}
	if found == "" {
		t.Fatalf("payload %s has no check symbol", payload)
	}
	return found
}

func wantKey(t testing.TB, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if err == nil || e.Code != code || key != "" && e.Key != key {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

func TestNewCodesParseAreUniqueAndUseTheAlphabet(t *testing.T) {
	const n = 100_000
	seen := make(map[string]bool, n)
	var perPos [stock.CodeLen]map[byte]int
	for i := range perPos {
		perPos[i] = map[byte]int{}
	}
	for i := 0; i < n; i++ {
		c := stock.NewCode()
		if len(c) != stock.CodeLen {
			t.Fatalf("code %q has %d symbols, want %d", c, len(c), stock.CodeLen)
		}
		for j := 0; j < len(c); j++ {
			if !strings.ContainsRune(alphabet, rune(c[j])) {
				t.Fatalf("code %q uses %q, outside the alphabet", c, c[j])
			}
			perPos[j][c[j]]++
		}
		got, err := stock.ParseCode(c)
		if err != nil || got != c {
			t.Fatalf("ParseCode(%q) = %q, %v", c, got, err)
		}
		if seen[c] {
			t.Fatalf("code %q made twice in %d", c, i)
		}
		seen[c] = true
	}
	// Every random position uses the whole alphabet about evenly (40 bits
	// means 32 equally likely symbols in each of 8 places).
	for j := 0; j < stock.CodeLen-1; j++ {
		if len(perPos[j]) != len(alphabet) {
			t.Errorf("position %d uses %d symbols, want %d", j, len(perPos[j]), len(alphabet))
		}
		for s, k := range perPos[j] {
			if want := n / len(alphabet); k < want*8/10 || k > want*12/10 {
				t.Errorf("position %d: symbol %c appears %d times, want about %d", j, s, k, want)
			}
		}
	}
}

// Every single mistyped symbol is caught: another symbol of the alphabet
// says "mistyped", a symbol outside it (0, O, 1, I…) says "not a box code".
func TestEverySubstitutionIsCaught(t *testing.T) {
	var checked int
	for i := 0; i < 300; i++ {
		c := stock.NewCode()
		for pos := 0; pos < stock.CodeLen; pos++ {
			for k := 0; k < len(alphabet); k++ {
				if alphabet[k] == c[pos] {
					continue
				}
				typo := c[:pos] + alphabet[k:k+1] + c[pos+1:]
				_, err := stock.ParseCode(typo)
				wantKey(t, err, apperr.Invalid, "stock.error.code_mistyped")
				checked++
			}
			for _, bad := range "0O1Io!é" {
				typo := c[:pos] + string(bad) + c[pos+1:]
				_, err := stock.ParseCode(typo)
				wantKey(t, err, apperr.Invalid, "stock.error.code_invalid")
			}
		}
	}
	t.Logf("%d single-symbol substitutions, all caught", checked)
}

// A swap of two neighbouring, different symbols is caught except for the one
// pair Luhn mod 32 cannot see: the symbols of value 0 and 31, "2" and "Z".
// Every position and every ordered pair of symbols is tried.
func TestAdjacentSwapsAreCaught(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	blind := func(a, b byte) bool { return a == '2' && b == 'Z' || a == 'Z' && b == '2' }
	var swaps, caught int
	for pos := 0; pos < stock.CodeLen-1; pos++ {
		for ia := 0; ia < len(alphabet); ia++ {
			for ib := 0; ib < len(alphabet); ib++ {
				if ia == ib {
					continue
				}
				a, b := alphabet[ia], alphabet[ib]
				var c string
				if pos+1 < stock.CodeLen-1 {
					p := []byte(randomPayload(rng))
					p[pos], p[pos+1] = a, b
					c = withCheck(t, string(p))
				} else {
					// The last payload symbol and the check symbol: find a
					// payload whose check symbol is b.
					for c == "" || c[pos] != a || c[pos+1] != b {
						p := []byte(randomPayload(rng))
						p[pos] = a
						c = withCheck(t, string(p))
					}
				}
				swapped := []byte(c)
				swapped[pos], swapped[pos+1] = swapped[pos+1], swapped[pos]
				_, err := stock.ParseCode(string(swapped))
				swaps++
				if err != nil {
					caught++
					wantKey(t, err, apperr.Invalid, "stock.error.code_mistyped")
				}
				if (err == nil) != blind(a, b) {
					t.Errorf("swap at %d of %c%c in %s: caught %v", pos, a, b, c, err != nil)
				}
			}
		}
	}
	rate := float64(caught) / float64(swaps)
	t.Logf("adjacent swaps of distinct symbols: %d of %d caught (%.2f%%)", caught, swaps, 100*rate)
	if want := 1 - 2.0/float64(len(alphabet)*(len(alphabet)-1)); rate < want-1e-9 {
		t.Errorf("swap detection rate %.4f, want at least %.4f", rate, want)
	}

	// The same on random codes, as a volunteer would meet them.
	swaps, caught = 0, 0
	for i := 0; i < 100_000; i++ {
		c := stock.NewCode()
		for pos := 0; pos < stock.CodeLen-1; pos++ {
			if c[pos] == c[pos+1] {
				continue
			}
			s := []byte(c)
			s[pos], s[pos+1] = s[pos+1], s[pos]
			swaps++
			if _, err := stock.ParseCode(string(s)); err != nil {
				caught++
			}
		}
	}
	rate = float64(caught) / float64(swaps)
	t.Logf("random codes: %d of %d adjacent swaps caught (%.3f%%)", caught, swaps, 100*rate)
	if rate < 0.997 {
		t.Errorf("swap detection rate on random codes %.4f, want at least 0.997", rate)
	}
}

func randomPayload(rng *rand.Rand) string {
	b := make([]byte, stock.CodeLen-1)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func TestParseCodeForms(t *testing.T) {
	c := stock.NewCode()
	lower := strings.ToLower(c)
	for _, in := range []string{
		c,
		lower,
		"  " + c + "\t",
		stock.FormatCode(c),
		strings.ToLower(stock.FormatCode(c)),
		c[:4] + "-" + c[4:8] + "-" + c[8:],
		"https://abri.example.org/b/" + c,
		"https://abri.example.org/b/" + lower,
		"http://192.0.2.7:8080/b/" + c + "?from=label",
		"https://abri.example.org/b/" + c + "#history",
		"https://abri.example.org/b/" + c + "/",
		"/b/" + c,
	} {
		got, err := stock.ParseCode(in)
		if err != nil || got != c {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", in, got, err, c)
		}
	}
	if f := stock.FormatCode(c); len(f) != stock.CodeLen+2 || strings.Count(f, " ") != 2 || strings.ReplaceAll(f, " ", "") != c {
		t.Errorf("FormatCode(%q) = %q", c, f)
	}
	for _, in := range []string{
		"", "   ", c[:8], c + "2", c + c, "https://abri.example.org/b/", "https://abri.example.org/x/" + c + "Q",
		strings.Replace(c, c[:1], "O", 1), "٣٤٥٦٧٨٩AB", "<script>", "\x00" + c,
	} {
		_, err := stock.ParseCode(in)
		wantKey(t, err, apperr.Invalid, "")
		if k := apperr.As(err).Key; k != "stock.error.code_invalid" && k != "stock.error.code_mistyped" {
			t.Errorf("ParseCode(%q): key %s", in, k)
		}
	}
}

// Property: any payload completed with its check symbol parses back to
// itself in every form a person might type, and any one changed symbol
// does not.
func TestCodeProperties(t *testing.T) {
	prop := func(raw [stock.CodeLen - 1]byte, pos, sym uint8) bool {
		p := make([]byte, len(raw))
		for i, x := range raw {
			p[i] = alphabet[int(x)%len(alphabet)]
		}
		c := withCheck(t, string(p))
		for _, in := range []string{c, strings.ToLower(c), stock.FormatCode(c), " /b/" + c + "?x=1 "} {
			if got, err := stock.ParseCode(in); err != nil || got != c {
				return false
			}
		}
		i := int(pos) % stock.CodeLen
		s := alphabet[int(sym)%len(alphabet)]
		if s == c[i] {
			return true
		}
		_, err := stock.ParseCode(c[:i] + string(s) + c[i+1:])
		return apperr.Is(err, apperr.Invalid)
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 20_000}); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseCode(f *testing.F) {
	c := stock.NewCode()
	for _, s := range []string{c, strings.ToLower(c), stock.FormatCode(c), "https://x/b/" + c + "?a", "", "/b/", "/b//b/",
		"0O1I", strings.Repeat("Z", 40), "٣", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := stock.ParseCode(in)
		if err != nil {
			if e := apperr.As(err); e.Code != apperr.Invalid {
				t.Fatalf("ParseCode(%q): %v, want Invalid", in, err)
			}
			return
		}
		if len(got) != stock.CodeLen {
			t.Fatalf("ParseCode(%q) = %q", in, got)
		}
		for i := 0; i < len(got); i++ {
			if !strings.ContainsRune(alphabet, rune(got[i])) {
				t.Fatalf("ParseCode(%q) = %q, outside the alphabet", in, got)
			}
		}
		if again, err := stock.ParseCode(got); err != nil || again != got {
			t.Fatalf("ParseCode(%q) = %q but it does not parse again: %q %v", in, got, again, err)
		}
		if again, err := stock.ParseCode("https://abri.example/b/" + stock.FormatCode(got)); err != nil || again != got {
			t.Fatalf("the label form of %q does not parse back: %q %v", got, again, err)
		}
	})
}
