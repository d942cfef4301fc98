package web

import (
	"net/http"
	"strconv"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/incident"
)

// The organisation's forces, /incidents/forces: the list an incident's
// "forces present" offers. Observers see it; coordinators and admins add
// forces, rename them and retire them (a retired force stays on the
// incidents that name it and is no longer offered on new ones).

type incidentForcesPage struct {
	Forces    []forceRow
	CanManage bool
	Name      string // the new force, as typed
	Error     string
	ErrorID   int64 // the force whose form was refused; 0 for the new one
	Typed     string
}

type forceRow struct {
	incident.Force
	Label string
}

func (s *server) incidentForces(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderIncidentForces(w, r, c, http.StatusOK, incidentForcesPage{})
}

func (s *server) renderIncidentForces(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, p incidentForcesPage) error {
	fs, err := s.incidentSvc.Forces(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	for _, f := range fs {
		p.Forces = append(p.Forces, forceRow{Force: f, Label: f.Label(c.Lang)})
	}
	p.CanManage = c.P.Actor.Can(access.ManageIncidentForces)
	s.render(w, r, c, status, "incident_forces", "incident.forces.title", p)
	return nil
}

func (s *server) addIncidentForce(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	if _, err := s.incidentSvc.AddForce(r.Context(), c.P.Actor, name); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderIncidentForces(w, r, c, status, incidentForcesPage{Name: name, Error: msg})
		}
		return err
	}
	s.setFlash(w, r, "incident.forces.flash_added")
	redirect(w, r, "/incidents/forces")
	return nil
}

func (s *server) renameIncidentForce(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	if _, err := s.incidentSvc.RenameForce(r.Context(), c.P.Actor, id, name); err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderIncidentForces(w, r, c, status, incidentForcesPage{Error: msg, ErrorID: id, Typed: name})
		}
		return err
	}
	s.setFlash(w, r, "incident.forces.flash_saved")
	redirect(w, r, "/incidents/forces")
	return nil
}

// retireIncidentForce retires a force (retired=1) or puts it back (0).
func (s *server) retireIncidentForce(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := incident.MayManageForces(c.P.Actor); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	retired, err := strconv.ParseBool(r.PostForm.Get("retired"))
	if err != nil {
		return apperr.New(apperr.Invalid, "incident.error.choice").At("retired")
	}
	if _, err := s.incidentSvc.RetireForce(r.Context(), c.P.Actor, id, retired); err != nil {
		return err
	}
	flash := "incident.forces.flash_restored"
	if retired {
		flash = "incident.forces.flash_retired"
	}
	s.setFlash(w, r, flash)
	redirect(w, r, "/incidents/forces")
	return nil
}
