package metrics

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// CounterVec is a counter with labels: a value that only goes up.
type CounterVec struct {
	name, help string
	l          labelled[Counter]
}

// Counter is one series of a CounterVec.
type Counter struct{ bits atomic.Uint64 }

// Add adds v, which must not be negative.
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic("metrics: counter decreased")
	}
	for {
		old := c.bits.Load()
		if c.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Value is the current count.
func (c *Counter) Value() float64 { return math.Float64frombits(c.bits.Load()) }

// Counter registers a counter family. Its name should end in _total.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	checkLabels(labels)
	c := &CounterVec{name: name, help: help}
	c.l = labelled[Counter]{names: labels, series: map[string]*Counter{}, values: map[string][]string{},
		make: func() *Counter { return &Counter{} }}
	r.add(c)
	return c
}

// With returns the series for the label values, in the order the labels were
// declared.
func (c *CounterVec) With(values ...string) *Counter { return c.l.get(values) }

func (c *CounterVec) meta() (string, string, Type) { return c.name, c.help, CounterType }

func (c *CounterVec) write(w *bufio.Writer) {
	c.l.each(func(ls []Label, s *Counter) { writeSample(w, c.name, ls, s.Value()) })
}

// HistogramVec counts observations into buckets, with labels.
type HistogramVec struct {
	name, help string
	buckets    []float64
	l          labelled[Histogram]
}

// Histogram is one series of a HistogramVec.
type Histogram struct {
	mu     sync.Mutex
	upper  []float64
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.upper, v) // first bucket with upper bound >= v
	h.mu.Lock()
	if i < len(h.counts) {
		h.counts[i]++
	}
	h.count++
	h.sum += v
	h.mu.Unlock()
}

// DefBuckets suit request durations in seconds.
var DefBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Histogram registers a histogram family with the given bucket upper bounds
// (sorted, without +Inf, which is always added).
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	checkLabels(labels)
	if !sort.Float64sAreSorted(buckets) || len(buckets) == 0 || math.IsInf(buckets[len(buckets)-1], 1) {
		panic("metrics: histogram buckets must be sorted, finite and not empty: " + name)
	}
	b := append([]float64(nil), buckets...)
	h := &HistogramVec{name: name, help: help, buckets: b}
	h.l = labelled[Histogram]{names: labels, series: map[string]*Histogram{}, values: map[string][]string{},
		make: func() *Histogram { return &Histogram{upper: b, counts: make([]uint64, len(b))} }}
	r.add(h)
	return h
}

// With returns the series for the label values.
func (h *HistogramVec) With(values ...string) *Histogram { return h.l.get(values) }

func (h *HistogramVec) meta() (string, string, Type) { return h.name, h.help, HistogramType }

func (h *HistogramVec) write(w *bufio.Writer) {
	h.l.each(func(ls []Label, s *Histogram) {
		s.mu.Lock()
		counts := append([]uint64(nil), s.counts...)
		count, sum := s.count, s.sum
		s.mu.Unlock()
		withLe := append(append([]Label(nil), ls...), Label{Name: "le"})
		var cum uint64
		for i, ub := range h.buckets {
			cum += counts[i]
			withLe[len(ls)].Value = FormatValue(ub)
			writeSample(w, h.name+"_bucket", withLe, float64(cum))
		}
		withLe[len(ls)].Value = "+Inf"
		writeSample(w, h.name+"_bucket", withLe, float64(count))
		writeSample(w, h.name+"_sum", ls, sum)
		writeSample(w, h.name+"_count", ls, float64(count))
	})
}

// Sample is one value read at scrape time.
type Sample struct {
	Labels []Label
	Value  float64
}

// funcFamily reads its samples when scraped.
type funcFamily struct {
	name, help string
	typ        Type
	read       func() []Sample
}

// Func registers a family whose samples are read at scrape time, for values
// something else keeps (the database pool, the Go runtime). typ is
// CounterType or GaugeType.
func (r *Registry) Func(name, help string, typ Type, read func() []Sample) {
	if typ != CounterType && typ != GaugeType {
		panic(fmt.Sprintf("metrics: Func cannot expose a %s", typ))
	}
	r.add(&funcFamily{name: name, help: help, typ: typ, read: read})
}

// GaugeFunc registers a single unlabelled gauge read at scrape time.
func (r *Registry) GaugeFunc(name, help string, read func() float64) {
	r.Func(name, help, GaugeType, func() []Sample { return []Sample{{Value: read()}} })
}

func (f *funcFamily) meta() (string, string, Type) { return f.name, f.help, f.typ }

func (f *funcFamily) write(w *bufio.Writer) {
	for _, s := range f.read() {
		for _, l := range s.Labels {
			if !labelRE.MatchString(l.Name) {
				panic("metrics: invalid label name " + l.Name)
			}
		}
		writeSample(w, f.name, s.Labels, s.Value)
	}
}
