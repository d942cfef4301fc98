package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/incident"
)

// exportIncidents answers the incident list's export button: a signed ZIP
// of the incidents ticked, or with scope=shown of every incident the
// list's filters show. It is a POST, not a link: each export is written
// into the custody log of every file it carries, so another site must not
// be able to start one.
func (s *server) exportIncidents(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := incident.MayView(c.P.Actor); err != nil {
		return err
	}
	req := incident.ExportRequest{Lang: c.Lang, Zone: c.zone()}
	if r.PostForm.Get("scope") == "shown" {
		is, err := s.incidentSvc.List(r.Context(), c.P.Actor, incidentFilter(r.PostForm, c))
		if err != nil {
			return err
		}
		for _, in := range is {
			req.IDs = append(req.IDs, in.ID)
		}
	} else {
		for _, v := range r.PostForm["ids"] {
			ids, err := incident.ParseIDs(v)
			if err != nil {
				return err
			}
			req.IDs = append(req.IDs, ids...)
		}
	}
	return s.sendBundle(w, r, c, req)
}

// sendBundle streams the bundle, which holds the incidents' evidence: no
// cache keeps a copy.
func (s *server) sendBundle(w http.ResponseWriter, r *http.Request, c *reqCtx, req incident.ExportRequest) error {
	w.Header().Set("Cache-Control", "no-store")
	name := "abri-incidents-" + i18n.Day(c.zone(), s.db.Clock.Now()) + ".zip"
	return s.download(w, r, name, "application/zip", 30*time.Minute, func(w io.Writer) error {
		return s.incidentSvc.Export(r.Context(), c.P.Actor, s.evidence, s.bundleKey, req, w)
	})
}

// The shelter-loss reports: losses per month against items replaced, and
// incidents per week by site and kind, each a screen and a CSV export with
// the incident list's filters. The incident package answers 404 to those
// who may not see incidents.

type incidentReportPage struct {
	Losses       bool // which report: losses per month, or incidents per week
	Title, Lede  string
	Sites, Kinds []option
	Site, Kind   string
	From, To     string
	Query        string // the filters, for the CSV link
	Head         []string
	Rows         [][]string
	Path         string
}

// incidentReport reads both reports' rows as the cells the screen and the
// CSV show. Numbers are cells too, written as the CSV writes them.
func (s *server) incidentReport(r *http.Request, c *reqCtx, losses bool) (head []string, rows [][]export.Cell, err error) {
	f := incidentFilter(r.URL.Query(), c)
	if losses {
		ls, err := s.incidentSvc.LossesByMonth(r.Context(), c.P.Actor, f, c.zone())
		if err != nil {
			return nil, nil, err
		}
		for _, l := range ls {
			rows = append(rows, []export.Cell{export.Text(l.Month.Format("2006-01")), export.Text(l.Name(c.Lang)), export.Int(l.Lost),
				export.Int(l.Replaced), export.Int(l.Owed)})
		}
		return []string{"month", "product", "lost", "replaced", "owed"}, rows, nil
	}
	ws, err := s.incidentSvc.IncidentsByWeek(r.Context(), c.P.Actor, f, c.zone())
	if err != nil {
		return nil, nil, err
	}
	for _, w := range ws {
		rows = append(rows, []export.Cell{export.Text(i18n.Day(c.zone(), w.Week)), export.Text(w.SiteName),
			export.Text(c.T("incident.kind." + w.Kind)), export.Int(w.Count)})
	}
	return []string{"week", "site", "kind", "incidents"}, rows, nil
}

func (s *server) incidentReportScreen(losses bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		head, rows, err := s.incidentReport(r, c, losses)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		p := incidentReportPage{Losses: losses, Kinds: c.incidentKinds(), Site: q.Get("site"), Kind: q.Get("kind"),
			From: q.Get("from"), To: q.Get("to"), Query: r.URL.RawQuery, Path: "/incidents/weekly"}
		title := "bundle.web.weekly_title"
		if losses {
			title, p.Path = "bundle.web.losses_title", "/incidents/losses"
		}
		p.Title, p.Lede = c.T(title), c.T(strings.TrimSuffix(title, "title")+"lede")
		for _, h := range head {
			p.Head = append(p.Head, c.T("bundle.web.col_"+h))
		}
		for _, row := range rows {
			cells := make([]string, len(row))
			for i, cell := range row {
				cells[i] = cell.String()
			}
			p.Rows = append(p.Rows, cells)
		}
		if p.Sites, err = s.siteOptions(r, c); err != nil {
			return err
		}
		s.render(w, r, c, http.StatusOK, "incident_report", title, p)
		return nil
	}
}

func (s *server) incidentReportCSV(losses bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		head, rows, err := s.incidentReport(r, c, losses)
		if err != nil {
			return err
		}
		name := "incidents-weekly.csv"
		if losses {
			name = "incident-losses-monthly.csv"
		}
		h := w.Header()
		h.Set("Content-Type", export.CSV.ContentType())
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "no-store")
		for i, k := range head {
			head[i] = c.T("bundle.web.col_" + k)
		}
		ew, err := export.New(w, export.CSV, export.Table{Columns: head})
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := ew.Row(row...); err != nil {
				return fmt.Errorf("incident report csv: %w", err)
			}
		}
		return ew.Close()
	}
}
