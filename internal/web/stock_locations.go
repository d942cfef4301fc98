package web

import (
	"net/http"

	"abri/internal/access"
	"abri/internal/place"
)

// Locations, /stock/locations: the shelves, rooms, vans and distribution
// points where boxes are kept. Everyone sees them; the warehouse, the
// coordinators and the administrators add, rename and archive them.

type locationsPage struct {
	Locations []place.Location
	Kinds     []option
	States    []option // the states a location gives the boxes moved there
	CanManage bool
	Form      place.LocationInput // the new location, as typed
	Error     string
	ErrorID   int64 // the location whose form was refused; 0 for the new one
	Typed     place.LocationInput
}

func (s *server) locations(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderLocations(w, r, c, http.StatusOK, locationsPage{})
}

func (s *server) renderLocations(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p locationsPage) error {
	ls, err := s.places.Locations(r.Context(), c.P.Actor, place.LocationFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	p.Locations, p.CanManage = ls, c.P.Actor.Can(access.ManageLocations)
	for _, k := range place.LocationKinds {
		p.Kinds = append(p.Kinds, option{Value: k, Label: c.T("place.location.kind." + k)})
	}
	for _, st := range place.LocationStates {
		p.States = append(p.States, option{Value: st, Label: c.T("place.location.state." + st)})
	}
	if p.Form.Kind == "" {
		p.Form.Kind = place.LocationShelf
	}
	s.render(w, r, c, status, "locations", "web.locations.title", p)
	return nil
}

func locationInput(r *http.Request) place.LocationInput {
	pf := r.PostForm
	return place.LocationInput{Name: pf.Get("name"), Kind: pf.Get("kind"), DefaultState: pf.Get("default_state")}
}

func (s *server) createLocation(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := locationInput(r)
	if _, err := s.places.CreateLocation(r.Context(), c.P.Actor, in); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderLocations(w, r, c, status, locationsPage{Form: in, Error: msg})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.location_added")
	redirect(w, r, "/stock/locations")
	return nil
}

func (s *server) updateLocation(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := locationInput(r)
	if _, err := s.places.UpdateLocation(r.Context(), c.P.Actor, id, in); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderLocations(w, r, c, status, locationsPage{Error: msg, ErrorID: id, Typed: in})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.location_saved")
	redirect(w, r, "/stock/locations")
	return nil
}

func (s *server) archiveLocation(archived bool) handlerFunc {
	flash := "web.flash.location_restored"
	if archived {
		flash = "web.flash.location_archived"
	}
	return func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.places.ArchiveLocation(r.Context(), c.P.Actor, id, archived); err != nil {
			return err
		}
		s.setFlash(w, r, flash)
		redirect(w, r, "/stock/locations")
		return nil
	}
}
