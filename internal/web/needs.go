package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"abri/internal/access"
	"abri/internal/catalog"
	"abri/internal/distribution"
	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/needs"
)

// The needs board, /needs: open needs against the stock in hand, with the
// shortfall per product; coordinators and distribution teams add needs.

type needsPage struct {
	Rows      []needs.BoardRow
	CanManage bool
	Sites     []option
	Products  []option
	Cats      []option
	Sources   []option
	Form      needForm
	Err       fieldError
}

type needForm struct {
	Site, Product, Category, Quantity, Urgency, Source string
}

func (s *server) needsBoard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderNeeds(w, r, c, http.StatusOK, needsPage{Form: needForm{Urgency: "2", Source: needs.FromCoordinator, Quantity: "1"}})
}

func (s *server) renderNeeds(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p needsPage) error {
	ctx, a := r.Context(), c.P.Actor
	var err error
	if p.Rows, err = s.needs.Board(ctx, a); err != nil {
		return err
	}
	p.CanManage = a.Can(access.ManageNeeds)
	if p.CanManage {
		if p.Sites, err = s.siteOptions(r, c); err != nil {
			return err
		}
		ps, err := catalog.Products(ctx, s.db, a)
		if err != nil {
			return err
		}
		for _, pr := range ps {
			p.Products = append(p.Products, option{Value: strconv.FormatInt(pr.ID, 10), Label: catalog.CategoryName(c.Lang, pr.CategoryName) + " · " + c.productName(pr.Name, pr.Gender, pr.Standard())})
		}
		cs, err := catalog.Categories(ctx, s.db, a)
		if err != nil {
			return err
		}
		for _, ct := range cs {
			p.Cats = append(p.Cats, option{Value: strconv.FormatInt(ct.ID, 10), Label: catalog.CategoryName(c.Lang, ct.Name)})
		}
		for _, src := range needs.Sources {
			p.Sources = append(p.Sources, option{Value: src, Label: c.T("needs.source." + src)})
		}
	}
	s.render(w, r, c, status, "needs", "needs.web.title", p)
	return nil
}

func (s *server) addNeed(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	f := needForm{Site: pf.Get("site"), Product: pf.Get("product"), Category: pf.Get("category"), Quantity: pf.Get("quantity"),
		Urgency: pf.Get("urgency"), Source: pf.Get("source")}
	in := needs.Input{SiteID: postedInt(r, "site"), ProductID: postedInt(r, "product"), CategoryID: postedInt(r, "category"),
		Quantity: postedInt(r, "quantity"), Urgency: postedInt(r, "urgency"), Source: f.Source}
	if _, err := s.needs.Create(r.Context(), c.P.Actor, in); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderNeeds(w, r, c, status, needsPage{Form: f, Err: fieldError{ID: "need-" + roundField(err), Msg: msg}})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.need_added")
	redirect(w, r, "/needs")
	return nil
}

func (s *server) cancelNeed(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.needs.Cancel(r.Context(), c.P.Actor, id); err != nil {
		return err
	}
	s.setFlash(w, r, "web.flash.need_cancelled")
	redirect(w, r, "/needs")
	return nil
}

// Weekly totals, /rounds/weekly: what the rounds handed out per week, site
// and category, the people served and the meals, over the last weeks; also
// as CSV.

type weeklyPage struct {
	Rows  []distribution.WeekRow
	Weeks int
}

func weeksParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("weeks"))
	if err != nil || n < 1 || n > distribution.MaxWeeks {
		return 8
	}
	return n
}

func (s *server) weeklyRows(r *http.Request, c *reqCtx, weeks int) ([]distribution.WeekRow, error) {
	loc := c.zone()
	to := startOfDay(time.Now(), loc).AddDate(0, 0, 1)
	return s.distribution.Weekly(r.Context(), c.P.Actor, to.AddDate(0, 0, -7*weeks), to, loc)
}

func (s *server) weekly(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	weeks := weeksParam(r)
	rows, err := s.weeklyRows(r, c, weeks)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "weekly", "distribution.web.weekly_title", weeklyPage{Rows: rows, Weeks: weeks})
	return nil
}

func (s *server) weeklyCSV(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	rows, err := s.weeklyRows(r, c, weeksParam(r))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", export.CSV.ContentType())
	h.Set("Content-Disposition", `attachment; filename="distributions-weekly.csv"`)
	h.Set("Cache-Control", "no-store")
	cols := []string{"week", "site", "category", "handed_out", "people", "meals", "rounds"}
	for i, k := range cols {
		cols[i] = c.T("distribution.web.col_" + k)
	}
	ew, err := export.New(w, export.CSV, export.Table{Columns: cols})
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := ew.Row(export.Text(i18n.Day(c.zone(), row.Week)), export.Text(row.SiteName), export.Text(catalog.CategoryName(c.Lang, row.CategoryName)),
			export.Int(row.HandedOut), export.Int(row.People), export.Int(row.Meals), export.Int(row.Rounds)); err != nil {
			return fmt.Errorf("weekly csv: %w", err)
		}
	}
	return ew.Close()
}
