package web

import (
	"net/http"

	"abri/internal/access"
)

// card is one thing a role does, on the start page. Cards marked Soon name
// work that later screens will do; they are there so that volunteers see
// what abri is for from the first day.
type card struct {
	Title  string // catalogue key
	Desc   string // catalogue key
	Href   string
	Soon   bool
	Action access.Action // shown only when the role may do it; "" for all
}

// cardsByRole is each role's start page.
var cardsByRole = map[access.Role][]card{
	access.Admin: {
		{Title: "web.card.users", Desc: "web.card.users_desc", Href: "/admin/users", Action: access.ManageUsers},
		{Title: "web.card.places", Desc: "web.card.places_desc", Href: "/sites", Action: access.ViewSites},
		// An admin may do a coordinator's work too, and has no other way to it.
		{Title: "web.card.plan", Desc: "web.card.plan_desc", Href: "/rounds", Action: access.ViewRounds},
		{Title: "web.card.losses", Desc: "web.card.losses_desc", Href: "/incidents", Action: access.ViewIncidents},
		{Title: "web.card.review", Desc: "web.card.review_desc", Href: "/review", Action: access.ReviewCommands},
		{Title: "web.card.retention", Desc: "web.card.retention_desc", Soon: true},
		{Title: "web.card.journal", Desc: "web.card.journal_desc", Soon: true},
		{Title: "web.card.shop", Desc: "web.card.shop_desc", Href: "/shop", Action: access.UseShop},
		{Title: "web.card.card_desk", Desc: "web.card.card_desk_desc", Href: "/cards", Action: access.UseCards},
	},
	access.Coordinator: {
		{Title: "web.card.stock", Desc: "web.card.stock_desc", Href: "/stock", Action: access.ViewStock},
		{Title: "web.card.plan", Desc: "web.card.plan_desc", Href: "/rounds", Action: access.ViewRounds},
		{Title: "web.card.needs", Desc: "web.card.needs_desc", Href: "/needs", Action: access.ViewNeeds},
		{Title: "web.card.losses", Desc: "web.card.losses_desc", Href: "/incidents", Action: access.ViewIncidents},
		{Title: "web.card.figures", Desc: "web.card.figures_desc", Href: "/rounds/weekly", Action: access.ViewRounds},
		{Title: "web.card.review", Desc: "web.card.review_desc", Href: "/review", Action: access.ReviewCommands},
		{Title: "web.card.shop", Desc: "web.card.shop_desc", Href: "/shop", Action: access.UseShop},
		{Title: "web.card.card_desk", Desc: "web.card.card_desk_desc", Href: "/cards", Action: access.UseCards},
	},
	access.Warehouse: {
		{Title: "web.card.sort", Desc: "web.card.sort_desc", Href: "/stock/sort", Action: access.EditStock},
		{Title: "web.card.scan_box", Desc: "web.card.scan_box_desc", Href: "/scan", Action: access.ViewStock},
		{Title: "web.card.labels", Desc: "web.card.labels_desc", Href: "/stock/labels/blank", Action: access.EditStock},
		{Title: "web.card.stock", Desc: "web.card.stock_desc", Href: "/stock", Action: access.ViewStock},
	},
	access.Distribution: {
		{Title: "web.card.rounds", Desc: "web.card.rounds_desc", Href: "/rounds", Action: access.ViewRounds},
		{Title: "web.card.tally", Desc: "web.card.tally_desc", Href: "/rounds", Action: access.RunRounds},
		{Title: "web.card.returns", Desc: "web.card.returns_desc", Href: "/rounds", Action: access.RunRounds},
		{Title: "web.card.count", Desc: "web.card.count_desc", Href: "/count", Action: access.RecordHeadcount},
	},
	access.Observer: {
		{Title: "web.card.log_eviction", Desc: "web.card.log_eviction_desc", Href: "/incidents/new", Action: access.ReportIncidents},
		{Title: "web.card.incidents", Desc: "web.card.incidents_desc", Href: "/incidents", Action: access.ViewIncidents},
	},
	access.Shop: {
		{Title: "web.card.scan_card", Desc: "web.card.scan_card_desc", Href: "/shop", Action: access.UseShop},
		{Title: "web.card.checkout", Desc: "web.card.checkout_desc", Href: "/shop", Action: access.UseShop},
		{Title: "web.card.card_desk", Desc: "web.card.card_desk_desc", Href: "/cards", Action: access.UseCards},
	},
	access.Viewer: {
		{Title: "web.card.stock", Desc: "web.card.stock_desc", Href: "/stock", Action: access.ViewStock},
		{Title: "web.card.schedule", Desc: "web.card.schedule_desc", Href: "/rounds", Action: access.ViewRounds},
		{Title: "web.card.reports", Desc: "web.card.reports_desc", Href: "/rounds/weekly", Action: access.ViewRounds},
	},
}

// everyoneCards close every start page.
var everyoneCards = []card{
	{Title: "web.card.settings", Desc: "web.card.settings_desc", Href: "/settings"},
}

type dashboardPage struct {
	Cards []card
}

func (s *server) dashboard(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := c.P.Actor.Require(access.ViewDashboard); err != nil {
		return err
	}
	var cards []card
	for _, list := range [][]card{cardsByRole[c.P.Actor.Role], everyoneCards} {
		for _, cd := range list {
			if cd.Action == "" || access.Allowed(c.P.Actor.Role, cd.Action) {
				cards = append(cards, cd)
			}
		}
	}
	s.render(w, r, c, http.StatusOK, "dashboard", "web.dashboard.title", dashboardPage{Cards: cards})
	return nil
}
