package access_test

import (
	"sort"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
)

// expected is the policy written out by hand, one line per action, roles in
// the order admin, coordinator, warehouse, distribution, observer, shop,
// viewer. It is kept apart from the code on purpose: a change to who may do
// what must be made twice, here and in the policy, or this test fails.
var expected = map[string]string{
	//                   adm coo war dis obs sho vie
	"dashboard.view":   "X   X   X   X   X   X   X",
	"tokens.manage":    "X   X   X   X   X   X   X",
	"users.manage":     "X   .   .   .   .   .   .",
	"ledger.verify":    "X   .   .   .   .   .   .",
	"base.manage":      "X   .   .   .   .   .   .",
	"sites.view":       "X   X   X   X   X   X   X",
	"sites.manage":     "X   X   .   .   .   .   .",
	"locations.view":   "X   X   X   X   X   X   X",
	"locations.manage": "X   X   X   .   .   .   .",
	"catalog.view":     "X   X   X   X   X   X   X",
	"catalog.manage":   "X   X   X   .   .   .   .",
	"stock.view":       "X   X   X   X   X   X   X",
	"stock.edit":       "X   X   X   .   .   .   .",
	"stock.move":       "X   X   X   X   .   .   .",
	"commands.send":    "X   X   X   X   X   X   .",
	"commands.review":  "X   X   .   .   .   .   .",
	"rounds.view":      "X   X   X   X   X   X   X",
	"rounds.plan":      "X   X   .   .   .   .   .",
	"rounds.run":       "X   X   X   X   .   .   .",
	"needs.view":       "X   X   X   X   X   X   X",
	"needs.manage":     "X   X   .   X   .   .   .",
	"headcount.record": "X   X   .   X   .   .   .",
	"incidents.view":   "X   X   .   .   X   .   .",
	"incidents.report": "X   X   .   .   X   .   .",
	"incidents.forces": "X   X   .   .   .   .   .",
	"cards.use":        "X   X   .   .   .   X   .",
	"cards.manage":     "X   X   .   .   .   .   .",
	"cards.access_log": "X   .   .   .   .   .   .",
	"cards.export":     "X   .   .   .   .   .   .",
	"shop.use":         "X   X   .   .   .   X   .",
	"shop.manage":      "X   X   .   .   .   .   .",
	"shop.override":    "X   X   .   .   .   .   .",
}

var roleColumns = []string{"admin", "coordinator", "warehouse", "distribution", "observer", "shop", "viewer"}

func TestPolicyMatrix(t *testing.T) {
	// The roles are exactly these, most powerful first.
	var roles []string
	for _, r := range access.Roles {
		roles = append(roles, string(r))
	}
	if strings.Join(roles, ",") != strings.Join(roleColumns, ",") {
		t.Fatalf("roles %v; the expected matrix has %v", roles, roleColumns)
	}

	// The policy knows exactly the actions of the table, no more, no fewer.
	var known []string
	for _, a := range access.Actions() {
		known = append(known, string(a))
		if _, ok := expected[string(a)]; !ok {
			t.Errorf("action %q is in the policy but not in this test's matrix: add it here with its roles", a)
		}
	}
	if !sort.StringsAreSorted(known) {
		t.Errorf("Actions() is not sorted: %v", known)
	}
	for a := range expected {
		found := false
		for _, k := range known {
			found = found || k == a
		}
		if !found {
			t.Errorf("action %q is in this test's matrix but the policy does not know it", a)
		}
	}

	// Every action × every role.
	for a, line := range expected {
		cells := strings.Fields(line)
		if len(cells) != len(roleColumns) {
			t.Fatalf("matrix line for %q has %d cells", a, len(cells))
		}
		for i, r := range roleColumns {
			want := cells[i] == "X"
			if got := access.Allowed(access.Role(r), access.Action(a)); got != want {
				t.Errorf("Allowed(%s, %s) = %v; the matrix says %v", r, a, got, want)
			}
			actor := access.Actor{UserID: 1, OrgID: 1, BaseID: 1, Role: access.Role(r)}
			if got := actor.Can(access.Action(a)); got != want {
				t.Errorf("%s Can(%s) = %v; want %v", r, a, got, want)
			}
			err := actor.Require(access.Action(a))
			switch {
			case want && err != nil:
				t.Errorf("%s Require(%s) = %v; want nil", r, a, err)
			case !want && !apperr.Is(err, apperr.Forbidden):
				t.Errorf("%s Require(%s) = %v; want Forbidden", r, a, err)
			case !want && apperr.As(err).Key != "error.forbidden":
				t.Errorf("%s Require(%s) key %q", r, a, apperr.As(err).Key)
			}
		}
	}
}

func TestUnknownRoleAndActionAreRefused(t *testing.T) {
	for _, a := range access.Actions() {
		if access.Allowed("", a) || access.Allowed("superuser", a) || access.Allowed("Admin", a) {
			t.Errorf("an unknown role may %s", a)
		}
	}
	for _, r := range access.Roles {
		if access.Allowed(r, "boxes.burn") {
			t.Errorf("%s may do an action the policy does not know", r)
		}
		actor := access.Actor{UserID: 1, OrgID: 1, Role: r}
		if err := actor.Require("boxes.burn"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s Require(unknown action) = %v; want Forbidden", r, err)
		}
	}
}

func TestRequireNeedsUserAndOrganisation(t *testing.T) {
	for name, a := range map[string]access.Actor{
		"nobody":               {},
		"no user":              {OrgID: 1, BaseID: 1, Role: access.Admin},
		"no organisation":      {UserID: 1, BaseID: 1, Role: access.Admin},
		"system without org":   {System: true, Role: access.Admin},
		"no user, viewer base": {OrgID: 1, BaseID: 1, Role: access.Viewer},
	} {
		for _, act := range access.Actions() {
			err := a.Require(act)
			if !apperr.Is(err, apperr.Unauthorized) || apperr.As(err).Key != "error.unauthorized" {
				t.Errorf("%s Require(%s) = %v; want Unauthorized", name, act, err)
			}
		}
	}
	if (access.Actor{UserID: 1, Role: access.Admin}).Can(access.ViewDashboard) {
		t.Error("an actor without an organisation Can act")
	}
}

func TestSystemActor(t *testing.T) {
	a := access.SystemActor(3, 4)
	if a.OrgID != 3 || a.BaseID != 4 || !a.System || a.UserID != 0 || a.Role != access.Admin {
		t.Fatalf("SystemActor(3, 4) = %+v", a)
	}
	acts := append(access.Actions(), "some.future_action")
	for _, act := range acts {
		if err := a.Require(act); err != nil {
			t.Errorf("system Require(%s) = %v", act, err)
		}
		if !a.Can(act) {
			t.Errorf("system cannot %s", act)
		}
	}
	// Even a system actor acts inside one organisation.
	if err := access.SystemActor(0, 0).Require(access.ViewDashboard); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("system actor without organisation: %v; want Unauthorized", err)
	}
	// A viewer-role system actor is still the system.
	v := access.Actor{OrgID: 1, System: true, Role: access.Viewer}
	if err := v.Require(access.ManageUsers); err != nil {
		t.Errorf("system actor with a viewer role: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range roleColumns {
		got, err := access.ParseRole(r)
		if err != nil || string(got) != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "Admin", "ADMIN", " admin", "root", "admin ", "volunteer"} {
		got, err := access.ParseRole(bad)
		if !apperr.Is(err, apperr.Invalid) || got != "" || apperr.As(err).Key != "error.role_unknown" {
			t.Errorf("ParseRole(%q) = %q, %v; want Invalid error.role_unknown", bad, got, err)
		}
	}
}
