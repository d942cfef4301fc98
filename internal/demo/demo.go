// Package demo seeds a realistic, invented data set for `abri demo`: two
// organisations (so isolation can be seen), their bases, living sites and
// distribution points, warehouse locations, the standard catalogue, and one
// user for every role. It is sized by the published field figures (a group
// working across 4-8 living sites and several distribution points a day).
//
// Every name here is invented: groups, zones and volunteers. Zone names are
// neutral descriptions, never the names of real camps, and nothing describes
// people. Everything is written through the domain packages, so the ledger
// records the demo like any other change.
package demo

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/place"
)

// User is one demo account with fresh credentials: the password and the API
// token are new on every call to Seed.
type User struct {
	Role     string
	Email    string
	Password string
	Token    string
}

// ScheduleSlug is the demo organisation whose coming rounds are on its
// public schedule, /schedule/<slug>.
func ScheduleSlug() string { return orgs[0].slug }

// TokenName is the name of the API token the demo gives each user.
const TokenName = "demo"

type userSpec struct {
	role  access.Role
	email string
	name  string
	// alsoIn names further bases of the organisation where the user holds
	// the same role, so the base switcher has something to show.
	alsoIn []string
}

type baseSpec struct {
	name      string
	sites     []place.SiteInput
	locations []place.LocationInput
	stock     *stockSpec // nil: an empty warehouse
}

type orgSpec struct {
	slug, name string
	bases      []baseSpec // the first is created with the organisation
	users      []userSpec // all hold their role in the first base
}

func living(name string) place.SiteInput { return place.SiteInput{Name: name, Kind: place.SiteLiving} }

// distribution is a distribution point; its note is also what the public
// schedule says about it. Only distribution points get a pin in the demo
// (invented, near the coast): where people live is better left off a map.
func distribution(name, note string) place.SiteInput {
	h := 0
	for _, r := range name {
		h = (h*31 + int(r)) % 1000003
	}
	pin := &place.Pin{Lat: 50.93 + float64(h%300)/10000, Lon: 1.82 + float64(h/300%600)/10000}
	return place.SiteInput{Name: name, Kind: place.SiteDistribution, Note: note, PublicNote: note, Pin: pin}
}

func shelves(rows string, n int) []place.LocationInput {
	var ls []place.LocationInput
	for _, r := range rows {
		for i := 1; i <= n; i++ {
			ls = append(ls, place.LocationInput{Name: fmt.Sprintf("%c%d", r, i), Kind: place.LocationShelf})
		}
	}
	return ls
}

func loc(name, kind string) place.LocationInput { return place.LocationInput{Name: name, Kind: kind} }

// locState is a location that gives the boxes moved there a state.
func locState(name, kind, state string) place.LocationInput {
	return place.LocationInput{Name: name, Kind: kind, DefaultState: state}
}

const (
	org1Base1 = "Entrepôt et cuisine"
	org1Base2 = "Point d'accueil Est"
)

// orgs is the demo world. The first organisation has a user for every role,
// in access.Roles order; the second has an administrator.
var orgs = []orgSpec{
	{
		slug: "cuisine-du-littoral",
		name: "Cuisine du Littoral",
		bases: []baseSpec{
			{
				name: org1Base1,
				sites: []place.SiteInput{
					living("Dunes Est"),
					living("Zone du canal"),
					living("Friche des Tilleuls"),
					living("Bois des Saules"),
					living("Talus Ouest"),
					living("Quai des Sables"),
					distribution("Parking des Mouettes", "Repas du midi et du soir. Sur place une heure au plus."),
					distribution("Terrain Sud", "Vêtements et couvertures le mardi et le vendredi."),
					distribution("Halle Nord", "Point d'eau, thé chaud et recharge de téléphones."),
				},
				locations: append(shelves("AB", 6),
					loc("Salle de tri", place.LocationRoom),
					loc("Réserve cuisine", place.LocationRoom),
					loc("Camionnette 1", place.LocationVan),
					loc("Camionnette 2", place.LocationVan),
					locState("Point de distribution", place.LocationSite, place.StateHandedOut),
					locState("Rebut", place.LocationRoom, place.StateScrap),
				),
				stock: mainWarehouse,
			},
			{
				name: org1Base2,
				sites: []place.SiteInput{
					living("Lisière du bois"),
					living("Zone des entrepôts"),
					distribution("Point repas Est", "Repas du soir."),
				},
				locations: append(shelves("A", 3), loc("Camionnette Est", place.LocationVan)),
				stock:     eastWarehouse,
			},
		},
		users: []userSpec{
			{role: access.Admin, email: "admin@demo.abri.invalid", name: "Camille Roux", alsoIn: []string{org1Base2}},
			{role: access.Coordinator, email: "coordinator@demo.abri.invalid", name: "Yasmine Haddad", alsoIn: []string{org1Base2}},
			{role: access.Warehouse, email: "warehouse@demo.abri.invalid", name: "Hugo Lambert"},
			{role: access.Distribution, email: "distribution@demo.abri.invalid", name: "Inès Moreau"},
			{role: access.Observer, email: "observer@demo.abri.invalid", name: "Théo Girard"},
			{role: access.Shop, email: "shop@demo.abri.invalid", name: "Léa Fontaine"},
			{role: access.Viewer, email: "viewer@demo.abri.invalid", name: "Malik Benoît"},
		},
	},
	{
		slug: "vestiaire-des-dunes",
		name: "Vestiaire des Dunes",
		bases: []baseSpec{{
			name:      "Vestiaire",
			sites:     []place.SiteInput{living("Clairière Nord"), distribution("Cour du vestiaire", "Vestiaire ouvert le samedi.")},
			locations: []place.LocationInput{loc("Étagère 1", place.LocationShelf), loc("Étagère 2", place.LocationShelf), loc("Arrière-boutique", place.LocationRoom)},
			stock:     vestiaire,
		}},
		users: []userSpec{
			{role: access.Admin, email: "admin@vestiaire.demo.abri.invalid", name: "Jonas Weber"},
		},
	},
}

