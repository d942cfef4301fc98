package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/place"
)

// Sites, /sites: the living sites and distribution points of the base, with
// the short description the public schedule shows and an optional pin for
// the site itself. Coordinators and administrators add and change them.

type sitesPage struct {
	Rows      []siteRow
	New       siteFormView
	CanManage bool
	Form      siteForm
	Err       fieldError
	ErrID     int64 // the site whose form was refused; 0 for the new one
}

// siteRow is a site in the list, with its form as shown.
type siteRow struct {
	place.Site
	Open bool
	Form siteFormView
}

// siteFormView is what one site form shows: the site's id (0 for a new
// one), the values, the kinds and the refusal, if any.
type siteFormView struct {
	ID    int64
	F     siteForm
	Err   fieldError
	Kinds []option
}

type siteForm struct {
	Name, Kind, Note, PublicNote, Lat, Lon string
}

func formOfSite(s place.Site) siteForm {
	f := siteForm{Name: s.Name, Kind: s.Kind, Note: s.Note, PublicNote: s.PublicNote}
	if s.Pin != nil {
		f.Lat, f.Lon = strconv.FormatFloat(s.Pin.Lat, 'f', -1, 64), strconv.FormatFloat(s.Pin.Lon, 'f', -1, 64)
	}
	return f
}

func (s *server) sites(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderSites(w, r, c, http.StatusOK, sitesPage{Form: siteForm{Kind: place.SiteLiving}})
}

func (s *server) renderSites(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p sitesPage) error {
	ss, err := s.places.Sites(r.Context(), c.P.Actor, place.SiteFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	p.CanManage = c.P.Actor.Can(access.ManageSites)
	var kinds []option
	for _, k := range place.SiteKinds {
		kinds = append(kinds, option{Value: k, Label: c.T("place.site.kind." + k)})
	}
	for _, st := range ss {
		row := siteRow{Site: st, Form: siteFormView{ID: st.ID, F: formOfSite(st), Kinds: kinds}}
		if p.ErrID == st.ID && p.Err.Msg != "" {
			row.Open, row.Form.F, row.Form.Err = true, p.Form, p.Err
		}
		p.Rows = append(p.Rows, row)
	}
	p.New = siteFormView{F: p.Form, Kinds: kinds}
	if p.ErrID == 0 {
		p.New.Err = p.Err
	}
	s.render(w, r, c, status, "sites", "distribution.web.sites_title", p)
	return nil
}

// siteInput reads the site form; a pin needs both numbers or neither.
func siteInput(r *http.Request) (place.SiteInput, siteForm, error) {
	pf := r.PostForm
	f := siteForm{Name: pf.Get("name"), Kind: pf.Get("kind"), Note: pf.Get("note"), PublicNote: pf.Get("public_note"),
		Lat: strings.TrimSpace(pf.Get("lat")), Lon: strings.TrimSpace(pf.Get("lon"))}
	in := place.SiteInput{Name: f.Name, Kind: f.Kind, Note: f.Note, PublicNote: f.PublicNote}
	if f.Lat == "" && f.Lon == "" {
		return in, f, nil
	}
	lat, err1 := strconv.ParseFloat(strings.ReplaceAll(f.Lat, ",", "."), 64)
	lon, err2 := strconv.ParseFloat(strings.ReplaceAll(f.Lon, ",", "."), 64)
	if err1 != nil || err2 != nil {
		return in, f, apperr.New(apperr.Invalid, "place.error.pin_range").At("pin")
	}
	in.Pin = &place.Pin{Lat: lat, Lon: lon}
	return in, f, nil
}

func siteField(err error, id int64) string {
	f := apperr.FieldOf(err)
	if f == "" {
		f = "name"
	}
	if f == "pin" {
		f = "lat"
	}
	return fmt.Sprintf("s%d-%s", id, f)
}

func (s *server) saveSite(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		var id int64
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		if err := parseForm(r); err != nil {
			return err
		}
		in, f, err := siteInput(r)
		if err == nil {
			if create {
				_, err = s.places.CreateSite(r.Context(), c.P.Actor, in)
			} else {
				_, err = s.places.UpdateSite(r.Context(), c.P.Actor, id, in)
			}
		}
		if err != nil {
			if msg, status := formError(c, err); msg != "" {
				return s.renderSites(w, r, c, status, sitesPage{Form: f, ErrID: id, Err: fieldError{ID: siteField(err, id), Msg: msg}})
			}
			return err
		}
		s.setFlash(w, r, "web.flash.site_saved")
		redirect(w, r, "/sites")
		return nil
	}
}
