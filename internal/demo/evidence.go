package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/incident"
)

// evidencePerIncident photos on each of the latest evidenceIncidents
// evictions of the main base: enough to see the file list, the custody log,
// the shareable copy and an export bundle at once.
const (
	evidenceIncidents   = 3
	evidencePerIncident = 2
)

// SeedEvidence attaches made-up photos (an empty field, tents as
// triangles: no person, no place) to the latest evictions of the demo's
// main base, as its observer would from a phone. The files are kept in st,
// the data directory's evidence store. A base that has any evidence already
// is left as it is.
func SeedEvidence(ctx context.Context, d *db.DB, st *incident.EvidenceStore) error {
	var a access.Actor
	err := d.QueryRow(ctx, `SELECT u.id, m.org_id, m.base_id FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE u.email = ? AND m.role = ? ORDER BY m.base_id LIMIT 1`, "observer@demo.abri.invalid", string(access.Observer)).Scan(&a.UserID, &a.OrgID, &a.BaseID)
	if err != nil {
		return fmt.Errorf("evidence: the demo's observer: %w", err)
	}
	a.Role = access.Observer
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM incident_evidence WHERE org_id = ? AND base_id = ?", a.OrgID, a.BaseID).Scan(&n); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if n > 0 {
		return nil
	}
	s := incident.New(d)
	list, err := s.List(ctx, a, incident.Filter{Kind: "eviction"})
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	rng := rand.New(rand.NewPCG(5794, uint64(a.BaseID)))
	for i := 0; i < len(list) && i < evidenceIncidents; i++ {
		for range evidencePerIncident {
			b, err := fieldPhoto(rng)
			if err != nil {
				return err
			}
			if _, err := s.Upload(ctx, a, st, list[i].ID, bytes.NewReader(b), ""); err != nil {
				return fmt.Errorf("evidence: incident %d: %w", list[i].ID, err)
			}
		}
	}
	return nil
}

// fieldPhoto draws a small JPEG: sky, ground and a few tents.
func fieldPhoto(rng *rand.Rand) ([]byte, error) {
	const w, h = 480, 320
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	horizon := h/2 + rng.IntN(h/6)
	for y := range h {
		for x := range w {
			c := color.RGBA{150 + uint8(y*60/h), 180 + uint8(y*40/h), 210, 255}
			if y >= horizon {
				c = color.RGBA{90, 110 + uint8((x+y)%20), 60, 255}
			}
			img.Set(x, y, c)
		}
	}
	for range 2 + rng.IntN(4) {
		cx, half, tall := 40+rng.IntN(w-80), 20+rng.IntN(25), 25+rng.IntN(30)
		base := horizon + 10 + rng.IntN(h-horizon-20)
		tent := color.RGBA{uint8(rng.IntN(200)), uint8(60 + rng.IntN(120)), uint8(rng.IntN(200)), 255}
		for y := base - tall; y < base; y++ {
			span := half * (y - (base - tall)) / tall
			for x := cx - span; x <= cx+span; x++ {
				if x >= 0 && x < w && y >= 0 && y < h {
					img.Set(x, y, tent)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("evidence: photo: %w", err)
	}
	return buf.Bytes(), nil
}
