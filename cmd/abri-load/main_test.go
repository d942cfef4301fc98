package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"abri/internal/dbtest"
)

// TestLoad runs a short hosted run (three groups) on a new SQLite file and on
// a PostgreSQL schema, and checks that the ceiling was measured, that every
// operation of the mix ran, and that none answered a real error (409s from
// stale versions are allowed: clients share boxes).
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds three warehouses and runs for a few seconds")
	}
	check := func(t *testing.T, dsn string) {
		var out bytes.Buffer
		args := []string{"-clients", "6", "-duration", "2s", "-groups", "3", "-mix", defaultMix + ",batch=2,tally=10,incident=3"}
		if dsn != "" {
			args = append(args, "-db", dsn)
		}
		rep, err := run(context.Background(), args, &out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		t.Log("\n" + out.String())
		if rep.Groups != 3 || rep.Boxes < 3*hostedBoxes[0] {
			t.Errorf("seeded %d groups with %d boxes, want 3 with at least %d", rep.Groups, rep.Boxes, 3*hostedBoxes[0])
		}
		if rep.Ceiling1.rate <= 0 || rep.CeilingN.rate <= 0 {
			t.Errorf("no ceiling: %+v %+v", rep.Ceiling1, rep.CeilingN)
		}
		if len(rep.Ops) != len(operations) {
			t.Fatalf("%d operations reported, want %d", len(rep.Ops), len(operations))
		}
		// Every operation works (checked once each before the run: a
		// rarely drawn one may get no call in 2 s on a busy machine), and
		// the run itself ran and answered no real error.
		if len(rep.Checked) != len(operations) {
			t.Fatalf("%d operations checked before the run, want %d", len(rep.Checked), len(operations))
		}
		for _, r := range rep.Checked {
			if r.Count == 0 || r.Errors > 0 {
				t.Errorf("%s alone: %d calls succeeded, errors %q", r.Name, r.Count, r.FirstErrors)
			}
		}
		if mv := result(rep.Ops, "move"); mv.Count == 0 || mv.P50 <= 0 {
			t.Errorf("move: %d calls succeeded in the run, p50 %s", mv.Count, mv.P50)
		}
		for _, r := range rep.Ops {
			if r.Errors > 0 {
				t.Errorf("%s: %d errors, e.g. %q", r.Name, r.Errors, r.FirstErrors)
			}
		}
		if rep.Group.Transactions == 0 || rep.Group.Requests < rep.Group.Transactions {
			t.Errorf("group commit not reported: %+v", rep.Group)
		}
		if rep.ListQuiet.Count == 0 || rep.ListLoaded.Count == 0 || rep.MovesLoaded.Count == 0 || rep.ListLoaded.Errors > 0 {
			t.Errorf("reads under write load: alone %+v, loaded %+v, moves meanwhile %+v", rep.ListQuiet, rep.ListLoaded, rep.MovesLoaded)
		}
		if n := rep.Commands.count(); n < float64(result(rep.Ops, "tally").Count) {
			t.Errorf("the server counted %v command requests, fewer than the %d tallies", n, result(rep.Ops, "tally").Count)
		}
		for _, want := range []string{"% of the ceiling", "group commit:", "on the server, POST /api/v1/commands", "reads under write load", "while 6 clients move boxes"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the output does not say %q", want)
			}
		}
		if !strings.Contains(out.String(), "not measured yet") {
			t.Error("the output does not say which operations are not measured yet")
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, "") })
	t.Run("postgres", func(t *testing.T) { check(t, dbtest.PostgresDSN(t)) })
}

// TestParseMix checks the -mix flag: weights by name, operations left out
// weigh nothing, and bad input says what is wrong.
func TestParseMix(t *testing.T) {
	w, err := parseMix("scan=40, move=30,list=15,overview=5,create=10")
	if err != nil {
		t.Fatal(err)
	}
	if got := w; len(got) != len(operations) || got[0] != 40 || got[1] != 30 || got[2] != 15 || got[3] != 5 || got[4] != 10 || got[5] != 0 {
		t.Errorf("weights %v", got)
	}
	if w, err := parseMix("move=1"); err != nil || w[1] != 1 || w[0] != 0 {
		t.Errorf("move=1: %v %v", w, err)
	}
	if _, err := parseMix(defaultMix); err != nil {
		t.Errorf("default mix: %v", err)
	}
	for _, bad := range []string{"", "scan", "scan=-1", "scan=x", "dance=3", "scan=0,move=0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestServerHist checks the reading of the server's histogram: a delta
// between two readings, the share within a bucket's bound, and a quantile
// interpolated in its bucket.
func TestServerHist(t *testing.T) {
	inf := math.Inf(1)
	before := serverHist{le: []float64{0.005, 0.01, 0.025, inf}, cum: []float64{10, 10, 10, 10}}
	after := serverHist{le: []float64{0.005, 0.01, 0.025, inf}, cum: []float64{60, 100, 110, 110}}
	d := after.since(before)
	if d.count() != 100 || d.within(0.01) != 0.9 || d.within(0.005) != 0.5 {
		t.Errorf("delta %+v: count %v, within 10 ms %v", d, d.count(), d.within(0.01))
	}
	if q := d.quantile(0.5); q != 0.005 {
		t.Errorf("p50 %v, want 0.005", q)
	}
	if q := d.quantile(0.95); math.Abs(q-0.0175) > 1e-9 {
		t.Errorf("p95 %v, want 0.0175 (half-way through the 10–25 ms bucket)", q)
	}
	if b := d.bucketOf(0.0175); b != "10–25 ms" {
		t.Errorf("bucket %q", b)
	}
}
