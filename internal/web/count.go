package web

import (
	"net/http"
	"strconv"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/headcount"
	"abri/internal/place"
)

// The quick count: people served at a site, one tap one person. Taps go
// through the offline queue (static/queue.js, static/count.js), so the
// screen works with no network; both pages are field screens the service
// worker keeps.

type countSitesPage struct {
	Sites []place.Site
}

func (s *server) countSites(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := c.P.Actor.Require(access.RecordHeadcount); err != nil {
		return err
	}
	sites, err := s.places.Sites(r.Context(), c.P.Actor, place.SiteFilter{})
	if err != nil {
		return err
	}
	s.renderField(w, r, c, http.StatusOK, "count_sites", "web.count.title", countSitesPage{Sites: sites})
	return nil
}

type countCell struct {
	Age, Gender string
	Label       string
	N           int64
}

type countPage struct {
	Site   place.Site
	Target string
	Day    string
	All    int64
	Rows   [][]countCell
}

// countGenders are the screen's rows, countAges its columns, each with
// its name's key.
var (
	countGenders = []struct{ Value, Key string }{
		{"woman", "web.count.gender_woman"}, {"man", "web.count.gender_man"},
		{"other", "web.count.gender_other"}, {"unknown", "web.count.gender_unknown"},
	}
	countAges = []struct{ Value, Key string }{
		{"child", "web.count.age_child"}, {"adult", "web.count.age_adult"}, {"", "web.count.age_any"},
	}
)

func (s *server) countSite(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "site")
	if err != nil {
		return err
	}
	site, err := s.places.Site(r.Context(), c.P.Actor, id)
	if err != nil {
		return err
	}
	if site.Archived {
		return apperr.ErrNotFound()
	}
	day := headcount.Day(c.P.Location(), s.db.Clock.Now())
	tot, err := headcount.SiteTotals(r.Context(), s.db, c.P.Actor, id, day)
	if err != nil {
		return err
	}
	p := countPage{Site: site, Target: "site:" + strconv.FormatInt(id, 10), Day: day, All: tot.All}
	for _, g := range countGenders {
		var row []countCell
		for _, a := range countAges {
			row = append(row, countCell{Age: a.Value, Gender: g.Value, N: tot.ByBand[headcount.Band{Age: a.Value, Gender: g.Value}],
				Label: c.T("web.count.cell", c.T(g.Key), c.T(a.Key))})
		}
		p.Rows = append(p.Rows, row)
	}
	s.renderField(w, r, c, http.StatusOK, "count", "web.count.title", p)
	return nil
}
