// Package access is abri's authorization in one place: who is acting (the
// Actor), the roles, the actions, and the policy of role × action. Domain code
// calls Actor.Require with the action it is about to do; handlers never decide.
package access

import (
	"sort"

	"abri/internal/apperr"
)

// Role is what a user may do in one base.
type Role string

const (
	Admin        Role = "admin"
	Coordinator  Role = "coordinator"
	Warehouse    Role = "warehouse"
	Distribution Role = "distribution"
	Observer     Role = "observer"
	Shop         Role = "shop"
	Viewer       Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Coordinator, Warehouse, Distribution, Observer, Shop, Viewer}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "error.role_unknown")
}

// Action is one thing a role may or may not do.
type Action string

const (
	ViewDashboard   Action = "dashboard.view"
	ManageOwnTokens Action = "tokens.manage"
	ManageUsers     Action = "users.manage"
	ManageBase      Action = "base.manage" // the base's settings (time zone)
	VerifyLedger    Action = "ledger.verify"
	ViewSites       Action = "sites.view"
	ManageSites     Action = "sites.manage"
	ViewLocations   Action = "locations.view"
	ManageLocations Action = "locations.manage"
	ViewCatalog     Action = "catalog.view"
	ManageCatalog   Action = "catalog.manage"
	ViewStock       Action = "stock.view"
	EditStock       Action = "stock.edit"
	MoveStock       Action = "stock.move"
	// SendCommands lets a field screen's queued commands in at all; each
	// command's handler then requires its own action.
	SendCommands   Action = "commands.send"
	ReviewCommands Action = "commands.review"
	ViewRounds     Action = "rounds.view"
	PlanRounds     Action = "rounds.plan"
	RunRounds      Action = "rounds.run"
	ViewNeeds      Action = "needs.view"
	ManageNeeds    Action = "needs.manage"
	// RecordHeadcount: the quick count of people served at a site.
	RecordHeadcount Action = "headcount.record"
	// Incidents (evictions, seizures) and their evidence: observers record
	// them, coordinators and admins read them; to anyone else they do not
	// exist (404).
	ViewIncidents   Action = "incidents.view"
	ReportIncidents Action = "incidents.report"
	// The organisation's list of forces an incident may name.
	ManageIncidentForces Action = "incidents.forces"
	// Free-shop cards: the shop issues, looks up, replaces and erases them
	// (and reads optional personal fields, each read logged); coordinators
	// and admins set a base's card settings; admins read the access log.
	// To anyone else cards do not exist (404).
	UseCards          Action = "cards.use"
	ManageCards       Action = "cards.manage"
	ViewCardAccessLog Action = "cards.access_log"
	// ExportCard: an administrator exports what abri holds on one card, at
	// the request of its holder, who shows the card (the right of access).
	ExportCard Action = "cards.export"
	// The free shop: shop volunteers check out against the base's
	// entitlement rules; coordinators and admins set the rules, override a
	// refusal with a reason and read the shop's reports. To anyone else the
	// shop does not exist (404).
	UseShop      Action = "shop.use"
	ManageShop   Action = "shop.manage"
	OverrideShop Action = "shop.override"
)

var everyone = []Role{Admin, Coordinator, Warehouse, Distribution, Observer, Shop, Viewer}

// policy is the whole matrix. An action missing here is allowed to nobody.
var policy = map[Action][]Role{
	ViewDashboard:   everyone,
	ManageOwnTokens: everyone,
	ManageUsers:     {Admin},
	ManageBase:      {Admin},
	VerifyLedger:    {Admin},
	ViewSites:       everyone,
	ManageSites:     {Admin, Coordinator},
	ViewLocations:   everyone,
	ManageLocations: {Admin, Coordinator, Warehouse},
	ViewCatalog:     everyone,
	ManageCatalog:   {Admin, Coordinator, Warehouse},
	// Everyone may see the stock; the warehouse makes and edits boxes; the
	// distribution team also moves them (loads out, leftovers back).
	ViewStock: everyone,
	EditStock: {Admin, Coordinator, Warehouse},
	MoveStock: {Admin, Coordinator, Warehouse, Distribution},
	// Every role that works in the field sends commands (a viewer only
	// reads); coordinators decide what could not apply.
	SendCommands:   {Admin, Coordinator, Warehouse, Distribution, Observer, Shop},
	ReviewCommands: {Admin, Coordinator},
	// Coordinators plan rounds; the warehouse packs them and the
	// distribution team takes them out, counts and brings back. Needs are
	// set by coordinators and heard at distributions.
	ViewRounds:  everyone,
	PlanRounds:  {Admin, Coordinator},
	RunRounds:   {Admin, Coordinator, Warehouse, Distribution},
	ViewNeeds:   everyone,
	ManageNeeds: {Admin, Coordinator, Distribution},
	// The quick count of people served at a site.
	RecordHeadcount: {Admin, Coordinator, Distribution},
	// An incident's losses open replacement needs in the same transaction,
	// so reporting one needs no ManageNeeds.
	ViewIncidents:        {Admin, Coordinator, Observer},
	ReportIncidents:      {Admin, Coordinator, Observer},
	ManageIncidentForces: {Admin, Coordinator},
	// Free-shop cards.
	UseCards:          {Admin, Coordinator, Shop},
	ManageCards:       {Admin, Coordinator},
	ViewCardAccessLog: {Admin},
	ExportCard:        {Admin},
	// Checking out takes items out of shop boxes (through internal/stock)
	// without the warehouse's stock.edit.
	UseShop:      {Admin, Coordinator, Shop},
	ManageShop:   {Admin, Coordinator},
	OverrideShop: {Admin, Coordinator},
}

// Actions lists every action the policy knows, sorted.
func Actions() []Action {
	as := make([]Action, 0, len(policy))
	for a := range policy {
		as = append(as, a)
	}
	sort.Slice(as, func(i, j int) bool { return as[i] < as[j] })
	return as
}

// Allowed tells whether a role may do an action.
func Allowed(r Role, a Action) bool {
	for _, x := range policy[a] {
		if x == r {
			return true
		}
	}
	return false
}

// Actor is who is acting: a user in one base of one organisation, with the
// role they hold there. System actors are the command line and the demo seed.
type Actor struct {
	UserID int64
	OrgID  int64
	BaseID int64
	Role   Role
	System bool
}

// SystemActor acts for the command line in one organisation and base.
func SystemActor(orgID, baseID int64) Actor {
	return Actor{OrgID: orgID, BaseID: baseID, Role: Admin, System: true}
}

// Can tells whether the actor may do the action.
func (a Actor) Can(act Action) bool {
	if a.OrgID == 0 {
		return false
	}
	return a.System || Allowed(a.Role, act)
}

// Require returns a Forbidden error unless the actor may do the action.
func (a Actor) Require(act Action) error {
	if a.OrgID == 0 || a.UserID == 0 && !a.System {
		return apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	if !a.Can(act) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}
