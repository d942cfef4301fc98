package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/incident"
)

// The shelter-loss log: the incident list with its filters, the form a
// monitor fills in on site (it also goes through the offline queue,
// static/incident.js, as one "incident.report" command) and the incident
// page with what has been replaced and what is still owed. The incident
// package answers 404 to every role but observers, coordinators and admins.

// incidentItemRows is how many product lines the form offers.
const incidentItemRows = 4

type incidentListPage struct {
	Incidents []incident.Incident
	Sites     []option
	Kinds     []option
	Site      string
	Kind      string
	From, To  string
	Path      string // where the filters go
	Zone      *time.Location
}

func (c *reqCtx) incidentKinds() []option {
	var os []option
	for _, k := range incident.Kinds {
		os = append(os, option{Value: k, Label: c.T("incident.kind." + k)})
	}
	return os
}

func (s *server) incidents(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	p := incidentListPage{Kinds: c.incidentKinds(), Site: q.Get("site"), Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Path: "/incidents", Zone: c.zone()}
	f := incidentFilter(q, c)
	var err error
	if p.Incidents, err = s.incidentSvc.List(r.Context(), c.P.Actor, f); err != nil {
		return err
	}
	if p.Sites, err = s.siteOptions(r, c); err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "incidents", "incident.web.title", p)
	return nil
}

// incidentFilter reads the list's filters: site, kind, and the days from
// and to (both included) in the base's zone. A value that does not parse
// filters nothing.
func incidentFilter(q url.Values, c *reqCtx) incident.Filter {
	var f incident.Filter
	if v := q.Get("site"); v != "" {
		f.SiteID, _ = strconv.ParseInt(v, 10, 64)
	}
	f.Kind = q.Get("kind")
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), c.zone()); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), c.zone()); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	return f
}

type incidentFormPage struct {
	Sites, Kinds, Legal, Answers, Products []option
	Forces, ForcesUsed                     []option
	Form                                   map[string]string
	Checked                                map[string]bool
	ItemRows                               []struct{ I, N int }
	AnswerFields, CountFields              []string
	Err                                    fieldError
}

func (s *server) newIncident(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := incident.MayView(c.P.Actor); err != nil {
		return err // 404 to those who may not see incidents
	}
	return s.renderIncidentForm(w, r, c, http.StatusOK, map[string]string{"start": time.Now().In(c.zone()).Format("2006-01-02T15:04")}, nil, fieldError{})
}

func (s *server) renderIncidentForm(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, form map[string]string, checked map[string]bool, e fieldError) error {
	p := incidentFormPage{Kinds: c.incidentKinds(), Form: form, Checked: checked, Err: e}
	var err error
	if p.Sites, err = s.siteOptions(r, c); err != nil {
		return err
	}
	for _, l := range incident.LegalBases {
		p.Legal = append(p.Legal, option{Value: l, Label: c.T("incident.legal." + l)})
	}
	for _, a := range incident.Answers {
		p.Answers = append(p.Answers, option{Value: a, Label: c.T("incident.answer." + a)})
	}
	// The organisation's forces come with the page, so the form offers
	// them offline too; a retired force is not offered.
	fs, err := s.incidentSvc.Forces(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	for _, f := range incident.Offered(fs) {
		p.Forces = append(p.Forces, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Label(c.Lang)})
	}
	for _, f := range incident.ForcesUsed {
		p.ForcesUsed = append(p.ForcesUsed, option{Value: f, Label: c.T("incident.force_used." + f)})
	}
	ps, err := catalog.Products(r.Context(), s.db, c.P.Actor)
	if err != nil {
		return err
	}
	for _, pr := range ps {
		p.Products = append(p.Products, option{Value: strconv.FormatInt(pr.ID, 10), Label: catalog.CategoryName(c.Lang, pr.CategoryName) + " · " + c.productName(pr.Name, pr.Gender, pr.Standard())})
	}
	for i := range incidentItemRows {
		p.ItemRows = append(p.ItemRows, struct{ I, N int }{i, i + 1})
	}
	p.AnswerFields = []string{"bailiff", "interpreter", "notice", "recovery_offered"}
	p.CountFields = []string{"people_present", "people_arrested", "bus_shelter", "bus_detention", "observers_checked", "observers_fined", "observers_obstructed"}
	s.renderField(w, r, c, status, "incident_form", "incident.web.new", p)
	return nil
}

