package stock_test

import (
	"testing"

	"abri/internal/catalog"
	"abri/internal/label"
	"abri/internal/stock"
)

// One grouping of a code everywhere: "S6X 96S G3J", three groups of three.
func TestFormatCodeGroups(t *testing.T) {
	for in, want := range map[string]string{
		"S6X96SG3J": "S6X 96S G3J",
		"S6X96SG3":  "S6X96SG3", // not a whole code: left as it is
		"":          "",
	} {
		if got := stock.FormatCode(in); got != want {
			t.Errorf("FormatCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// A box's label says what the box page says, in the reader's language, and
// shows the expiry; the comment never goes on it.
func TestBoxLabel(t *testing.T) {
	counted := stock.Box{Code: "S6X96SG3J", ProductName: "Joggers", Gender: catalog.GenderBoy, Size: "4-5 years",
		Items: 12, ExpiresOn: "2027-03-01", Comment: "for the family in tent 4"}
	got := counted.Label("https://abri.example", "en")
	want := label.Label{Code: "S6X 96S G3J", URL: "https://abri.example/b/S6X96SG3J", Product: "Joggers · Boy",
		Size: "4-5 years", Count: "12 items", Note: "Use by 2027-03-01"}
	if got != want {
		t.Errorf("label\n got %+v\nwant %+v", got, want)
	}
	if got := counted.Label("https://abri.example", "fr"); got.Product != "Joggers · Garçon" || got.Count != "12 articles" {
		t.Errorf("French label: %+v", got)
	}
	one := counted
	one.Items = 1
	if got := one.Label("", "ar").Count; got != "قطعة واحدة" {
		t.Errorf("Arabic count of one item: %q", got)
	}

	rice := stock.Box{Code: "S6X96SG3J", ProductName: "Rice", Measure: catalog.MeasureMass, MeasureMil: 2500}
	if got := rice.Label("", "fr"); got.Size != "2,5 kg" || got.Count != "" || got.Note != "" {
		t.Errorf("measured goods with no count: %+v", got)
	}
	rice.Items = 4
	if got := rice.Label("", "en"); got.Size != "2.5 kg" || got.Count != "4 items" {
		t.Errorf("measured goods with a count: %+v", got)
	}
	if got := stock.BlankLabel("https://abri.example", "S6X96SG3J"); got != (label.Label{Code: "S6X 96S G3J", URL: "https://abri.example/b/S6X96SG3J"}) {
		t.Errorf("blank label: %+v", got)
	}
}