// Seed writes the demo data set into a migrated database and returns the
// demo users with new credentials, in this order: the first organisation's
// admin, coordinator, warehouse, distribution, observer, shop and viewer, then
// the second organisation's admin.
//
// On a database seeded before it adds nothing that is already there: it
// resets each demo user's password, revokes their earlier demo tokens and
// issues new ones, so `abri demo --data DIR` can run again on the same
// directory and still print working credentials.
func Seed(ctx context.Context, d *db.DB, accounts *account.Service) ([]User, error) {
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	places := place.New(d)
	var out []User
	for _, o := range orgs {
		us, err := seedOrg(ctx, d, accounts, places, o)
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", o.slug, err)
		}
		out = append(out, us...)
	}
	return out, nil
}

func seedOrg(ctx context.Context, d *db.DB, accounts *account.Service, places *place.Service, o orgSpec) ([]User, error) {
	org, err := accounts.OrganisationBySlug(ctx, o.slug)
	if apperr.Is(err, apperr.NotFound) {
		org, _, err = accounts.CreateOrganisation(ctx, o.slug, o.name, o.bases[0].name)
	}
	if err != nil {
		return nil, fmt.Errorf("organisation: %w", err)
	}
	bases, err := ensureBases(ctx, accounts, org.ID, o.bases)
	if err != nil {
		return nil, err
	}
	for i, b := range o.bases {
		sys := access.SystemActor(org.ID, bases[b.name])
		// Calais and Dunkirk: every demo base keeps French time.
		if err := accounts.SetTimeZone(ctx, sys, "Europe/Paris"); err != nil {
			return nil, fmt.Errorf("base %d: %w", i+1, err)
		}
		if err := ensureSites(ctx, places, sys, b.sites); err != nil {
			return nil, fmt.Errorf("base %d: %w", i+1, err)
		}
		if err := ensureLocations(ctx, places, sys, b.locations); err != nil {
			return nil, fmt.Errorf("base %d: %w", i+1, err)
		}
	}
	var out []User
	ids := map[string]int64{}
	for _, u := range o.users {
		du, id, err := ensureUser(ctx, d, accounts, org.ID, bases, o.bases[0].name, u)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.role, err)
		}
		out = append(out, du)
		ids[u.email] = id
	}
	for i, b := range o.bases {
		if b.stock == nil {
			continue
		}
		c := crewOf(org.ID, bases[b.name], i == 0, o.users, ids, bases)
		if err := seedWarehouse(ctx, d, places, c, b.stock); err != nil {
			return nil, fmt.Errorf("base %d: %w", i+1, err)
		}
		if i == 0 && b.stock.story {
			if err := seedRounds(ctx, d, places, c); err != nil {
				return nil, fmt.Errorf("base %d: %w", i+1, err)
			}
			if err := seedShop(ctx, d, places, c); err != nil {
				return nil, fmt.Errorf("base %d: %w", i+1, err)
			}
		}
	}
	return out, nil
}

// crewOf picks who works in a base's warehouse among the users holding a
// role there, preferring the role that does each job.
func crewOf(orgID, baseID int64, home bool, users []userSpec, ids map[string]int64, bases map[string]int64) crew {
	held := map[access.Role]access.Actor{}
	for _, u := range users {
		in := home
		for _, name := range u.alsoIn {
			in = in || bases[name] == baseID
		}
		if in {
			held[u.role] = access.Actor{UserID: ids[u.email], OrgID: orgID, BaseID: baseID, Role: u.role}
		}
	}
	first := func(roles ...access.Role) access.Actor {
		for _, r := range roles {
			if a, ok := held[r]; ok {
				return a
			}
		}
		return access.SystemActor(orgID, baseID)
	}
	return crew{
		warehouse:    first(access.Warehouse, access.Coordinator, access.Admin),
		distribution: first(access.Distribution, access.Warehouse, access.Coordinator, access.Admin),
		coordinator:  first(access.Coordinator, access.Admin),
		shop:         first(access.Shop, access.Coordinator, access.Admin),
	}
}

