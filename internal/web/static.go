package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

type asset struct {
	body  []byte
	gz    []byte // gzip of body, compressed once at start; nil when it does not shrink
	hash  string
	ctype string
}

// staticFiles serves the embedded static files under /static/<hash>/<name>.
// The hash is of the content, so an address never changes meaning and
// browsers may keep a file for a year.
type staticFiles struct {
	files    map[string]asset
	notFound http.Handler
}

func loadStatic() (*staticFiles, error) {
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, err
	}
	st := &staticFiles{files: map[string]asset{}, notFound: http.NotFoundHandler()}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(e.Name()))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		st.files[e.Name()] = asset{body: b, gz: gzipped(b), hash: hex.EncodeToString(sum[:6]), ctype: ctype}
	}
	return st, nil
}

// url is a file's address, or "" when there is no such file.
func (st *staticFiles) url(name string) string {
	a, ok := st.files[name]
	if !ok {
		return ""
	}
	return "/static/" + a.hash + "/" + name
}

func (st *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := st.files[r.PathValue("name")]
	if !ok || r.PathValue("hash") != a.hash {
		st.notFound.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		// A phone without BarcodeDetector downloads the decoder: 58 KB
		// compressed instead of 257 KB.
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// gzipped compresses a static file once, as well as gzip can.
func gzipped(b []byte) []byte { return compress(b, gzip.BestCompression) }

// minGzip is the smallest page worth compressing: below it the gzip header
// and the work outweigh what is saved.
const minGzip = 1024

// pageGzip keeps gzip writers for pages, which are compressed on every
// request: a fast level, since a page is small and made fresh each time.
var pageGzip = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// gzipPage compresses a page; nil when it does not shrink.
func gzipPage(b []byte) []byte {
	zw := pageGzip.Get().(*gzip.Writer)
	defer pageGzip.Put(zw)
	return compressWith(zw, b)
}

func compress(b []byte, level int) []byte {
	zw, _ := gzip.NewWriterLevel(nil, level)
	return compressWith(zw, b)
}

// compressWith gzips b with zw, which it resets; nil when the result is no
// smaller than b.
func compressWith(zw *gzip.Writer, b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
