package server

import (
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"abri/internal/api"
	"abri/internal/apperr"
	"abri/internal/i18n"
	"abri/internal/metrics"
)

// recorder remembers what a handler answered, for the log and the metrics.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (Flush,
// deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush sends what is buffered, for handlers that assert http.Flusher.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

// wrote tells whether the handler has started its answer.
func (r *recorder) wrote() bool { return r.status != 0 }

// recorderOf finds the recorder instrument put around w.
func recorderOf(w http.ResponseWriter) *recorder {
	for {
		switch x := w.(type) {
		case *recorder:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
}

// quietRoutes are asked every few seconds by probes and scrapers; their
// access log lines go to Debug.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// instrument logs one line per request and feeds the HTTP metrics. The line
// holds the method, the route pattern (never the path, which may carry a
// code, nor the query string), the status, the time taken and the bytes
// sent: no address, no email, no token, no cookie.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		// Deferred, so that a request cut short by http.ErrAbortHandler is
		// counted too.
		defer func() { s.observe(r, rec, time.Since(start)) }()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) observe(r *http.Request, rec *recorder, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http sends 200
	}
	// r.Pattern is set by the innermost ServeMux that routed r, when
	// nobody copied the request on the way.
	route := metrics.Route(r.Pattern)
	s.http.Observe(r.Pattern, r.Method, status, d)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case quietRoutes[route]:
		level = slog.LevelDebug
	}
	s.log.LogAttrs(r.Context(), level, "http request",
		slog.String("method", metrics.Method(r.Method)),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("bytes", rec.bytes),
	)
}

// recoverer turns a panic in a handler into a logged 500, so one bad request
// does not take the server down.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // a deliberate abort, not a bug
				panic(v)
			}
			s.log.Error("panic in a handler", "route", metrics.Route(r.Pattern), "method", metrics.Method(r.Method),
				"panic", panicText(v), "stack", string(debug.Stack()))
			if rec := recorderOf(w); rec != nil && rec.wrote() {
				// Half an answer went out: cut the connection so the client
				// does not take it for a whole one.
				panic(http.ErrAbortHandler)
			}
			s.answerError(w, r, apperr.New(apperr.Internal, "error.internal"))
		}()
		next.ServeHTTP(w, r)
	})
}

// panicText keeps the kind of a panic (an error, a runtime error, a string)
// for the log.
func panicText(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case string:
		return x
	}
	return "non-error panic value"
}

// answerError answers an error the server itself raises: as JSON on API
// paths (through the API's one mapping), as plain text in the reader's
// language elsewhere.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		api.WriteError(w, r, err)
		return
	}
	e := apperr.As(err)
	key := e.Key
	if e.Code == apperr.Internal {
		key = "error.internal"
	}
	writeText(w, apperr.Status(e.Code), i18n.T(i18n.Match(r.Header.Get("Accept-Language")), key, e.Args...)+"\n")
}

// cappedBody is the request body with a size cap: MaxBody unless the route
// sets its own. A handler that needs more (an evidence upload) raises the cap
// before reading, without importing this package:
//
//	if b, ok := r.Body.(interface{ SetLimit(int64) }); ok {
//		b.SetLimit(50 << 20)
//	}
//
// A lower cap needs nothing special: http.MaxBytesReader around r.Body wins.
// Reading past the cap fails with *http.MaxBytesError.
type cappedBody struct {
	w       http.ResponseWriter // the server's own, so net/http closes the connection after a refusal
	orig    io.ReadCloser
	rc      io.ReadCloser
	read    bool
	tripped bool
}

// SetLimit changes the cap; it has no effect once reading has begun.
func (b *cappedBody) SetLimit(n int64) {
	if !b.read {
		b.rc = http.MaxBytesReader(b.w, b.orig, n)
	}
}

func (b *cappedBody) Read(p []byte) (int, error) {
	b.read = true
	n, err := b.rc.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		b.tripped = true
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// capBody caps request bodies. When a handler hits the cap and returns
// without answering, the server answers 413.
func (s *Server) capBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		inner := w
		if rec := recorderOf(w); rec != nil {
			inner = rec.ResponseWriter
		}
		b := &cappedBody{w: inner, orig: r.Body, rc: http.MaxBytesReader(inner, r.Body, MaxBody)}
		r.Body = b
		next.ServeHTTP(w, r)
		if b.tripped {
			if rec := recorderOf(w); rec == nil || !rec.wrote() {
				s.answerError(w, r, apperr.New(apperr.TooLarge, "error.too_large"))
			}
		}
	})
}

// addrRE matches IPv4 and bracketed or bare IPv6 addresses with a port.
var addrRE = regexp.MustCompile(`\[?[0-9a-fA-F:.]*[:.][0-9a-fA-F:.]*\]?:\d+`)

// newServerErrorLog sends net/http's own messages (bad TLS handshakes,
// broken connections) to slog, with client addresses removed.
func newServerErrorLog(l *slog.Logger) *log.Logger {
	return log.New(writerFunc(func(p []byte) (int, error) {
		msg := addrRE.ReplaceAllString(strings.TrimSpace(string(p)), "[address]")
		l.Warn("http server", "msg", msg)
		return len(p), nil
	}), "", 0)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
