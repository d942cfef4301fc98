package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// serverHist is the server's own count of the time it took to answer one
// route (abri_http_request_duration_seconds from /metrics): cumulative
// counts by upper bound in seconds, +Inf last. The time runs from the
// request read to the answer written, so it leaves out the clients' own
// scheduling on a machine they share with the server.
type serverHist struct {
	le  []float64
	cum []float64
}

// readServerHist reads the histogram of route and method from /metrics.
func readServerHist(ctx context.Context, hc *http.Client, base, route, method string) (serverHist, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return serverHist{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return serverHist{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverHist{}, fmt.Errorf("/metrics: %s", resp.Status)
	}
	byLe := map[float64]float64{}
	want := []string{`route="` + route + `"`, `method="` + method + `"`}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "abri_http_request_duration_seconds_bucket{") ||
			!strings.Contains(line, want[0]) || !strings.Contains(line, want[1]) {
			continue
		}
		_, rest, _ := strings.Cut(line, `le="`)
		le, rest, ok := strings.Cut(rest, `"`)
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			continue
		}
		bound := math.Inf(1)
		if le != "+Inf" {
			if bound, err = strconv.ParseFloat(le, 64); err != nil {
				continue
			}
		}
		byLe[bound] = v
	}
	if err := sc.Err(); err != nil {
		return serverHist{}, err
	}
	var h serverHist
	for le := range byLe {
		h.le = append(h.le, le)
	}
	sort.Float64s(h.le)
	for _, le := range h.le {
		h.cum = append(h.cum, byLe[le])
	}
	return h, nil
}

// since is what was counted between an earlier reading and this one.
func (h serverHist) since(before serverHist) serverHist {
	old := map[float64]float64{}
	for i, le := range before.le {
		old[le] = before.cum[i]
	}
	d := serverHist{le: h.le, cum: make([]float64, len(h.cum))}
	for i, le := range h.le {
		d.cum[i] = h.cum[i] - old[le]
	}
	return d
}

func (h serverHist) count() float64 {
	if len(h.cum) == 0 {
		return 0
	}
	return h.cum[len(h.cum)-1]
}

// within is the share of requests answered in at most bound seconds (a
// bucket's upper bound: exact).
func (h serverHist) within(bound float64) float64 {
	n := h.count()
	for i, le := range h.le {
		if le == bound && n > 0 {
			return h.cum[i] / n
		}
	}
	return math.NaN()
}

// quantile estimates the q-quantile in seconds by linear interpolation in
// its bucket, as Prometheus's histogram_quantile does; the truth lies
// anywhere in that bucket.
func (h serverHist) quantile(q float64) float64 {
	n := h.count()
	if n == 0 {
		return math.NaN()
	}
	rank := q * n
	lo, below := 0.0, 0.0
	for i, le := range h.le {
		if h.cum[i] >= rank {
			if math.IsInf(le, 1) {
				return lo
			}
			in := h.cum[i] - below
			if in == 0 {
				return le
			}
			return lo + (le-lo)*(rank-below)/in
		}
		lo, below = le, h.cum[i]
	}
	return lo
}

// bucketOf names the bucket a time in seconds falls in: "10–25 ms".
func (h serverHist) bucketOf(s float64) string {
	lo := 0.0
	for _, le := range h.le {
		if s <= le {
			if math.IsInf(le, 1) {
				return fmt.Sprintf("over %.0f ms", lo*1000)
			}
			return fmt.Sprintf("%.0f–%.0f ms", lo*1000, le*1000)
		}
		lo = le
	}
	return "?"
}
