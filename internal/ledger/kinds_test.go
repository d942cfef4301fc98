package ledger_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/ledger"
	"abri/internal/place"
	"abri/internal/stock"
)

// Payloads exactly as abri wrote them before events were typed (map
// literals, keys in sorted order), taken from a demo database: they are in
// ledgers that are kept forever and must decode to the same values.
func TestOldPayloadsDecode(t *testing.T) {
	d := func(f, to int64) *ledger.Delta[int64] { return &ledger.Delta[int64]{From: f, To: to} }
	cases := []struct {
		kind, payload string
		want          ledger.Payload
	}{
		{"organisation.created", `{"name":"Calais Aid","slug":"calais-aid"}`, account.OrganisationCreated{Slug: "calais-aid", Name: "Calais Aid"}},
		{"base.created", `{"name":"Warehouse"}`, account.BaseCreated{Name: "Warehouse"}},
		{"user.created", `{"base_id":2,"role":"warehouse"}`, account.UserCreated{BaseID: 2, Role: access.Warehouse}},
		{"user.role_set", `{"base_id":2,"role":""}`, account.UserRoleSet{BaseID: 2}},
		{"user.language_set", `{"lang":"ar"}`, account.UserLanguageSet{Lang: "ar"}},
		{"user.disabled", `{}`, account.UserDisabled{}},
		{"token.created", `{"user_id":7}`, account.TokenCreated{UserID: 7}},
		{"product.created", `{"category_id":3,"gender":"women","name":"Scarves","size_range_id":1}`,
			catalog.ProductCreated{Name: "Scarves", CategoryID: 3, Gender: "women", SizeRangeID: 1}},
		{"product.kit_set", `{"components":[{"product_id":4,"quantity":1},{"product_id":9,"quantity":2}]}`,
			catalog.ProductKitSet{Components: []catalog.KitPart{{ProductID: 4, Quantity: 1}, {ProductID: 9, Quantity: 2}}}},
		{"site.created", `{"has_note":true,"kind":"camp","name":"Canal"}`, place.SiteCreated{Name: "Canal", Kind: "camp", HasNote: true}},
		{"site.updated", `{"kind":"camp","name":"Canal","note_changed":false}`, place.SiteUpdated{Name: "Canal", Kind: "camp"}},
		{"location.created", `{"default_state":"in_stock","kind":"shelf","name":"A1","position":1}`,
			place.LocationCreated{Name: "A1", Kind: "shelf", DefaultState: "in_stock", Position: 1}},
		{"donation.recorded", `{"item_count":40,"received_on":"2026-11-20","source":"church","weight_g":0}`,
			stock.DonationRecorded{Source: "church", ReceivedOn: "2026-11-20", ItemCount: 40}},
		{"labels.reserved", `{"codes":["ABCD2345","EFGH6789"]}`, stock.LabelsReserved{Codes: []string{"ABCD2345", "EFGH6789"}}},
		{"box.created", `{"code":"K7PQ4XWM","comment_set":true,"donation_id":3,"items":12,"location_id":5,"product_id":8,"size":"M","state":"in_stock","tag_ids":[1,2]}`,
			stock.BoxCreated{Code: "K7PQ4XWM", CommentSet: true, DonationID: 3, Items: 12, LocationID: 5, ProductID: 8, Size: "M", State: stock.InStock, TagIDs: []int64{1, 2}}},
		{"box.moved", `{"code":"K7PQ4XWM","location_id":{"from":5,"to":6},"state":{"from":"in_stock","to":"handed_out"}}`,
			stock.BoxMoved{BoxChange: stock.BoxChange{Code: "K7PQ4XWM", LocationID: d(5, 6), State: &ledger.Delta[stock.State]{From: stock.InStock, To: stock.HandedOut}}}},
		{"box.updated", `{"code":"K7PQ4XWM","comment_changed":true,"items":{"from":12,"to":10},"measure":{"from":1500,"to":750},"tag_ids":{"from":[],"to":[1]}}`,
			stock.BoxUpdated{BoxChange: stock.BoxChange{Code: "K7PQ4XWM", CommentChanged: true, Items: d(12, 10), Measure: d(1500, 750),
				TagIDs: &ledger.Delta[[]int64]{From: []int64{}, To: []int64{1}}}}},
	}
	for _, c := range cases {
		got, err := ledger.Event{Kind: c.kind, Payload: json.RawMessage(c.payload)}.Decode()
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s decoded to %#v, %v; want %#v", c.kind, c.payload, got, err, c.want)
		}
	}
	var unknown *ledger.UnknownKindError
	if _, err := (ledger.Event{Kind: "box.teleported", Payload: json.RawMessage(`{}`)}).Decode(); err == nil {
		t.Fatal("an unknown kind decoded")
	} else if !asUnknown(err, &unknown) || unknown.Kind != "box.teleported" {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := (ledger.Event{Kind: "box.created", Version: 9, Payload: json.RawMessage(`{}`)}).Decode(); err == nil {
		t.Fatal("an unknown version decoded")
	}
}

func asUnknown(err error, target **ledger.UnknownKindError) bool {
	u, ok := err.(*ledger.UnknownKindError)
	*target = u
	return ok
}
