package metrics_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/metrics"
)

// sample is one parsed exposition line.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parse reads the text exposition format line by line and fails the test on
// anything a Prometheus server would reject: a sample before its TYPE, a
// family declared twice, a malformed name, label or value, a histogram whose
// buckets are not cumulative or do not end in +Inf equal to _count.
func parse(t *testing.T, text string) (types map[string]string, samples []sample) {
	t.Helper()
	nameRE := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	types = map[string]string{}
	helps := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end in a newline")
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		fail := func(f string, a ...any) { t.Fatalf("line %d %q: %s", n, line, fmt.Sprintf(f, a...)) }
		switch {
		case line == "":
			fail("empty line")
		case strings.HasPrefix(line, "# HELP "):
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if !nameRE.MatchString(name) || helps[name] {
				fail("bad or repeated HELP")
			}
			helps[name] = true
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(strings.TrimPrefix(line, "# TYPE "))
			if len(f) != 2 || !nameRE.MatchString(f[0]) || types[f[0]] != "" {
				fail("bad or repeated TYPE")
			}
			switch f[1] {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				fail("unknown type %q", f[1])
			}
			types[f[0]] = f[1]
		case strings.HasPrefix(line, "#"):
			fail("unknown comment")
		default:
			s := parseSample(t, line, n)
			family := s.name
			if types[family] == "" {
				for _, suf := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(s.name, suf); ok && types[b] == "histogram" {
						family = b
					}
				}
			}
			if types[family] == "" {
				fail("sample before its TYPE line")
			}
			samples = append(samples, s)
		}
	}
	checkHistograms(t, types, samples)
	return types, samples
}

func parseSample(t *testing.T, line string, n int) sample {
	t.Helper()
	fail := func(f string, a ...any) { t.Fatalf("line %d %q: %s", n, line, fmt.Sprintf(f, a...)) }
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		fail("no name")
	}
	s.name = line[:i]
	if !regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`).MatchString(s.name) {
		fail("bad name")
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				fail("bad label")
			}
			lname := rest[:eq]
			if !regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`).MatchString(lname) {
				fail("bad label name %q", lname)
			}
			rest = rest[eq+2:]
			var v strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 >= len(rest) {
						fail("dangling escape")
					}
					switch rest[j+1] {
					case '\\':
						v.WriteByte('\\')
					case '"':
						v.WriteByte('"')
					case 'n':
						v.WriteByte('\n')
					default:
						fail("bad escape")
					}
					j++
					continue
				}
				if c == '"' {
					rest = rest[j+1:]
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				fail("unterminated label value")
			}
			if _, dup := s.labels[lname]; dup {
				fail("repeated label")
			}
			s.labels[lname] = v.String()
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				fail("expected , or }")
			}
		}
	}
	if !strings.HasPrefix(rest, " ") {
		fail("no space before value")
	}
	f := strings.Fields(rest)
	if len(f) < 1 || len(f) > 2 {
		fail("bad value/timestamp")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		fail("bad value: %v", err)
	}
	s.value = v
	return s
}

