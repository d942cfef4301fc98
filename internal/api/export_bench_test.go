package api_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/stock"
)

// BenchmarkExportBoxes streams the whole box list of one base through the
// API as CSV and as XLSX, on both databases. ABRI_BENCH_BOXES sets the
// number of boxes (default 10,000; the target is 100,000 in under 2 s).
//
//	ABRI_BENCH_BOXES=100000 go test -run '^$' -bench ExportBoxes ./internal/api/
func BenchmarkExportBoxes(b *testing.B) {
	n := 10_000
	if s := os.Getenv("ABRI_BENCH_BOXES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("ABRI_BENCH_BOXES=%q", s)
		}
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var d *db.DB
			if kind == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			w := setupWarehouse(b, d)
			start := time.Now()
			ctx := context.Background()
			for made := 0; made < n; made += 500 {
				nbs := make([]stock.NewBox, min(500, n-made))
				for i := range nbs {
					nbs[i] = stock.NewBox{ProductID: w.jackets.ID, Size: w.sizes[i%len(w.sizes)], Items: int64(i % 40), LocationID: w.shelf.ID,
						Tags: []string{"winter"}}
				}
				if _, err := w.stock.CreateBoxes(ctx, w.sys, nbs); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: made %d boxes in %v", kind, n, time.Since(start).Round(time.Millisecond))
			for _, format := range []string{"csv", "xlsx"} {
				b.Run(format, func(b *testing.B) {
					var bytes int64
					for b.Loop() {
						r := httptest.NewRequest("GET", "/api/v1/boxes?format="+format, nil)
						r.Header.Set("Authorization", "Bearer "+w.fixture.token)
						rec := &discardRecorder{ResponseRecorder: httptest.NewRecorder()}
						w.h.ServeHTTP(rec, r)
						if rec.Code != 200 {
							b.Fatalf("status %d", rec.Code)
						}
						bytes = rec.n
					}
					b.ReportMetric(float64(bytes)/1e6, "MB/export")
					b.ReportMetric(float64(n), "boxes")
				})
			}
		})
	}
}

// discardRecorder counts the body instead of keeping it.
type discardRecorder struct {
	*httptest.ResponseRecorder
	n int64
}

func (d *discardRecorder) Write(p []byte) (int, error) {
	if d.Code == 0 {
		d.WriteHeader(200)
	}
	d.n += int64(len(p))
	return len(p), nil
}
