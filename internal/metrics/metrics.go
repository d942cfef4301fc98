// Package metrics is a small Prometheus text-format exposition, written by
// hand so abri needs no client library: counters and histograms with labels,
// and values read at scrape time (gauges and counters kept by someone else,
// such as the database pool or the Go runtime).
//
// The format is the one described at
// https://prometheus.io/docs/instrumenting/exposition_formats/ (version 0.0.4).
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Type is a metric family's type as the exposition format names it.
type Type string

const (
	CounterType   Type = "counter"
	GaugeType     Type = "gauge"
	HistogramType Type = "histogram"
)

var (
	nameRE  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// family is one named metric with its help text; write appends its samples.
type family interface {
	meta() (name, help string, typ Type)
	write(w *bufio.Writer)
}

// Registry holds metric families and writes them in the order they were
// registered. It is safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

func (r *Registry) add(f family) {
	name, _, _ := f.meta()
	if !nameRE.MatchString(name) {
		panic("metrics: invalid metric name " + strconv.Quote(name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: metric registered twice: " + name)
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

func checkLabels(names []string) {
	seen := map[string]bool{}
	for _, l := range names {
		if !labelRE.MatchString(l) || strings.HasPrefix(l, "__") || l == "le" || seen[l] {
			panic("metrics: invalid or repeated label name " + strconv.Quote(l))
		}
		seen[l] = true
	}
}

// WriteTo writes every family in the text exposition format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	fs := append([]family(nil), r.families...)
	r.mu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, f := range fs {
		name, help, typ := f.meta()
		fmt.Fprintf(bw, "# HELP %s %s\n", name, escapeHelp(help))
		fmt.Fprintf(bw, "# TYPE %s %s\n", name, typ)
		f.write(bw)
	}
	err := bw.Flush()
	return cw.n, err
}

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler serves the registry for a Prometheus scrape.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		r.WriteTo(w)
	})
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Label is one name="value" pair of a sample.
type Label struct{ Name, Value string }

// writeSample writes one line: name{labels} value.
func writeSample(w *bufio.Writer, name string, labels []Label, v float64) {
	w.WriteString(name)
	if len(labels) > 0 {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l.Name)
			w.WriteString(`="`)
			w.WriteString(escapeLabel(l.Value))
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(FormatValue(v))
	w.WriteByte('\n')
}

// FormatValue writes a sample value as the format wants it.
func FormatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

// labelled keeps one series per combination of label values.
type labelled[S any] struct {
	names  []string
	mu     sync.Mutex
	series map[string]*S
	values map[string][]string
	make   func() *S
}

func (l *labelled[S]) get(values []string) *S {
	if len(values) != len(l.names) {
		panic(fmt.Sprintf("metrics: %d label values for %d labels", len(values), len(l.names)))
	}
	key := strings.Join(values, "\xff")
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.series[key]
	if !ok {
		s = l.make()
		l.series[key] = s
		l.values[key] = append([]string(nil), values...)
	}
	return s
}

// each visits the series in a stable order, so scrapes are easy to compare.
func (l *labelled[S]) each(fn func(labels []Label, s *S)) {
	l.mu.Lock()
	keys := make([]string, 0, len(l.series))
	for k := range l.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type item struct {
		labels []Label
		s      *S
	}
	items := make([]item, len(keys))
	for i, k := range keys {
		ls := make([]Label, len(l.names))
		for j, n := range l.names {
			ls[j] = Label{n, l.values[k][j]}
		}
		items[i] = item{ls, l.series[k]}
	}
	l.mu.Unlock()
	for _, it := range items {
		fn(it.labels, it.s)
	}
}
