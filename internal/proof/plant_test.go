package proof_test

import (
	"strings"
	"testing"
)

// The personal data the tests plant in every personal field they can reach:
// a name, a telephone number and an email nobody else would write.
const (
	plantedName  = "Zebulon Quackenbush"
	plantedPhone = "+33 6 12 34 56 78"
	plantedEmail = "zebulon.quackenbush@example.org"
)

// plantedNeedles are the pieces of the planted data, lower-cased, in the
// spellings a log might carry them: as typed, form-encoded, URL-escaped,
// digits only.
var plantedNeedles = []string{
	"zebulon", "quackenbush",
	"12 34 56 78", "12+34+56+78", "12%2034%2056%2078", "0612345678", "33612345678",
}

// plantedEmailFor is a unique email in the planted name's spelling.
func plantedEmailFor(key string) string {
	return "zebulon.quackenbush+" + key + "@example.org"
}

// plantedIn returns the lines of logs that carry a piece of the planted
// data.
func plantedIn(logs string) []string {
	var hits []string
	for _, line := range strings.Split(logs, "\n") {
		l := strings.ToLower(line)
		for _, n := range plantedNeedles {
			if strings.Contains(l, n) {
				hits = append(hits, line)
				break
			}
		}
	}
	return hits
}

// checkNoPlantedData fails the test for the log lines that carry a piece of
// the planted data.
func checkNoPlantedData(t *testing.T, what, logs string) {
	t.Helper()
	hits := plantedIn(logs)
	for i, line := range hits {
		if i == 5 {
			t.Errorf("%s: %d log lines in all hold planted personal data", what, len(hits))
			break
		}
		t.Errorf("%s: a log line holds planted personal data: %s", what, line)
	}
}

// TestPlantedDataIsFound checks the search itself: each spelling a log
// might use is found, and an ordinary log line is not.
func TestPlantedDataIsFound(t *testing.T) {
	for _, line := range []string{
		`msg="sign-in failed" email=zebulon.quackenbush@example.org`,
		`{"msg":"user","name":"Zebulon Quackenbush"}`,
		`body=email=zebulon.quackenbush%40example.org&password=%2B33+6+12+34+56+78`,
		`path=/Zebulon-Quackenbush?phone=+33612345678`,
		`note="call 06 12 34 56 78"`,
		`note="call 0612345678"`,
		`q=%2B33%206%2012%2034%2056%2078`,
	} {
		if len(plantedIn("ok\n"+line+"\nok")) != 1 {
			t.Errorf("not found in %q", line)
		}
	}
	clean := `time=2026-11-26T23:08:38.307Z level=INFO msg="http request" method=POST route=/admin/users status=200 duration_ms=7.863 bytes=3344`
	if hits := plantedIn(clean); len(hits) != 0 {
		t.Errorf("found in an ordinary line: %q", hits)
	}
}