// ensureBases creates the bases that are missing and returns every base's id
// by name.
func ensureBases(ctx context.Context, accounts *account.Service, orgID int64, specs []baseSpec) (map[string]int64, error) {
	sys := access.SystemActor(orgID, 0)
	have, err := accounts.Bases(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("bases: %w", err)
	}
	ids := map[string]int64{}
	for _, b := range have {
		ids[b.Name] = b.ID
	}
	for _, b := range specs {
		if ids[b.name] != 0 {
			continue
		}
		nb, err := accounts.CreateBase(ctx, sys, b.name)
		if err != nil {
			return nil, fmt.Errorf("base: %w", err)
		}
		ids[b.name] = nb.ID
	}
	return ids, nil
}

func ensureSites(ctx context.Context, places *place.Service, sys access.Actor, specs []place.SiteInput) error {
	have, err := places.Sites(ctx, sys, place.SiteFilter{IncludeArchived: true})
	if err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	exists := map[string]bool{}
	for _, s := range have {
		exists[s.Name] = true
	}
	for _, s := range specs {
		if exists[s.Name] {
			continue
		}
		if _, err := places.CreateSite(ctx, sys, s); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	return nil
}

func ensureLocations(ctx context.Context, places *place.Service, sys access.Actor, specs []place.LocationInput) error {
	have, err := places.Locations(ctx, sys, place.LocationFilter{IncludeArchived: true})
	if err != nil {
		return fmt.Errorf("locations: %w", err)
	}
	exists := map[string]bool{}
	for _, l := range have {
		exists[l.Name] = true
	}
	for _, l := range specs {
		if exists[l.Name] {
			continue
		}
		if _, err := places.CreateLocation(ctx, sys, l); err != nil {
			return fmt.Errorf("location: %w", err)
		}
	}
	return nil
}

// ensureUser creates the user, or resets the password of the one already
// there, makes sure of their roles, and gives them a new API token in place
// of any earlier demo token.
func ensureUser(ctx context.Context, d *db.DB, accounts *account.Service, orgID int64, bases map[string]int64, home string, u userSpec) (User, int64, error) {
	sys := access.SystemActor(orgID, bases[home])
	pw := account.RandomPassword()
	existing, err := accounts.UserByEmail(ctx, u.email)
	var uid int64
	switch {
	case err == nil:
		if existing.OrgID != orgID {
			return User{}, 0, fmt.Errorf("%s belongs to another organisation", u.email)
		}
		uid = existing.ID
		if existing.Disabled {
			if err := accounts.SetDisabled(ctx, sys, uid, false); err != nil {
				return User{}, 0, fmt.Errorf("enable: %w", err)
			}
		}
		if err := accounts.SetPassword(ctx, sys, uid, pw); err != nil {
			return User{}, 0, fmt.Errorf("reset password: %w", err)
		}
	case apperr.Is(err, apperr.NotFound):
		nu, err := accounts.AddUser(ctx, sys, account.NewUser{Email: u.email, Name: u.name, Password: pw, BaseID: bases[home], Role: u.role})
		if err != nil {
			return User{}, 0, fmt.Errorf("add: %w", err)
		}
		uid = nu.ID
	default:
		return User{}, 0, fmt.Errorf("look up: %w", err)
	}

	ms, err := accounts.Memberships(ctx, d, uid)
	if err != nil {
		return User{}, 0, err
	}
	held := map[int64]access.Role{}
	for _, m := range ms {
		held[m.BaseID] = m.Role
	}
	for _, name := range append([]string{home}, u.alsoIn...) {
		if held[bases[name]] != u.role {
			if err := accounts.SetRole(ctx, sys, uid, bases[name], u.role); err != nil {
				return User{}, 0, fmt.Errorf("role: %w", err)
			}
		}
	}

	self := access.Actor{UserID: uid, OrgID: orgID, BaseID: bases[home], Role: u.role}
	old, err := accounts.Tokens(ctx, self)
	if err != nil {
		return User{}, 0, err
	}
	for _, t := range old {
		if t.Name == TokenName && !t.Revoked {
			if err := accounts.RevokeToken(ctx, self, t.ID); err != nil {
				return User{}, 0, fmt.Errorf("revoke token: %w", err)
			}
		}
	}
	secret, _, err := accounts.IssueToken(ctx, self, TokenName)
	if err != nil {
		return User{}, 0, fmt.Errorf("token: %w", err)
	}
	return User{Role: string(u.role), Email: u.email, Password: pw, Token: secret}, uid, nil
}