func labelKey(l map[string]string, drop string) string {
	var ks []string
	for k, v := range l {
		if k != drop {
			ks = append(ks, k+"="+v)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func checkHistograms(t *testing.T, types map[string]string, samples []sample) {
	t.Helper()
	for name, typ := range types {
		if typ != "histogram" {
			continue
		}
		last := map[string]float64{}
		lastLe := map[string]float64{}
		inf := map[string]float64{}
		count := map[string]float64{}
		for _, s := range samples {
			key := labelKey(s.labels, "le")
			switch s.name {
			case name + "_bucket":
				le, err := strconv.ParseFloat(s.labels["le"], 64)
				if err != nil {
					t.Fatalf("%s: bad le %q", name, s.labels["le"])
				}
				if prev, ok := lastLe[key]; ok && le <= prev {
					t.Fatalf("%s{%s}: buckets out of order", name, key)
				}
				if s.value < last[key] {
					t.Fatalf("%s{%s}: buckets not cumulative", name, key)
				}
				last[key], lastLe[key] = s.value, le
				if math.IsInf(le, 1) {
					inf[key] = s.value
				}
			case name + "_count":
				count[key] = s.value
			}
		}
		for key, c := range count {
			if v, ok := inf[key]; !ok || v != c {
				t.Fatalf("%s{%s}: +Inf bucket %v, count %v", name, key, v, c)
			}
		}
	}
}

func find(samples []sample, name string, labels map[string]string) (float64, bool) {
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range labels {
			if s.labels[k] != v {
				ok = false
			}
		}
		if ok {
			return s.value, true
		}
	}
	return 0, false
}

func TestExpositionParses(t *testing.T) {
	r := metrics.NewRegistry()
	h := metrics.NewHTTP(r)
	metrics.RegisterRuntime(r)
	metrics.RegisterProcess(r, time.Unix(1700000000, 500000000))
	metrics.RegisterBuild(r, "v1.2.3")
	metrics.RegisterDB(r, func() sql.DBStats {
		return sql.DBStats{OpenConnections: 3, InUse: 1, WaitCount: 7, WaitDuration: 1500 * time.Millisecond, MaxOpenConnections: 8}
	})
	odd := r.Counter("abri_test_odd_total", "Help with a \\ backslash\nand a newline.", "v")
	odd.With("quote \" backslash \\ newline \n end").Inc()

	h.Observe("GET /api/v1/me", "GET", 200, 30*time.Millisecond)
	h.Observe("GET /api/v1/me", "GET", 200, 3*time.Second)
	h.Observe("GET /api/v1/me", "GET", 401, time.Millisecond)
	h.Observe("", "BREW", 404, time.Millisecond)
	h.Observe("/", "POST", 500, 100*time.Second)

	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	types, samples := parse(t, b.String())

	for name, typ := range map[string]string{
		"abri_http_requests_total": "counter", "abri_http_request_duration_seconds": "histogram",
		"go_goroutines": "gauge", "go_memstats_heap_alloc_bytes": "gauge", "process_start_time_seconds": "gauge",
		"abri_build_info": "gauge", "abri_db_open_connections": "gauge", "abri_db_in_use_connections": "gauge",
		"abri_db_wait_count_total": "counter",
	} {
		if types[name] != typ {
			t.Errorf("%s: type %q, want %q", name, types[name], typ)
		}
	}
	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"abri_http_requests_total", map[string]string{"route": "/api/v1/me", "method": "GET", "code": "2xx"}, 2},
		{"abri_http_requests_total", map[string]string{"route": "/api/v1/me", "method": "GET", "code": "4xx"}, 1},
		{"abri_http_requests_total", map[string]string{"route": "other", "method": "other", "code": "4xx"}, 1},
		{"abri_http_requests_total", map[string]string{"route": "/", "method": "POST", "code": "5xx"}, 1},
		{"abri_http_request_duration_seconds_bucket", map[string]string{"route": "/api/v1/me", "le": "0.05"}, 2},
		{"abri_http_request_duration_seconds_bucket", map[string]string{"route": "/api/v1/me", "le": "5"}, 3},
		{"abri_http_request_duration_seconds_count", map[string]string{"route": "/api/v1/me"}, 3},
		{"abri_http_request_duration_seconds_bucket", map[string]string{"route": "/", "le": "30"}, 0},
		{"abri_http_request_duration_seconds_bucket", map[string]string{"route": "/", "le": "+Inf"}, 1},
		{"abri_db_open_connections", nil, 3},
		{"abri_db_in_use_connections", nil, 1},
		{"abri_db_wait_count_total", nil, 7},
		{"abri_db_wait_duration_seconds_total", nil, 1.5},
		{"process_start_time_seconds", nil, 1700000000.5},
		{"abri_build_info", map[string]string{"version": "v1.2.3"}, 1},
		{"abri_test_odd_total", map[string]string{"v": "quote \" backslash \\ newline \n end"}, 1},
	}
	for _, w := range want {
		got, ok := find(samples, w.name, w.labels)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (found %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	if g, _ := find(samples, "go_goroutines", nil); g < 1 {
		t.Errorf("go_goroutines = %v", g)
	}
	if g, _ := find(samples, "go_memstats_heap_alloc_bytes", nil); g <= 0 {
		t.Errorf("heap bytes = %v", g)
	}
}

func TestCountersAreSafeForConcurrentUse(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.Counter("abri_test_total", "A test counter.", "k")
	h := r.Histogram("abri_test_seconds", "A test histogram.", []float64{1, 2}, "k")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.With("a").Inc()
				h.With("a").Observe(1.5)
			}
		}()
	}
	wg.Wait()
	var b strings.Builder
	r.WriteTo(&b)
	_, samples := parse(t, b.String())
	if v, _ := find(samples, "abri_test_total", map[string]string{"k": "a"}); v != 8000 {
		t.Errorf("counter = %v, want 8000", v)
	}
	if v, _ := find(samples, "abri_test_seconds_bucket", map[string]string{"le": "1"}); v != 0 {
		t.Errorf("le=1 bucket = %v, want 0", v)
	}
	if v, _ := find(samples, "abri_test_seconds_bucket", map[string]string{"le": "2"}); v != 8000 {
		t.Errorf("le=2 bucket = %v, want 8000", v)
	}
	if v, _ := find(samples, "abri_test_seconds_sum", nil); v != 12000 {
		t.Errorf("sum = %v, want 12000", v)
	}
}

func TestRegisteringTwicePanics(t *testing.T) {
	r := metrics.NewRegistry()
	r.Counter("abri_x_total", "x")
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a repeated name")
		}
	}()
	r.Counter("abri_x_total", "x")
}

func TestRoute(t *testing.T) {
	for in, want := range map[string]string{"": "other", "GET /api/v1/me": "/api/v1/me", "/": "/", "POST  /x/{id}": "/x/{id}"} {
		if got := metrics.Route(in); got != want {
			t.Errorf("Route(%q) = %q, want %q", in, got, want)
		}
	}
}