// incidentFormInput reads the posted form; a count left empty is 0, one
// that is not a number is -1 so the domain names its field. A force is
// read among all of the organisation's, retired ones too, so that a force
// retired while the form was open is refused with a message rather than
// dropped unsaid.
func incidentFormInput(r *http.Request, c *reqCtx, forces []incident.Force) (incident.Input, map[string]string, map[string]bool) {
	pf := r.PostForm
	form, checked := map[string]string{}, map[string]bool{}
	for k := range pf {
		form[k] = pf.Get(k)
	}
	num := func(name string) int64 {
		v := pf.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	at := func(name string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02T15:04", pf.Get(name), c.zone())
		return t
	}
	in := incident.Input{SiteID: num("site"), Kind: pf.Get("kind"), StartsAt: at("start"), EndsAt: at("end"),
		LegalBasis: pf.Get("legal_basis"), Bailiff: pf.Get("bailiff"), Interpreter: pf.Get("interpreter"), Notice: pf.Get("notice"),
		RecoveryOffered: pf.Get("recovery_offered"), PeoplePresent: num("people_present"), PeopleArrested: num("people_arrested"),
		BusShelter: num("bus_shelter"), BusDetention: num("bus_detention"), ObserversChecked: num("observers_checked"),
		ObserversFined: num("observers_fined"), ObserversObstructed: num("observers_obstructed"), Notes: pf.Get("notes")}
	for _, f := range pf["force_used"] {
		in.ForceUsed = append(in.ForceUsed, f)
		checked["used_"+f] = true
	}
	for _, f := range forces {
		k := strconv.FormatInt(f.ID, 10)
		v, o := num("vehicles_"+k), num("officers_"+k)
		if pf.Get("force_"+k) != "" || v != 0 || o != 0 {
			checked["force_"+k] = true
			in.Forces = append(in.Forces, incident.ForceLine{ForceID: f.ID, Vehicles: v, Officers: o})
		}
	}
	for i := range incidentItemRows {
		k := strconv.Itoa(i)
		if pf.Get("product_"+k) == "" {
			continue
		}
		in.Items = append(in.Items, incident.ItemLine{ProductID: num("product_" + k), Seized: num("seized_" + k),
			Destroyed: num("destroyed_" + k), Recovered: num("recovered_" + k)})
	}
	return in, form, checked
}

// incidentField is the form control a domain error names.
func incidentField(err error) string {
	switch f := apperr.FieldOf(err); f {
	case "starts_at":
		return "start"
	case "ends_at":
		return "end"
	case "items":
		return "product_0"
	case "forces":
		return "forces"
	case "":
		return "site"
	default:
		return f
	}
}

func (s *server) reportIncident(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	forces, err := s.incidentSvc.Forces(r.Context(), c.P.Actor)
	if err != nil {
		return err
	}
	in, form, checked := incidentFormInput(r, c, forces)
	id, err := s.incidentSvc.Report(r.Context(), c.P.Actor, in)
	if err != nil {
		if msg, status := formError(c, err); msg != "" {
			return s.renderIncidentForm(w, r, c, status, form, checked, fieldError{ID: "incident-" + incidentField(err), Msg: msg})
		}
		return err
	}
	s.setFlash(w, r, "web.flash.incident_saved")
	redirect(w, r, "/incidents/"+strconv.FormatInt(id, 10))
	return nil
}

// custodyRow is a line of the custody log with its action in words.
type custodyRow struct {
	incident.CustodyEntry
	Label string
}

// custodyActions are the custody log's actions that have words.
var custodyActions = []string{"uploaded", "viewed", "downloaded", "viewed_shared", "downloaded_shared", "exported"}

type incidentPage struct {
	incident.Incident
	Custody              []custodyRow
	Lost, Replaced, Owed int64
	Zone                 *time.Location
	Lang                 string
	CanUpload            bool  // the server keeps evidence files
	LimitMB              int64 // the largest file taken
	Err                  fieldError
}

func (s *server) incidentShow(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderIncident(w, r, c, http.StatusOK, id, fieldError{})
}

// renderIncident draws an incident's page; e is a refused upload's
// message at the file form.
func (s *server) renderIncident(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, id int64, e fieldError) error {
	in, err := s.incidentSvc.Get(r.Context(), c.P.Actor, id)
	if err != nil {
		return err
	}
	p := incidentPage{Incident: in, Zone: c.zone(), Lang: c.Lang, CanUpload: s.evidence != nil, Err: e}
	if s.evidence != nil {
		p.LimitMB = s.evidence.Limit >> 20
	}
	log, err := s.incidentSvc.CustodyOf(r.Context(), c.P.Actor, in)
	if err != nil {
		return err
	}
	for _, e := range log {
		label := e.Action
		if slices.Contains(custodyActions, e.Action) {
			label = c.T("evidence.custody." + e.Action)
		}
		p.Custody = append(p.Custody, custodyRow{CustodyEntry: e, Label: label})
	}
	p.Lost, p.Replaced, p.Owed = in.Lost()
	s.render(w, r, c, status, "incident", "incident.web.title", p)
	return nil
}
