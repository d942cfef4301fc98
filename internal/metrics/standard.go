package metrics

import (
	"database/sql"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// HTTP counts requests by route pattern, method and status class, and times
// them. Labels never hold a path, a query or anything a client chose freely,
// so the number of series stays small and no personal data lands in them.
type HTTP struct {
	requests *CounterVec
	duration *HistogramVec
}

// NewHTTP registers the HTTP request metrics.
func NewHTTP(r *Registry) *HTTP {
	return &HTTP{
		requests: r.Counter("abri_http_requests_total",
			"HTTP requests answered, by route pattern, method and status class.", "route", "method", "code"),
		duration: r.Histogram("abri_http_request_duration_seconds",
			"Time to answer an HTTP request, by route pattern and method.", DefBuckets, "route", "method"),
	}
}

// Observe records one answered request. pattern is the ServeMux pattern that
// served it (r.Pattern after routing), empty when none did.
func (h *HTTP) Observe(pattern, method string, status int, d time.Duration) {
	route, m := Route(pattern), Method(method)
	h.requests.With(route, m, StatusClass(status)).Inc()
	h.duration.With(route, m).Observe(d.Seconds())
}

// Route turns a ServeMux pattern such as "GET /api/v1/me" into the route
// label "/api/v1/me"; no pattern gives "other".
func Route(pattern string) string {
	if pattern == "" {
		return "other"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = strings.TrimLeft(path, " \t")
	}
	return pattern
}

// Method keeps the standard methods and folds anything else into "other".
func Method(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "other"
}

// StatusClass turns 404 into "4xx".
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// RegisterDB exposes a database pool's figures, read at scrape time.
func RegisterDB(r *Registry, stats func() sql.DBStats) {
	one := func(f func(sql.DBStats) float64) func() []Sample {
		return func() []Sample { return []Sample{{Value: f(stats())}} }
	}
	r.Func("abri_db_open_connections", "Open database connections, in use or idle.", GaugeType,
		one(func(s sql.DBStats) float64 { return float64(s.OpenConnections) }))
	r.Func("abri_db_in_use_connections", "Database connections in use.", GaugeType,
		one(func(s sql.DBStats) float64 { return float64(s.InUse) }))
	r.Func("abri_db_max_open_connections", "Largest number of open database connections allowed.", GaugeType,
		one(func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }))
	r.Func("abri_db_wait_count_total", "Times a request waited for a free database connection.", CounterType,
		one(func(s sql.DBStats) float64 { return float64(s.WaitCount) }))
	r.Func("abri_db_wait_duration_seconds_total", "Time spent waiting for a free database connection.", CounterType,
		one(func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }))
}

// RegisterRuntime exposes the number of goroutines and the heap size.
func RegisterRuntime(r *Registry) {
	r.GaugeFunc("go_goroutines", "Goroutines that currently exist.", func() float64 {
		return float64(runtime.NumGoroutine())
	})
	// runtime/metrics reads the heap without stopping the world, unlike
	// runtime.ReadMemStats.
	r.GaugeFunc("go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects.", func() float64 {
		s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		rtmetrics.Read(s)
		if s[0].Value.Kind() != rtmetrics.KindUint64 {
			return 0
		}
		return float64(s[0].Value.Uint64())
	})
}

// RegisterProcess exposes when the process started.
func RegisterProcess(r *Registry, start time.Time) {
	v := float64(start.UnixNano()) / 1e9
	r.GaugeFunc("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.",
		func() float64 { return v })
}

// RegisterBuild exposes the version abri was built as, always 1. An empty
// version is read from the module's build information.
func RegisterBuild(r *Registry, version string) {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	if version == "" {
		version = "unknown"
	}
	labels := []Label{{"version", version}, {"revision", revision}, {"goversion", runtime.Version()}}
	r.Func("abri_build_info", "The version abri was built as; the value is always 1.", GaugeType,
		func() []Sample { return []Sample{{Labels: labels, Value: 1}} })
}
